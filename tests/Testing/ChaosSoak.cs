using System.Diagnostics;

namespace Form3Actors.Testing;

/// <summary>What a soak did and whether the tables came out right.</summary>
/// <param name="Interruptions">Signals sent, by victim and signal ("coordinator SIGKILL" → 3).</param>
/// <param name="Starts">Processes started: the first coordinator and two nodes, and every restart.</param>
/// <param name="Problems">Exit codes that no fault explains, and processes that did not stop in time.</param>
/// <param name="Difference">Null when the final tables equal the uninterrupted run's, sorted; else what differs.</param>
public sealed record SoakReport(int Files, int InterruptionCount, IReadOnlyDictionary<string, int> Interruptions, int Starts, TimeSpan Elapsed,
    IReadOnlyList<string> Problems, string? Difference);

/// <summary>
/// Faults of a shared cluster's storage, for a soak whose run folder and corpus sit on flakyfs mounts: each lasts
/// <paramref name="Duration"/>, told through the mounts' switch files.
/// </summary>
/// <param name="RunFolderSwitch">Switch of the run folder's mount (reads fail): reads of the run's lock fail with EIO.</param>
/// <param name="CorpusSwitch">Switch of the corpus's mount (stall): every request on one filing hangs, a stat included.</param>
/// <param name="Filings">Names of filings to hang, one chosen at random each time.</param>
public sealed record SoakStorageFaults(string RunFolderSwitch, string CorpusSwitch, IReadOnlyList<string> Filings, TimeSpan Duration);

/// <summary>
/// A run of the cluster layout (a coordinator and two node processes, real TCP and TLS on loopback) that is
/// interrupted at random moments: the coordinator or a node gets SIGKILL (a crash, a node lost) or SIGTERM
/// (preemption, the time limit), whatever stopped is started again as a requeued job would be (a node stopped is a
/// node that left, its restart one that joins late), and at the end the run must have produced exactly the tables of
/// an uninterrupted run. With <see cref="SoakStorageFaults"/>, the lock's reads fail or a filing hangs, for a while, too. The same code is the `soak` command of
/// tests/Benchmarks and, at a small size, a test.
/// </summary>
public sealed class ChaosSoak(string logFolder, IReadOnlyDictionary<string, string> environment, Action<string> report)
{
    /// <summary>A signalled process must be gone within this (form3.shutdown-deadline is 20 s; a clean stop takes about one).</summary>
    static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(25);
    static readonly TimeSpan FinishTimeout = TimeSpan.FromMinutes(30);
    static readonly TimeSpan NodeCheckInterval = TimeSpan.FromMilliseconds(500);

    int _starts;

    public async Task<SoakReport> Run(GeneratedCorpus corpus, IReadOnlyDictionary<string, List<string>> reference, string runDir, int interruptions,
        TimeSpan minPause, TimeSpan maxPause, int seed, SoakStorageFaults? storage = null)
    {
        var random = new Random(seed);
        var watch = Stopwatch.StartNew();
        var counts = new Dictionary<string, int>();
        var problems = new List<string>();
        Form3Process? coordinator = null;
        var nodes = new Form3Process?[2];
        var storageCounts = new Dictionary<string, int>();
        using var stopStorageFaults = new CancellationTokenSource();
        var storageFaults = storage == null
            ? Task.CompletedTask
            : StorageFaults(storage, new Random(seed + 1), minPause, maxPause, runDir, watch, storageCounts, stopStorageFaults.Token);
        try
        {
            var done = 0;
            var finished = false;
            while (done < interruptions)
            {
                coordinator = await Restart(coordinator, () => Start("form3-coordinator", "coordinator", "run", corpus.InputCsv, "--run-dir", runDir, "--workers", "0"), problems);
                if (coordinator == null)
                {
                    finished = true; // the run finished between two interruptions
                    break;
                }
                for (var i = 0; i < nodes.Length; i++)
                    nodes[i] = await Restart(nodes[i], () => Start("form3-node", $"node{i + 1}", "join", "--run-dir", runDir, "--workers", "1"), problems);

                await Task.Delay(minPause + (maxPause - minPause) * random.NextDouble());
                if (coordinator.HasExited) continue;
                var victimIndex = random.Next(3); // 0: the coordinator, 1-2: a node
                var victim = victimIndex == 0 ? coordinator : nodes[victimIndex - 1];
                if (victim == null || victim.HasExited) continue;
                var kill = random.Next(2) == 0;
                var what = $"{(victimIndex == 0 ? "coordinator" : "node")} {(kill ? "SIGKILL" : "SIGTERM")}";
                report($"{watch.Elapsed.TotalSeconds,6:F1} s  {RunTables.Done(runDir),9:N0} done  {what}");
                if (kill) victim.Kill();
                else victim.Terminate();
                counts[what] = counts.GetValueOrDefault(what) + 1;
                done++;
                var code = await WaitForExit(victim, StopTimeout, problems);
                // A node already leaving a coordinator it lost (exit 4), or that joined one on its way out and found no
                // coordinator actor there, may still be on its way out when the signal comes.
                var explained = code is 0 or 3 || (code == 4 && LostItsCoordinator(victim.Log()));
                if (!kill && !explained) problems.Add($"{victim.Name} exited with {code} after SIGTERM (expected 3, 4 if it had lost its coordinator, or 0 if finished):\n{victim.Tail(10)}");
            }

            // Let it finish on healthy storage: start what is missing and wait for the coordinator.
            await stopStorageFaults.CancelAsync();
            await storageFaults;
            foreach (var (fault, count) in storageCounts) counts[fault] = count;
            if (!finished)
                coordinator = await Restart(coordinator, () => Start("form3-coordinator", "coordinator", "run", corpus.InputCsv, "--run-dir", runDir, "--workers", "0"), problems);
            if (coordinator != null)
            {
                // A node still leaving the coordinator interrupted last exits only now: start it again too, as a
                // requeued job would, for as long as the run goes on.
                var finishBy = DateTime.UtcNow + FinishTimeout;
                while (!coordinator.HasExited && DateTime.UtcNow < finishBy)
                {
                    for (var i = 0; i < nodes.Length; i++)
                        if (nodes[i] is null or { HasExited: true })
                            nodes[i] = await Restart(nodes[i], () => Start("form3-node", $"node{i + 1}", "join", "--run-dir", runDir, "--workers", "1"), problems);
                    await Task.Delay(NodeCheckInterval);
                }
                var code = await WaitForExit(coordinator, StopTimeout, problems);
                if (code != 0) problems.Add($"the final coordinator exited with {code}:\n{coordinator.Tail(20)}");
            }
            foreach (var node in nodes)
                if (node != null) await WaitForExit(node, StopTimeout, problems);
            var elapsed = watch.Elapsed;
            report($"{elapsed.TotalSeconds,6:F1} s  finished after {done} interruptions and {_starts} process starts");
            return new SoakReport(corpus.Files, done, counts, _starts, elapsed, problems, RunTables.Difference(reference, runDir));
        }
        finally
        {
            await stopStorageFaults.CancelAsync();
            await storageFaults;
            coordinator?.Dispose();
            foreach (var node in nodes) node?.Dispose();
        }
    }

    /// <summary>
    /// Storage faults at random moments while the interruptions go on, each lasting its set time: the lock's reads fail,
    /// or one filing hangs. They stop before the run is let finish.
    /// </summary>
    async Task StorageFaults(SoakStorageFaults storage, Random random, TimeSpan minPause, TimeSpan maxPause, string runDir, Stopwatch watch,
        Dictionary<string, int> counts, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(minPause + (maxPause - minPause) * random.NextDouble(), stop);
                var (fault, switchFile, text) = random.Next(2) == 0
                    ? ("lock reads fail", storage.RunFolderSwitch, "coordinator.lock")
                    : ("a filing hangs", storage.CorpusSwitch, storage.Filings[random.Next(storage.Filings.Count)]);
                report($"{watch.Elapsed.TotalSeconds,6:F1} s  {RunTables.Done(runDir),9:N0} done  {fault} for {storage.Duration.TotalSeconds:N0} s");
                await File.WriteAllTextAsync(switchFile, text, CancellationToken.None);
                counts[fault] = counts.GetValueOrDefault(fault) + 1;
                try
                {
                    await Task.Delay(storage.Duration, stop);
                }
                finally
                {
                    File.Delete(switchFile);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    Form3Process Start(string executable, string role, params string[] args)
    {
        _starts++;
        return Form3Process.Start(executable, $"soak-{role}", logFolder, environment, args);
    }

    /// <summary>
    /// Keeps a running process; replaces one that exited for a reason a fault explains (3 stopped, 4 coordinator lost,
    /// 137 killed). Exit 0 means the run is finished: a node is kept as it is (a new one would wait for a coordinator
    /// that is gone), and for the coordinator the result is null.
    /// </summary>
    async Task<Form3Process?> Restart(Form3Process? process, Func<Form3Process> start, List<string> problems)
    {
        if (process == null) return start();
        if (!process.HasExited) return process;
        var code = await process.WaitForExitAsync(StopTimeout);
        var coordinator = process.Name.EndsWith("coordinator", StringComparison.Ordinal);
        if (code == 0) return coordinator ? null : process;
        process.Dispose();
        // A coordinator started while its lock's reads fail says so and exits 1, as it should; a requeue starts it again.
        var lockUnreadable = coordinator && code == 1 && process.Log().Contains("lock file could not be read", StringComparison.Ordinal);
        if (code is not (3 or 4 or 137) && !lockUnreadable) problems.Add($"{process.Name} exited with {code}:\n{process.Tail(10)}");
        return start();
    }

    static bool LostItsCoordinator(string log) =>
        log.Contains("Coordinator lost", StringComparison.Ordinal) || log.Contains("found no coordinator there", StringComparison.Ordinal);

    static async Task<int> WaitForExit(Form3Process process, TimeSpan timeout, List<string> problems)
    {
        try
        {
            return await process.WaitForExitAsync(timeout);
        }
        catch (TimeoutException e)
        {
            problems.Add(e.Message);
            return -1;
        }
    }
}
