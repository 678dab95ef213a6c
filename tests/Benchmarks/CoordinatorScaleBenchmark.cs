using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Form3Actors.Coordinator.Actors;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Hosting;
using Form3Actors.Messages;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Benchmarks;

/// <summary>What the coordinator costs as a run grows, without any filing on disk.</summary>
/// <param name="FillSeconds">The whole first run: listing handed over, recovery of an empty journal, every batch handed out, reported and journaled, the merge.</param>
/// <param name="HandOutSeconds">From the first file handed out to the last one journaled: the coordinator's hand-out rate.</param>
/// <param name="RecoverySeconds">From the actor's creation to the end of its recovery, as the manifest of the second run records it.</param>
/// <param name="ListingBytes">Managed memory the listing holds (after full collections).</param>
/// <param name="LedgerBytes">Managed memory the recovered coordinator holds besides the listing (its ledger and queues).</param>
/// <param name="PeakBytes">The benchmark process's peak resident memory over both runs.</param>
/// <param name="JournalBytes">The journal file after both runs: every byte the run journaled, none deleted (a first run needs no checkpoint).</param>
public sealed record ScaleResult(int Files, int Workers, double FillSeconds, double HandOutSeconds, double RecoverySeconds, long ListingBytes, long LedgerBytes,
    long PeakBytes, long JournalBytes)
{
    /// <summary>Files handed out, reported and journaled per second, from the first hand-out to the last write.</summary>
    public double FilesPerSecond => Files / HandOutSeconds;

    /// <summary>What the ledger itself takes in the journal's own terms: a file's key, size, modification time and batch.</summary>
    public long LedgerFinalBytes => Files * 36L;
}

/// <summary>
/// The real coordinator actor on a real SQLite journal, fed by in-process workers that complete batches of
/// synthetic files instantly (as many nodes with no-op extraction would), over a listing of EDGAR-like paths; then a
/// second coordinator recovers that journal, as a rerun does.
/// </summary>
public static class CoordinatorScaleBenchmark
{
    public static async Task<ScaleResult> Run(int files, int workers, string directory)
    {
        var folder = RunFolder.Create(directory);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var listing = new InputListing("synthetic EDGAR paths");
        for (var i = 0; i < files; i++)
        {
            var path = $"edgar/data/{1_000_000 + i % 5000}/{i:D10}-24-{i % 1_000_000:D6}.txt";
            listing.TryAdd(FileKey.Of("/bench/" + path), "/bench", path);
        }
        var listingBytes = GC.GetTotalMemory(forceFullCollection: true) - before;

        var fill = Stopwatch.StartNew();
        var first = await WithCoordinator(folder, listing, workers);
        var fillSeconds = fill.Elapsed.TotalSeconds;

        // Without the first run's tables the rerun merges again and writes a manifest of its own, with its recovery's time.
        Directory.Delete(folder.Results, recursive: true);
        var beforeRecovery = GC.GetTotalMemory(forceFullCollection: true);
        long afterRecovery = 0;
        await WithCoordinator(folder, listing, 0, () => afterRecovery = GC.GetTotalMemory(forceFullCollection: true));
        var manifest = Manifest.Read(folder.Results)!;
        if (manifest.Input.AlreadyDone != files) throw new InvalidOperationException($"the rerun found {manifest.Input.AlreadyDone:N0} of {files:N0} files done");
        var recovery = manifest.RecoverySeconds;
        GC.KeepAlive(listing);
        return new ScaleResult(files, workers, fillSeconds, first.TotalSeconds, recovery, listingBytes, afterRecovery - beforeRecovery,
            Process.GetCurrentProcess().PeakWorkingSet64, new FileInfo(folder.Journal).Length);
    }

    /// <summary>Runs a coordinator on the listing to its end with <paramref name="workers"/> no-op workers; returns how long the hand-out took.</summary>
    static async Task<TimeSpan> WithCoordinator(RunFolder folder, InputListing listing, int workers, Action? whileAlive = null)
    {
        var config = ConfigurationFactory.ParseString($"""
                akka.persistence.journal.sql.connection-string = "Data Source={folder.Journal}"
                akka.persistence.snapshot-store.sql.connection-string = "Data Source={folder.Journal}"
                akka.loglevel = WARNING
                """)
            .WithFallback(ClusterConfig.Build(HoconFiles.Load("coordinator.conf", "node.conf", "shared.conf"), new Addresses("127.0.0.1", "127.0.0.1", 0), []))
            .WithFallback(SqlPersistence.DefaultConfiguration);
        var settings = CoordinatorSettings.From(config);
        // The synthetic paths exist nowhere: a run of missing files is not what is measured here.
        settings = settings with { ProgressInterval = TimeSpan.FromMinutes(10), Missing = settings.Missing with { AllMissingStopAfter = 0 } };
        // As many files as a worker that does each at once asks for: the most a request may ask.
        var request = config.GetInt("form3.node.max-request-size");
        using var system = ActorSystem.Create("form3", config);
        var outcome = new TaskCompletionSource<RunOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var coordinator = system.ActorOf(CoordinatorActor.Props(settings, listing, folder, outcome, TimeProvider.System, expectsExternalNodes: false), CoordinatorActor.Name);
        coordinator.Tell(new StartRun(Manifest.ReadIfAny(folder.Results), ResultOutputs.CsvOnly));
        var clock = new HandOutClock();
        foreach (var name in Enumerable.Range(1, workers).Select(i => $"bench-{i}"))
            system.ActorOf(Props.Create(() => new InstantWorker(coordinator, name, request, clock)));
        var result = await outcome.Task.WaitAsync(TimeSpan.FromMinutes(30));
        if (result is not RunOutcome.Completed) throw new InvalidOperationException($"coordinator ended with {result}");
        whileAlive?.Invoke();
        await system.Terminate();
        return clock.Elapsed;
    }
}

/// <summary>When the first batch was handed out and the last report acknowledged.</summary>
sealed class HandOutClock
{
    long _first, _last;

    public void Handed() => Interlocked.CompareExchange(ref _first, Stopwatch.GetTimestamp(), 0);

    public void Acknowledged() => Volatile.Write(ref _last, Stopwatch.GetTimestamp());

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_first, _last);
}

/// <summary>A worker that completes every batch at once, so only the coordinator's own costs are measured.</summary>
sealed class InstantWorker : ReceiveActor
{
    long _requests;

    public InstantWorker(IActorRef coordinator, string name, int request, HandOutClock clock)
    {
        // The synthetic paths exist nowhere: reported as read missing, which is also what the recovering rerun's check finds.
        Receive<AssignBatch>(batch =>
        {
            clock.Handed();
            var count = batch.Files.Count;
            var positions = new int[count];
            var sizes = new long[count];
            for (var p = 0; p < count; p++) (positions[p], sizes[p]) = (p, FileVersion.Missing.Size);
            coordinator.Tell(new ReportBatchCompleted(batch.BatchId, name, [], new CompletedFiles(positions, sizes, new long[count]), []));
            // As a real worker does: the next request goes out at once, not after the journal has the report.
            coordinator.Tell(new RequestWork(name, request, ++_requests));
        });
        Receive<BatchAccepted>(_ => clock.Acknowledged());
        Receive<NoWorkYet>(_ => Context.System.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(50), coordinator, new RequestWork(name, request, ++_requests), Self));
        Receive<RunFinished>(_ => Context.Stop(Self));
        coordinator.Tell(new RequestWork(name, request, ++_requests));
    }
}
