using System.CommandLine;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Form3Actors.Coordinator.Actors;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Hosting;
using Form3Actors.Core.Work;
using Microsoft.Data.Sqlite;

namespace Form3Actors.Coordinator.Hosting;

/// <summary>
/// `form3-coordinator run INPUT`: the main command. Starts the coordinator (recovering the run folder's journal),
/// and by default as many in-process workers as there are cores, so one command does the whole job with no
/// cluster to set up. With --workers 0 it waits for node processes instead (the Slurm job's layout).
/// </summary>
public static class RunCommand
{
    public static Command Create(ShutdownSignals signals)
    {
        var input = new Argument<string>("input") { Description = "A CSV with a filepath column, a folder of filings, or an EDGAR form.idx/master.idx/company.idx" };
        var runDir = new Option<string?>("--run-dir") { Description = "The run folder (journal, parts, results, status); default runs/<input name>. Rerun with the same folder to resume." };
        var workers = new Option<int?>("--workers") { Description = "In-process workers (default: one per core); 0 waits for external node processes (Slurm)" };
        var host = CommonOptions.Host("Address nodes reach this host by (advertised in the run folder); also where it listens unless --bind-host says otherwise");
        var bindHost = CommonOptions.BindHost();
        var port = CommonOptions.Port("Port to bind; 0 picks a free one (nodes read it from the run folder)");
        var pathColumn = new Option<string?>("--path-column") { Description = "CSV column holding the filing paths (default from hocon: filepath)" };
        var kind = new Option<InputKind>("--input-kind") { Description = "How to read INPUT", DefaultValueFactory = _ => InputKind.Auto };
        var secFormat = new Option<bool>("--sec-format")
        {
            Description = "Also write the tables as the SEC's quarterly data sets lay them out (tab-separated, its names, DD-MON-YYYY dates) into RUN_DIR/results/sec/",
        };
        var parquet = new Option<bool>("--parquet")
        {
            Description = "Also write every table as typed Parquet (dates, numbers, flags; empty cells null) into RUN_DIR/results/parquet/, for pandas, polars, R and DuckDB",
        };
        var forms = CommonOptions.Forms(FormSelection.Default,
            "The ownership forms to take, each with its amendments: 3 (the default), or for example 3,4,5; filings of other forms become ERRORS rows (form_not_selected)");
        var mirror = new Option<string?>("--mirror-root") { Description = "For an EDGAR index: the folder that holds the mirror's edgar/ tree" };
        var verbose = CommonOptions.Verbose();
        var insecure = CommonOptions.InsecureTransport("Plain TCP instead of mutual TLS with the run's certificate; only on a trusted network");
        var command = new Command("run", "Process every filing of INPUT into the research tables; resumes from the run folder's journal")
        {
            input, runDir, workers, host, bindHost, port, pathColumn, kind, forms, secFormat, parquet, mirror, insecure, verbose,
        };
        command.SetAction((parse, _) => Run(signals,
            parse.GetRequiredValue(input), parse.GetValue(runDir), parse.GetValue(workers),
            new Addresses(parse.GetRequiredValue(host), parse.GetValue(bindHost) ?? parse.GetRequiredValue(host), parse.GetValue(port)), parse.GetValue(pathColumn), parse.GetValue(kind), parse.GetRequiredValue(forms), parse.GetValue(secFormat), parse.GetValue(parquet), parse.GetValue(mirror), parse.GetValue(insecure),
            parse.GetValue(verbose)));
        return command;
    }

    static async Task<int> Run(ShutdownSignals signals, string input, string? runDir, int? workers, Addresses addresses, string? pathColumn, InputKind kind,
        FormSelection forms, bool secFormat, bool parquet, string? mirror, bool insecure, bool verbose)
    {
        if (HoconFiles.TryLoad("coordinator.conf", "node.conf", "shared.conf") is not { } files) return ExitCodes.BadUsage;
        if (workers is < 0) return await Exit(ExitCodes.BadUsage, "error: --workers must be 0 (external nodes only) or more");
        HostSettings hostSettings;
        CoordinatorSettings settings;
        try
        {
            // Every setting is read (and checked) before anything starts: a wrong value is one message, not a crash mid-run.
            (hostSettings, settings) = (HostSettings.From(files), CoordinatorSettings.From(files));
            WorkerSettings.From(files, "");
        }
        catch (ConfigurationException e)
        {
            return await Exit(ExitCodes.BadUsage, $"error: configuration: {e.Message}");
        }
        signals.SetDeadline(hostSettings.ShutdownDeadline);
        ConsoleLog.Configure("coordinator", verbose || hostSettings.VerboseLogs);
        Task<InputListing> listing;
        RunFolder folder;
        bool newFolder;
        try
        {
            var options = new InputOptions(kind == InputKind.Auto ? InputCatalog.Detect(input) : kind, pathColumn ?? settings.CsvPathColumn, mirror,
                settings.DirectoryPatterns, forms);
            // Listing reads only the input, never the listed files: it runs while the actor system, the
            // journal and its recovery start, and the coordinator is given the input when both are ready. On a
            // thread of its own: on slow storage its reads would hold a thread-pool thread that the actor system
            // and the journal's start need (a 100,000-row CSV at 1 ms a read delayed both by a second).
            listing = Task.Factory.StartNew(() => InputCatalog.Load(input, options, signals.Stopping), signals.Stopping,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var root = runDir ?? Path.Combine("runs", Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(input)));
            newFolder = !Directory.Exists(root);
            folder = RunFolder.Create(root);
        }
        catch (InputException e)
        {
            return await Exit(ExitCodes.BadUsage, $"error: {e.Message}");
        }
        if (JournalFile.Problem(folder.Journal) is { } damaged)
            return await Exit(ExitCodes.Failed, $"error: the journal {folder.Journal} could not be read ({damaged}); restore it from a copy, " +
                "or move it aside to start this run folder afresh (every file is then processed again)");
        RunLock runLock;
        var lockLost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            runLock = RunLock.Acquire(folder, settings.Lock, reason => lockLost.TrySetResult(reason));
        }
        catch (Exception e) when (e is RunFolderInUseException or IOException)
        {
            return await Exit(ExitCodes.Failed, $"error: {e.Message}");
        }
        if (RunForms.Check(folder, forms) is { } otherForms)
        {
            runLock.Dispose();
            return await Exit(ExitCodes.BadUsage, $"error: {otherForms}");
        }
        if (JournalFile.LockProblem(folder.Journal) is { } unlockable)
        {
            runLock.Dispose();
            return await Exit(ExitCodes.Failed, $"error: {unlockable}");
        }

        RunOutcome result;
        try
        {
            using (runLock) result = await Coordinate(signals, files, hostSettings, settings, listing, folder, workers, addresses, insecure, new ResultOutputs(secFormat, parquet ? settings.Parquet : null), lockLost.Task);
        }
        catch (InputException e)
        {
            // Nothing of the run started: a run folder this command made holds nothing worth keeping.
            if (newFolder) RemoveQuietly(folder.Root);
            return await Exit(ExitCodes.BadUsage, $"error: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            return await Exit(ExitCodes.Stopped, $"stopped by {signals.Signal} while listing the input, before the run started; run the same command again to start it");
        }
        switch (result)
        {
            case RunOutcome.Completed { Manifest: var manifest } when manifest.ErrorsByKind.GetValueOrDefault(ErrorKind.RetriesExhausted) is > 0 and var retry:
                return await Exit(ExitCodes.FinishedWithRetries, $"finished, but {retry:N0} files failed on every attempt for a reason of the moment " +
                    $"(I/O error, timeout, lost node; see ERRORS.csv, ERROR_KIND={ErrorKind.RetriesExhausted}); once the cause is fixed, run the same command " +
                    "again: it processes only those files");
            case RunOutcome.Completed:
                return ExitCodes.Finished;
            case RunOutcome.Stopped stopped:
                return await Exit(ExitCodes.Stopped, $"stopped by {stopped.Reason} with {stopped.Done:N0}/{stopped.Total:N0} files done; run the same command again to resume");
            case RunOutcome.Failed failed:
                return await Exit(ExitCodes.Failed, $"error: {failed.Reason}");
            case RunOutcome.Refused refused:
                return await Exit(ExitCodes.BadUsage, $"error: {refused.Reason}; what was journaled stays");
            default:
                return ExitCodes.Failed;
        }
    }

    /// <summary>Removes a folder if it can; one left behind is harmless (the next run reuses it).</summary>
    static void RemoveQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    static async Task<int> Exit(int code, string message)
    {
        await Console.Error.WriteLineAsync(message);
        return code;
    }

    /// <summary>
    /// Starts the actor system, then, once the input is listed, the coordinator (and in-process workers), and waits for
    /// the run to end. Throws what the listing threw (<see cref="InputException"/>, or <see cref="OperationCanceledException"/>
    /// after a signal) once the actor system has stopped again.
    /// </summary>
    static async Task<RunOutcome> Coordinate(ShutdownSignals signals, Akka.Configuration.Config files, HostSettings hostSettings, CoordinatorSettings settings,
        Task<InputListing> listing, RunFolder folder, int? workers, Addresses addresses, bool insecure, ResultOutputs outputs, Task<string> lockLost)
    {
        if (signals.Stopping.IsCancellationRequested) throw new OperationCanceledException(signals.Stopping);
        // The path is data, never connection-string text: a folder named `semi;colon` or `x;Mode=ReadOnly` is quoted.
        var journal = new SqliteConnectionStringBuilder { DataSource = folder.Journal }.ConnectionString;
        var snapshots = JournalFile.HasSnapshots(folder.Journal);
        var config = ClusterConfig.Build(files, addresses,
            [
                $"akka.persistence.journal.sql.connection-string = {ClusterConfig.Quote(journal)}",
                $"akka.persistence.snapshot-store.sql.connection-string = {ClusterConfig.Quote(journal)}",
                .. snapshots ? Array.Empty<string>() : ["akka.persistence.snapshot-store.plugin = \"akka.persistence.no-snapshot-store\""],
            ])
            .WithFallback(SqlPersistence.DefaultConfiguration);
        var security = insecure ? TransportSecurity.Insecure : new TransportSecurity(RunCertificate.LoadOrCreate(folder.Root));
        var system = ClusterSystem.Create(config, security);
        // Both journal plugins start lazily, the journal only after the snapshot store has answered the coordinator's
        // recovery: started here, their set-up (the SQL plugin's first queries cost most of an empty run's start)
        // runs side by side, and alongside remoting and the cluster join.
        var persistence = Persistence.Instance.Apply(system);
        if (snapshots) persistence.SnapshotStoreFor(null);
        persistence.JournalFor(null);
        var cluster = Cluster.Get(system);
        cluster.Join(cluster.SelfAddress);
        var address = cluster.SelfAddress;
        system.Log.Info("Coordinator {Address} (host {Host}, pid {Pid}); run folder {RunFolder}; journal {Journal}; {Slurm}",
            address, Environment.MachineName, Environment.ProcessId, folder.Root, folder.Journal,
            $"Slurm job {RunEnvironment.SlurmJobId ?? "none"}, restart {RunEnvironment.SlurmRestartCount}");
        var rendezvous = new Rendezvous(address.ToString(), address.Host ?? addresses.Public, Environment.ProcessId, RunEnvironment.SlurmJobId,
            RunEnvironment.SlurmRestartCount, security.IsSecure, DateTimeOffset.UtcNow);
        rendezvous.Write(folder.Root);

        var outcome = new TaskCompletionSource<RunOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var inProcess = workers ?? (hostSettings.Workers > 0 ? hostSettings.Workers : RunEnvironment.Cpus);
        InputListing input;
        try
        {
            input = await listing;
        }
        catch (Exception e) when (e is InputException or OperationCanceledException)
        {
            signals.ExitWithinDeadline(e is InputException ? ExitCodes.BadUsage : ExitCodes.Stopped, "shutting down the coordinator");
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
            throw;
        }
        // Made once the input is listed, so that recovery lays the journal beside it; nodes that joined meanwhile keep looking for it.
        var coordinator = system.ActorOf(CoordinatorActor.Props(settings, input, folder, outcome, TimeProvider.System, expectsExternalNodes: inProcess == 0),
            CoordinatorActor.Name);
        coordinator.Tell(new StartRun(Manifest.ReadIfAny(folder.Results), outputs));
        // In-process workers start once the input is known, so that their first request finds work.
        var workersStopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (inProcess > 0)
            system.ActorOf(WorkerPool.Props(coordinator, WorkerSettings.From(config, folder.Parts), inProcess, $"{Environment.MachineName}-{Environment.ProcessId}",
                workersStopped), WorkerPool.Name);

        // SIGTERM (Slurm before the time limit, preemption) and Ctrl-C stop handing out work; what is journaled stays.
        // A signal that came during start-up is delivered here at once.
        await using var onSignal = signals.Stopping.Register(() => coordinator.Tell(new StopRun(signals.Signal ?? "a signal")));
        // Another coordinator took the run folder over (this one was frozen past its lock's lease): stop writing at once.
        _ = lockLost.ContinueWith(lost =>
        {
            outcome.TrySetResult(new RunOutcome.Failed(lost.Result));
            coordinator.Tell(new StopRun("the run folder's lock was lost"));
        }, TaskContinuationOptions.OnlyOnRanToCompletion);
        // In-process workers stop only after the outcome is set; stopping before it, nothing would move any more.
        if (await Task.WhenAny(outcome.Task, system.WhenTerminated, workersStopped.Task) == workersStopped.Task)
            outcome.TrySetResult(new RunOutcome.Failed("the in-process workers stopped before the run ended; see the log above, then run the same command again to resume"));
        outcome.TrySetResult(new RunOutcome.Failed("the actor system stopped before the run ended; see the log above"));
        var result = await outcome.Task;

        signals.ExitWithinDeadline(result switch
        {
            RunOutcome.Completed => ExitCodes.Finished,
            RunOutcome.Stopped => ExitCodes.Stopped,
            RunOutcome.Refused => ExitCodes.BadUsage,
            _ => ExitCodes.Failed,
        }, "shutting down the coordinator");
        if (result is RunOutcome.Completed)
        {
            // Marked first: a node that cannot hear the coordinator (frozen, cut off) finds the mark and leaves by itself.
            rendezvous.WriteFinished(folder.Root);
            await WaitForNodesToLeave(cluster, settings.NodesLeaveTimeout);
        }
        // Leaving the cluster tells remote nodes that the coordinator is gone; with none left it only waits for the
        // leader's next ticks (half a second of an embedded run's exit), so a coordinator alone goes straight to shutdown.
        var alone = cluster.State.Members.All(m => m.Address.Equals(cluster.SelfAddress));
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance, alone ? CoordinatedShutdown.PhaseBeforeActorSystemTerminate : null);
        return result;
    }

    /// <summary>Remote nodes were told the run is finished; give them a moment to leave cleanly before exiting.</summary>
    static async Task WaitForNodesToLeave(Cluster cluster, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && cluster.State.Members.Any(m => !m.Address.Equals(cluster.SelfAddress) && m.Status == MemberStatus.Up))
            await Task.Delay(100);
    }
}
