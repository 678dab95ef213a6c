using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Form3Actors.Coordinator.Actors;
using Form3Actors.Coordinator.Hosting;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Hosting;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Benchmarks;

/// <summary>What the coordinator costs as a run grows, without any filing on disk.</summary>
/// <param name="RecoverySeconds">From the actor's creation to the end of its recovery, as the manifest records it.</param>
/// <param name="LedgerBytes">Managed memory the recovered ledger holds (measured around recovery, after full GCs).</param>
public sealed record ScaleResult(int Files, int Workers, double FillSeconds, double RecoverySeconds, long LedgerBytes, long JournalBytes)
{
    /// <summary>Files handed out, reported and journaled per second over the whole fill (start, recovery and final snapshot included).</summary>
    public double FilesPerSecond => Files / FillSeconds;
}

/// <summary>
/// The real coordinator actor on a real SQLite journal, fed by in-process workers that complete batches of
/// synthetic files instantly (as many nodes with no-op extraction would); then a second coordinator recovers that
/// journal, as a rerun does.
/// </summary>
public static class CoordinatorScaleBenchmark
{
    public static async Task<ScaleResult> Run(int files, int workers, string directory)
    {
        var folder = RunFolder.Create(directory);
        var inputs = Enumerable.Range(0, files)
            .Select(i => new InputFile(FileKey.Of($"/bench/edgar/data/{i % 5000}/{i:D10}.txt"), "/bench", $"edgar/data/{i % 5000}/{i:D10}.txt"))
            .ToList();
        var listing = new InputListing("synthetic keys", inputs, 0, 0, 0);

        var fill = Stopwatch.StartNew();
        await WithCoordinator(folder, listing, _ => Task.CompletedTask, workers: workers);
        var fillSeconds = fill.Elapsed.TotalSeconds;

        var before = GC.GetTotalMemory(forceFullCollection: true);
        long after = 0;
        await WithCoordinator(folder, listing, _ => Task.CompletedTask, () => after = GC.GetTotalMemory(forceFullCollection: true));
        var recovery = Coordinator.Output.Manifest.Read(folder.Results)!.RecoverySeconds;
        return new ScaleResult(files, workers, fillSeconds, recovery, after - before, new FileInfo(folder.Journal).Length);
    }

    static async Task WithCoordinator(RunFolder folder, InputListing listing, Func<IActorRef, Task> work, Action? whileAlive = null, int workers = 0)
    {
        var config = ConfigurationFactory.ParseString($"""
                akka.persistence.journal.sql.connection-string = "Data Source={folder.Journal}"
                akka.persistence.snapshot-store.sql.connection-string = "Data Source={folder.Journal}"
                akka.loglevel = WARNING
                """)
            .WithFallback(ClusterConfig.Build(HoconFiles.Load("coordinator.conf", "node.conf", "shared.conf"), "127.0.0.1", 0, []))
            .WithFallback(SqlPersistence.DefaultConfiguration);
        var settings = CoordinatorSettings.From(config);
        settings = settings with { ProgressInterval = TimeSpan.FromMinutes(10) };
        // As many files as a worker that does each at once asks for: the most a request may ask.
        var request = config.GetInt("form3.node.max-request-size");
        using var system = ActorSystem.Create("form3", config);
        var outcome = new TaskCompletionSource<RunOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var coordinator = system.ActorOf(CoordinatorActor.Props(settings, folder, outcome, TimeProvider.System, expectsExternalNodes: false), CoordinatorActor.Name);
        coordinator.Tell(new StartRun(listing));
        foreach (var name in Enumerable.Range(1, workers).Select(i => $"bench-{i}"))
            system.ActorOf(Props.Create(() => new InstantWorker(coordinator, name, request)));
        await work(coordinator);
        var result = await outcome.Task.WaitAsync(TimeSpan.FromMinutes(10));
        if (result is not RunOutcome.Completed) throw new InvalidOperationException($"coordinator ended with {result}");
        whileAlive?.Invoke();
        await system.Terminate();
    }
}

/// <summary>A worker that completes every batch at once, so only the coordinator's own costs are measured.</summary>
sealed class InstantWorker : ReceiveActor
{
    public InstantWorker(IActorRef coordinator, string name, int request)
    {
        // The synthetic paths exist nowhere: reported as read missing, which is also what the recovering rerun's check finds.
        Receive<AssignBatch>(batch => coordinator.Tell(new ReportBatchCompleted(batch.BatchId, name, [],
            batch.Files.Select(f => new FileStamp(f.FileKey, FileVersion.Missing.Size, FileVersion.Missing.ModifiedUtcTicks)).ToImmutableArray(), [])));
        Receive<BatchAccepted>(_ => coordinator.Tell(new RequestWork(name, request)));
        Receive<NoWorkYet>(_ => Context.System.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(50), coordinator, new RequestWork(name, request), Self));
        Receive<RunFinished>(_ => Context.Stop(Self));
        coordinator.Tell(new RequestWork(name, request));
    }
}
