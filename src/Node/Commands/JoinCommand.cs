using System.CommandLine;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using Form3Actors.Node.Hosting;
using Form3Actors.Node.Work;

namespace Form3Actors.Node.Commands;

/// <summary>
/// `form3-node join --run-dir DIR`: joins the run's cluster (seed from --seed or the run folder's rendezvous file),
/// runs one worker per core, and exits when the coordinator says the run is finished. SIGTERM makes it stop pulling,
/// leave the cluster (so its batch is re-issued at once) and exit.
/// </summary>
public static class JoinCommand
{
    public static class ExitCodes
    {
        public const int Finished = 0;
        public const int CouldNotJoin = 1;
        public const int BadUsage = 2;
        public const int CoordinatorLost = 4;
    }

    public static Command Create()
    {
        var runDir = new Option<string>("--run-dir") { Description = "The run folder (shared with the coordinator): parts are written there, the rendezvous read from there", Required = true };
        var seed = new Option<string?>("--seed") { Description = "The coordinator's address (akka.tcp://form3@HOST:PORT); default: read the run folder's rendezvous.json" };
        var workers = new Option<int?>("--workers") { Description = "Workers on this node (default: one per CPU given, from SLURM_CPUS_PER_TASK or the machine)" };
        var host = new Option<string>("--host") { Description = "Address to bind and advertise", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to bind; 0 picks a free one", DefaultValueFactory = _ => 0 };
        var insecure = new Option<bool>("--insecure-transport")
        {
            Description = "With --seed: plain TCP instead of TLS with the run's certificate (with a rendezvous, the coordinator's choice is followed)",
        };
        var command = new Command("join", "Join a run's cluster and extract the filings pulled from its coordinator") { runDir, seed, workers, host, port, insecure };
        command.SetAction((parse, _) => Run(parse.GetRequiredValue(runDir), parse.GetValue(seed), parse.GetValue(workers), parse.GetRequiredValue(host),
            parse.GetValue(port), parse.GetValue(insecure)));
        return command;
    }

    static async Task<int> Run(string runDir, string? seed, int? workers, string host, int port, bool insecure)
    {
        Address? seedAddress = null;
        if (seed != null && !Address.TryParse(seed, out seedAddress))
        {
            await Console.Error.WriteLineAsync($"error: --seed '{seed}' is not an address like akka.tcp://form3@host:port");
            return ExitCodes.BadUsage;
        }
        var files = HoconFiles.Load("node.conf", "shared.conf");
        var joinTimeout = files.GetTimeSpan("form3.node.join-timeout");
        var count = workers is > 0 ? workers.Value : files.GetInt("form3.node.workers") is > 0 and var configured ? configured : RunEnvironment.Cpus;
        var deadline = DateTime.UtcNow + joinTimeout;

        while (DateTime.UtcNow < deadline)
        {
            var rendezvous = seedAddress == null ? await WaitForRendezvous(runDir, deadline) : null;
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
            var system = ClusterSystem.Create(ClusterConfig.Build(files, host, port, []), security);
            var cluster = Cluster.Get(system);
            using var attempt = new CancellationTokenSource(Min(deadline - DateTime.UtcNow, TimeSpan.FromSeconds(30)));
            // A rendezvous left by a killed coordinator points nowhere; when the new one is written, switch to it.
            var watcher = seedAddress == null ? CancelWhenRendezvousMoves(runDir, target, attempt) : Task.CompletedTask;
            try
            {
                await cluster.JoinAsync(target, attempt.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ClusterJoinFailedException)
            {
                system.Log.Warning("Could not join {0}; {1}", target, seedAddress == null ? "reading the rendezvous again" : "retrying");
                await system.Terminate();
                continue;
            }
            finally
            {
                await attempt.CancelAsync();
                await watcher;
            }
            return await Work(system, cluster, target, runDir, files, count);
        }
        // The run folder may appear only once the coordinator starts (both start together in a Slurm job), so its
        // absence is waited for like a missing rendezvous, and reported only here.
        await Console.Error.WriteLineAsync(Directory.Exists(runDir)
            ? $"error: could not join a coordinator within {joinTimeout.TotalSeconds:N0} s (seed {seed ?? "from " + Path.Combine(runDir, Rendezvous.FileName)}): " +
              "it is not running, not reachable, or refused this node (nodes must use the coordinator's run folder, whose certificate they present)"
            : $"error: run folder {runDir} did not appear within {joinTimeout.TotalSeconds:N0} s; give the same --run-dir as the coordinator, on a file system both can reach");
        return ExitCodes.CouldNotJoin;
    }

    static async Task<int> Work(ActorSystem system, Cluster cluster, Address coordinatorAddress, string runDir, Config config, int workers)
    {
        var name = $"{Environment.MachineName}-{Environment.ProcessId}";
        IActorRef coordinator;
        try
        {
            coordinator = await system.ActorSelection(new RootActorPath(coordinatorAddress) / "user" / "coordinator").ResolveOne(TimeSpan.FromSeconds(30));
        }
        catch (ActorNotFoundException)
        {
            system.Log.Error("Joined {0} but found no coordinator there", coordinatorAddress);
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            return ExitCodes.CoordinatorLost;
        }
        system.Log.Info($"Node {name} joined {coordinatorAddress} as {cluster.SelfAddress}; {workers} workers; Slurm job {RunEnvironment.SlurmJobId ?? "none"}, restart {RunEnvironment.SlurmRestartCount}");

        var finished = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var partsDirectory = Path.Combine(Path.GetFullPath(runDir), "parts");
        system.ActorOf(WorkerPool.Props(coordinator, WorkerSettings.From(config, partsDirectory), workers, name, finished), "workers");

        var signalled = false;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            signalled = true;
            finished.TrySetResult(false);
        });
        // Downed by the coordinator's side (we were unreachable too long): nothing left to do here.
        _ = system.WhenTerminated.ContinueWith(_ => finished.TrySetResult(false), TaskScheduler.Default);

        var runFinished = await finished.Task;
        system.Log.Info(runFinished ? "Run finished; leaving the cluster" : signalled ? "SIGTERM: leaving the cluster; unfinished work goes back to the coordinator" : "Coordinator lost; leaving");
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        return runFinished || signalled ? ExitCodes.Finished : ExitCodes.CoordinatorLost;
    }

    static async Task<Rendezvous?> WaitForRendezvous(string runDir, DateTime deadline)
    {
        while (DateTime.UtcNow < deadline)
        {
            if (Rendezvous.ReadCurrent(runDir) is { } found && Address.TryParse(found.Address, out _)) return found;
            await Task.Delay(250);
        }
        return null;
    }

    static async Task CancelWhenRendezvousMoves(string runDir, Address target, CancellationTokenSource attempt)
    {
        while (!attempt.IsCancellationRequested)
        {
            if (Rendezvous.ReadCurrent(runDir) is { } current && current.Address != target.ToString())
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
