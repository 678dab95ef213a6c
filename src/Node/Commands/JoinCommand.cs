using System.CommandLine;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using Form3Actors.Core.Hosting;
using Form3Actors.Core.Work;

namespace Form3Actors.Node.Commands;

/// <summary>
/// `form3-node join --run-dir DIR`: joins the run's cluster (seed from --seed or the run folder's rendezvous file),
/// runs one worker per core, and exits when the coordinator says the run is finished, or the rendezvous does. SIGTERM
/// or SIGINT at any moment makes it stop pulling, leave the cluster (so its batch is re-issued at once) and exit with 3.
/// </summary>
public static class JoinCommand
{
    /// <summary>How often a working node looks at the rendezvous: a run marked finished there ends the node within this.</summary>
    static readonly TimeSpan RendezvousLook = TimeSpan.FromSeconds(2);

    public static Command Create(ShutdownSignals signals)
    {
        var runDir = new Option<string>("--run-dir") { Description = "The run folder (shared with the coordinator): parts are written there, the rendezvous read from there", Required = true };
        var seed = new Option<string?>("--seed") { Description = "The coordinator's address (akka.ssl.tcp://form3@HOST:PORT, or akka.tcp:// with --insecure-transport); default: read the run folder's rendezvous.json" };
        var workers = new Option<int?>("--workers") { Description = "Workers on this node (default: one per CPU given, from SLURM_CPUS_PER_TASK or the machine)" };
        var host = CommonOptions.Host("Address the coordinator reaches this node by; also where it listens unless --bind-host says otherwise");
        var bindHost = CommonOptions.BindHost();
        var port = CommonOptions.Port("Port to bind; 0 picks a free one");
        var verbose = CommonOptions.Verbose();
        var insecure = CommonOptions.InsecureTransport("With --seed: plain TCP instead of TLS with the run's certificate (with a rendezvous, the coordinator's choice is followed)");
        var command = new Command("join", "Join a run's cluster and extract the filings pulled from its coordinator") { runDir, seed, workers, host, bindHost, port, insecure, verbose };
        command.SetAction((parse, _) => Run(signals, parse.GetRequiredValue(runDir), parse.GetValue(seed), parse.GetValue(workers),
            new Addresses(parse.GetRequiredValue(host), parse.GetValue(bindHost) ?? parse.GetRequiredValue(host), parse.GetValue(port)),
            parse.GetValue(insecure), parse.GetValue(verbose)));
        return command;
    }

    /// <summary>The address scheme of an actor system whose remoting uses TLS.</summary>
    const string SecureProtocol = "akka.ssl.tcp";

    static async Task<int> Run(ShutdownSignals signals, string runDir, string? seed, int? workers, Addresses addresses, bool insecure, bool verbose)
    {
        Address? seedAddress = null;
        if (seed != null && !Address.TryParse(seed, out seedAddress))
        {
            await Console.Error.WriteLineAsync($"error: --seed '{seed}' is not an address like akka.ssl.tcp://form3@host:port");
            return ExitCodes.BadUsage;
        }
        // The seed's scheme says how the coordinator speaks: TLS (akka.ssl.tcp) or plain TCP (akka.tcp).
        if (seedAddress != null && (seedAddress.Protocol == SecureProtocol) == insecure)
        {
            await Console.Error.WriteLineAsync(insecure
                ? $"error: --seed {seed} is a coordinator using TLS ({SecureProtocol}), but --insecure-transport was given; drop --insecure-transport"
                : $"error: --seed {seed} is a coordinator using plain TCP ({seedAddress.Protocol}); add --insecure-transport, or restart the coordinator without it");
            return ExitCodes.BadUsage;
        }
        if (HoconFiles.TryLoad("node.conf", "shared.conf") is not { } files) return ExitCodes.BadUsage;
        HostSettings settings;
        try
        {
            settings = HostSettings.From(files);
            WorkerSettings.From(files, "");
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"error: configuration: {e.Message}");
            return ExitCodes.BadUsage;
        }
        signals.SetDeadline(settings.ShutdownDeadline);
        ConsoleLog.Configure("node", verbose || settings.VerboseLogs);
        var count = workers is > 0 ? workers.Value : settings.Workers > 0 ? settings.Workers : RunEnvironment.Cpus;
        var deadline = DateTime.UtcNow + settings.JoinTimeout;
        string? unreachable = null;

        while (DateTime.UtcNow < deadline && !signals.Stopping.IsCancellationRequested)
        {
            var rendezvous = seedAddress == null ? await WaitForRendezvous(runDir, deadline, signals.Stopping) : null;
            if (rendezvous is { Finished: true })
            {
                await Console.Error.WriteLineAsync($"the run in {runDir} is already finished; nothing to do");
                return ExitCodes.Finished;
            }
            var target = seedAddress ?? (rendezvous != null ? Address.Parse(rendezvous.Address) : null);
            if (target == null) break;
            var secure = rendezvous?.Secure ?? !insecure;
            TransportSecurity security;
            try
            {
                security = secure ? new TransportSecurity(RunCertificate.Load(RunCertificate.PathIn(runDir))) : TransportSecurity.Insecure;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                await Console.Error.WriteLineAsync($"error: cannot load the run's certificate: {e.Message}");
                return ExitCodes.BadUsage;
            }
            switch (await CoordinatorProbe.Problem(target.Host!, target.Port ?? 0, security.Certificate?.Certificate, checkTls: seedAddress != null, signals.Stopping))
            {
                case { } mismatch when !mismatch.StartsWith("cannot reach", StringComparison.Ordinal):
                    await Console.Error.WriteLineAsync($"error: {mismatch}");
                    return ExitCodes.Failed;
                case { } cannotReach:
                    // It may not listen yet (a job's components start together): said once, tried again until the join timeout.
                    if (unreachable == null) await Console.Error.WriteLineAsync($"note: {cannotReach}; trying again until form3.node.join-timeout");
                    unreachable = cannotReach;
                    await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                    continue;
            }
            unreachable = null;
            // The coordinator presenting another certificate will not change on a retry: the two hold different ones.
            var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var system = ClusterSystem.Create(ClusterConfig.Build(files, addresses, []), security, message => refused.TrySetResult(message));
            var cluster = Cluster.Get(system);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(signals.Stopping);
            attempt.CancelAfter(Min(deadline - DateTime.UtcNow, TimeSpan.FromSeconds(30)));
            // A rendezvous left by a killed coordinator points nowhere; when the new one is written, switch to it.
            var watcher = seedAddress == null ? CancelWhenRendezvousMoves(runDir, target, attempt) : Task.CompletedTask;
            var join = cluster.JoinAsync(target, attempt.Token);
            try
            {
                if (await Task.WhenAny(join, refused.Task) == refused.Task)
                {
                    signals.ExitWithinDeadline(ExitCodes.Failed, "giving up on a coordinator that refused this node");
                    await Console.Error.WriteLineAsync($"error: could not join {target}: {refused.Task.Result}. This node and the coordinator do not hold the " +
                        $"same run certificate ({RunCertificate.PathIn(runDir)}): start the node with the coordinator's --run-dir, or start both with --insecure-transport");
                    await system.Terminate();
                    return ExitCodes.Failed;
                }
                await join;
            }
            catch (Exception e) when (e is OperationCanceledException or ClusterJoinFailedException)
            {
                if (!signals.Stopping.IsCancellationRequested)
                    system.Log.Warning("Could not join {Coordinator}; {Next}", target, seedAddress == null ? "reading the rendezvous again" : "retrying");
                await system.Terminate();
                continue;
            }
            finally
            {
                await attempt.CancelAsync();
                await watcher;
            }
            return await Work(signals, system, cluster, target, runDir, files, settings, count, followRendezvous: seedAddress == null);
        }
        if (signals.Stopping.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"stopped by {signals.Signal} before joining a coordinator");
            return ExitCodes.Stopped;
        }
        // The run folder may appear only once the coordinator starts (both start together in a Slurm job), so its
        // absence is waited for like a missing rendezvous, and reported only here.
        await Console.Error.WriteLineAsync(unreachable != null
            ? $"error: {unreachable}; gave up after {settings.JoinTimeout.TotalSeconds:N0} s (form3.node.join-timeout)"
            : Directory.Exists(runDir)
            ? $"error: could not join a coordinator within {settings.JoinTimeout.TotalSeconds:N0} s (seed {seed ?? "from " + Path.Combine(runDir, Rendezvous.FileName)}): " +
              "it is not running or not reachable; check that it runs with this run folder and that this host can reach it"
            : $"error: run folder {runDir} did not appear within {settings.JoinTimeout.TotalSeconds:N0} s; give the same --run-dir as the coordinator, on a file system both can reach");
        return ExitCodes.Failed;
    }

    static async Task<int> Work(ShutdownSignals signals, ActorSystem system, Cluster cluster, Address coordinatorAddress, string runDir, Config config,
        HostSettings settings, int workers, bool followRendezvous)
    {
        var name = $"{Environment.MachineName}-{Environment.ProcessId}";
        // The coordinator actor exists once it has listed the input, which for ten million files takes a while.
        var coordinator = await FindCoordinator(system, coordinatorAddress, runDir, settings.JoinTimeout, followRendezvous, signals.Stopping);
        if (coordinator == null)
        {
            var stopped = signals.Stopping.IsCancellationRequested;
            var alreadyFinished = !stopped && Rendezvous.ReadCurrent(runDir) is { Finished: true };
            var exitCode = stopped ? ExitCodes.Stopped : alreadyFinished ? ExitCodes.Finished : ExitCodes.CoordinatorLost;
            signals.ExitWithinDeadline(exitCode, "leaving the cluster");
            if (alreadyFinished) system.Log.Info("The run finished as this node joined; nothing to do");
            else if (!stopped) system.Log.Error("Joined {Coordinator} but found no coordinator there within {Seconds:N0} s", coordinatorAddress, settings.JoinTimeout.TotalSeconds);
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            return exitCode;
        }
        system.Log.Info("Node {Node} joined {Coordinator} as {Address}; {Workers} workers; {Slurm}",
            name, coordinatorAddress, cluster.SelfAddress, workers, $"Slurm job {RunEnvironment.SlurmJobId ?? "none"}, restart {RunEnvironment.SlurmRestartCount}");

        var finished = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var markedFinished = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var partsDirectory = new RunFolder(Path.GetFullPath(runDir)).Parts;
        system.ActorOf(WorkerPool.Props(coordinator, WorkerSettings.From(config, partsDirectory), workers, name, finished), WorkerPool.Name);

        await using var onSignal = signals.Stopping.Register(() => finished.TrySetResult(false));
        // Downed by the coordinator's side (we were unreachable too long): nothing left to do here.
        _ = system.WhenTerminated.ContinueWith(_ => finished.TrySetResult(false), TaskScheduler.Default);
        // A node that was frozen or cut off as the run ended cannot hear RunFinished: the rendezvous says it instead.
        using var watching = new CancellationTokenSource();
        var watch = followRendezvous ? WatchForFinish(runDir, coordinatorAddress, markedFinished, watching.Token) : Task.CompletedTask;

        var first = await Task.WhenAny(finished.Task, markedFinished.Task);
        // A node that lost its coordinator because the run is over (it was frozen or cut off as it ended) is done, not lost.
        var runFinished = await first || followRendezvous && !signals.Stopping.IsCancellationRequested
            && Rendezvous.ReadCurrent(runDir) is { Finished: true } current && current.Address == coordinatorAddress.ToString();
        await watching.CancelAsync();
        await watch;
        var signalled = signals.Stopping.IsCancellationRequested && !runFinished;
        var code = runFinished ? ExitCodes.Finished : signalled ? ExitCodes.Stopped : ExitCodes.CoordinatorLost;
        signals.ExitWithinDeadline(code, "leaving the cluster");
        if (runFinished) system.Log.Info("Run finished; leaving the cluster");
        else if (signalled) system.Log.Warning("{Signal}: leaving the cluster; unfinished work goes back to the coordinator", signals.Signal);
        else system.Log.Warning("Coordinator lost; leaving");
        if (first == markedFinished.Task)
        {
            // The coordinator is gone (the rendezvous told): leaving a cluster whose leader cannot answer would wait for nothing.
            await system.Terminate().WaitAsync(settings.ShutdownDeadline / 4).ContinueWith(_ => { }, TaskScheduler.Default);
            return code;
        }
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        return code;
    }

    /// <summary>The coordinator actor, looked for until the timeout; null if it never appears, the run finishes or moves, or a signal comes.</summary>
    static async Task<IActorRef?> FindCoordinator(ActorSystem system, Address address, string runDir, TimeSpan timeout, bool followRendezvous, CancellationToken stopping)
    {
        var selection = system.ActorSelection(RunFolder.CoordinatorPath(address));
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !stopping.IsCancellationRequested)
        {
            try
            {
                return await selection.ResolveOne(TimeSpan.FromSeconds(5), stopping);
            }
            catch (ActorNotFoundException)
            {
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            if (followRendezvous && Rendezvous.ReadCurrent(runDir) is { } current && (current.Finished || current.Address != address.ToString())) return null;
            await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None);
        }
        return null;
    }

    /// <summary>Ends the node's work as finished once the rendezvous marks the run finished (or another coordinator took over, as lost).</summary>
    static async Task WatchForFinish(string runDir, Address coordinator, TaskCompletionSource<bool> finished, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RendezvousLook, cancel);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (Rendezvous.ReadCurrent(runDir) is not { } current) continue;
            if (current.Finished && current.Address == coordinator.ToString()) finished.TrySetResult(true);
            else if (current.Address != coordinator.ToString()) finished.TrySetResult(false);
        }
    }

    static async Task<Rendezvous?> WaitForRendezvous(string runDir, DateTime deadline, CancellationToken stopping)
    {
        while (DateTime.UtcNow < deadline && !stopping.IsCancellationRequested)
        {
            if (Rendezvous.ReadCurrent(runDir) is { } found && Address.TryParse(found.Address, out _)) return found;
            try
            {
                await Task.Delay(250, stopping);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
        return null;
    }

    static async Task CancelWhenRendezvousMoves(string runDir, Address target, CancellationTokenSource attempt)
    {
        while (!attempt.IsCancellationRequested)
        {
            if (Rendezvous.ReadCurrent(runDir) is { } current && (current.Address != target.ToString() || current.Finished))
            {
                await attempt.CancelAsync();
                return;
            }
            try
            {
                await Task.Delay(500, attempt.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
