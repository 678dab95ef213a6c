using System.Diagnostics;
using System.Text.RegularExpressions;
using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// What a shared cluster does to a run, through real processes and the FUSE file systems of tests/Testing/Fuse: reads
/// of the lock that fail for a while, a stat or reads that hang on a dead mount, a mirror that is not mounted, a node
/// that leaves and another that comes later, and configuration values that are wrong. Each ends in bounded time with
/// the right exit code and one message that says what happened.
/// </summary>
public sealed class ClusterFaultTests : IDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    readonly string _root = Directory.CreateTempSubdirectory("form3-faults-").FullName;

    string Logs => Path.Combine(_root, "logs");

    [Fact]
    public async Task A_listing_whose_files_are_all_missing_stops_early_with_exit_2_naming_the_folder_it_looked_in()
    {
        var csv = Path.Combine(_root, "list.csv");
        var random = new Random(5);
        File.WriteAllLines(csv, ["filepath", .. Enumerable.Range(0, 5000).Select(i => $"not-mounted/edgar/data/{random.Next(1000, 2000000)}/0000{i:D6}-24-{i:D6}.txt")]);

        var watch = Stopwatch.StartNew();
        using var run = Form3Process.Start("form3-coordinator", "missing", Logs, null, "run", csv, "--run-dir", Path.Combine(_root, "missing"));
        Assert.Equal(2, await run.WaitForExitAsync(Timeout));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        var log = run.Log();
        Assert.Matches($@"error: none of the first [0-9,]+ files the input lists exists \(looked in {Regex.Escape(Path.Combine(_root, "not-mounted", "edgar", "data"))};", log);
        Assert.Contains("check that the mirror is mounted on this machine", log);
        Assert.DoesNotContain("   at ", log);
    }

    [Theory]
    [InlineData("form3.coordinator.node-join-timeout = abc", "form3.coordinator.node-join-timeout = abc is not a duration", false)]
    [InlineData("form3.coordinator.node-join-timeout = \"10 parsecs\"", "form3.coordinator.node-join-timeout = \"10 parsecs\" is not a duration", false)]
    [InlineData("form3.coordinator.node-join-timeout = -5s", "form3.coordinator.node-join-timeout = -5s is not a duration", false)]
    [InlineData("form3.coordinator.batch-size = lots", "form3.coordinator.batch-size = lots is not a whole number", false)]
    [InlineData("form3.coordinator.progress-interval = 0s", "form3.coordinator.progress-interval = 0s must be more than zero", false)]
    [InlineData("form3.coordinator.parquet.compression = lzma", "form3.coordinator.parquet.compression = lzma is not one of", false)]
    [InlineData("form3.node.file-deadline = soon", "form3.node.file-deadline = soon is not a duration", true)]
    [InlineData("form3.coordinator {\n  batch-size = 8\n", "the '{' of line 1 is never closed", true)]
    [InlineData("form3.node.file-deadline = 5s }", "line 1 closes a '}' that was never opened", true)]
    public async Task A_wrong_configuration_value_is_one_line_naming_the_key_and_exit_2(string setting, string message, bool nodeToo)
    {
        var config = Path.Combine(_root, $"bad-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, setting);
        var environment = new Dictionary<string, string> { ["FORM3_CONFIG"] = config };
        var sample = Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv");
        var runDir = Path.Combine(_root, "config");
        var commands = new List<Form3Process> { Form3Process.Start("form3-coordinator", $"config-run-{Guid.NewGuid():N}", Logs, environment, "run", sample, "--run-dir", runDir) };
        if (nodeToo) commands.Add(Form3Process.Start("form3-node", $"config-join-{Guid.NewGuid():N}", Logs, environment, "join", "--run-dir", runDir));
        foreach (var process in commands)
        {
            using (process)
            {
                Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
                var line = Assert.Single(process.Log().Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.Contains("error: configuration: ", line);
                Assert.Contains(message, line);
            }
        }
        Assert.False(File.Exists(Path.Combine(runDir, "coordinator.lock")));
    }

    /// <summary>
    /// A run folder on a file system whose POSIX locks fail (Lustre without flock): refused at once with the cause,
    /// where the journal plugin timed out its recovery after 30 s and said to move the journal aside.
    /// </summary>
    [Fact]
    public async Task A_run_folder_without_posix_locks_is_refused_at_once_with_the_cause()
    {
        var switchFile = Path.Combine(_root, "no-locks");
        await File.WriteAllTextAsync(switchFile, "");
        var backing = Directory.CreateDirectory(Path.Combine(_root, "backing")).FullName;
        var (mount, whyNot) = await FuseMount.TryMountFlaky(backing, Path.Combine(_root, "mnt"), switchFile, Path.Combine(_root, "build"), FlakyMode.NoLocks);
        Assert.True(mount != null, $"no flaky file system: {whyNot}");
        await using (mount)
        {
            var runDir = Path.Combine(mount!.MountPoint, "run");
            using var run = Form3Process.Start("form3-coordinator", "no-locks", Logs, null,
                "run", Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv"), "--run-dir", runDir);
            Assert.Equal(1, await run.WaitForExitAsync(TimeSpan.FromSeconds(20)));
            var line = Assert.Single(run.Log().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("error: SQLite cannot lock the journal", line);
            Assert.Contains("does not provide POSIX (fcntl) locks", line);
            Assert.Contains("--run-dir", line);
            Assert.False(File.Exists(Path.Combine(runDir, "coordinator.lock")));
        }
    }

    /// <summary>Reads of the run folder's lock fail with EIO for 3 s mid-run (the lock renewed every second): the run goes on.</summary>
    [Fact]
    public async Task Reads_of_the_lock_that_fail_for_a_while_do_not_stop_a_healthy_run()
    {
        const int Files = 20_000;
        var corpus = CorpusGenerator.Generate(Path.Combine(_root, "corpus"), Files, seed: 41);
        var healthy = await EmbeddedRun.Run(_root, "healthy", corpus.InputCsv);
        var switchFile = Path.Combine(_root, "lock-fails");
        var backing = Directory.CreateDirectory(Path.Combine(_root, "backing")).FullName;
        var (mount, whyNot) = await FuseMount.TryMountFlaky(backing, Path.Combine(_root, "mnt"), switchFile, Path.Combine(_root, "build"));
        Assert.True(mount != null, $"no flaky file system: {whyNot}");
        await using (mount)
        {
            var config = TestConfig.WriteInterruptible(Path.Combine(_root, "lock.conf"), batchSize: 8, joinTimeoutSeconds: 60);
            await File.AppendAllTextAsync(config, "\nform3.coordinator { lock-renew-interval = 1s, lock-lease = 10s }\n");
            var runDir = Path.Combine(mount!.MountPoint, "run");
            using var run = Form3Process.Start("form3-coordinator", "lock-eio", Logs, new Dictionary<string, string> { ["FORM3_CONFIG"] = config },
                "run", corpus.InputCsv, "--run-dir", runDir, "--workers", "1");
            await RunTables.WaitForDone(runDir, Files / 10, () => run.HasExited, () => run.Tail(), Timeout);
            await File.WriteAllTextAsync(switchFile, "coordinator.lock");
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.False(run.HasExited, $"the run ended while reads of its lock failed:\n{run.Tail()}");
            Assert.True(RunTables.Done(runDir) < Files, "the run had finished before the reads of its lock came back");
            File.Delete(switchFile);
            Assert.True(await run.WaitForExitAsync(Timeout) == 0, run.Tail());
            Assert.Empty(Directory.GetFiles(runDir, "coordinator.lock*"));
            Assert.Contains("Could not renew the run folder's lock (", run.Log());
            Assert.Contains("Renewed the run folder's lock again after", run.Log());
            Assert.Null(RunTables.Difference(RunTables.Read(healthy), runDir));
        }
    }

    /// <summary>
    /// A rerun of a finished run whose one file's stat hangs (a dead mount): the check is given up after
    /// check-deadline and the log names the file; its reads hang too and are given up after file-deadline, so the run
    /// ends with exit 5 in seconds, and the next run, once the mount answers, processes that one file.
    /// </summary>
    [Fact]
    public async Task A_rerun_gives_up_a_hung_stat_and_a_hung_read_names_the_file_and_the_next_run_takes_it()
    {
        const int Files = 500;
        var corpus = CorpusGenerator.Generate(Path.Combine(_root, "corpus"), Files, seed: 43);
        var csv = Listings.Relative(corpus.Root, corpus.InputCsv, "relative.csv");
        var switchFile = Path.Combine(_root, "hung");
        var (mount, whyNot) = await FuseMount.TryMountFlaky(corpus.Root, Path.Combine(_root, "mnt"), switchFile, Path.Combine(_root, "build"), FlakyMode.Stall);
        Assert.True(mount != null, $"no stalling file system: {whyNot}");
        await using (mount)
        {
            var mountedCsv = Path.Combine(mount!.MountPoint, Path.GetFileName(csv));
            var config = Path.Combine(_root, "deadlines.conf");
            await File.WriteAllTextAsync(config, "form3.coordinator { check-deadline = 2s, max-attempts = 2 }\nform3.node.file-deadline = 2s\n");
            var environment = new Dictionary<string, string> { ["FORM3_CONFIG"] = config };
            var runDir = Path.Combine(_root, "run");
            using (var first = Form3Process.Start("form3-coordinator", "hung-first", Logs, environment, "run", mountedCsv, "--run-dir", runDir))
                Assert.True(await first.WaitForExitAsync(Timeout) == 0, first.Tail());
            var reference = RunTables.Read(runDir);

            var hung = Path.GetFileName(Listings.Paths(csv)[7]);
            await File.WriteAllTextAsync(switchFile, hung);
            var watch = Stopwatch.StartNew();
            using (var rerun = Form3Process.Start("form3-coordinator", "hung-rerun", Logs, environment, "run", mountedCsv, "--run-dir", runDir))
            {
                // The run ends in seconds; the process itself can only go once the kernel lets its threads out of the hung
                // requests (true of any program on a dead hard mount), so the stall ends once the run has said it ended.
                while (!rerun.Log().Contains("failed on every attempt", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(60))
                    await Task.Delay(200);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"the rerun did not end within a minute:\n{rerun.Tail()}");
                File.Delete(switchFile);
                Assert.Equal(5, await rerun.WaitForExitAsync(Timeout));
                Assert.Contains($"{hung} on disk took longer than form3.coordinator.check-deadline", rerun.Log());
            }
            var retry = Assert.Single(RunTables.Read(runDir)["ERRORS"], r => r.Contains(",retries_exhausted,", StringComparison.Ordinal));
            Assert.Contains(hung, retry);

            using (var healed = Form3Process.Start("form3-coordinator", "hung-healed", Logs, environment, "run", mountedCsv, "--run-dir", runDir))
                Assert.True(await healed.WaitForExitAsync(Timeout) == 0, healed.Tail());
            Assert.Equal(1, RunTables.Manifest(runDir).GetProperty("input").GetProperty("processed").GetInt32());
            Assert.Null(RunTables.Difference(reference, runDir));
        }
    }

    /// <summary>Every read of the corpus hangs for 10 s mid-run: the node says so and stops asking for work, then goes on once reads return.</summary>
    [Fact]
    public async Task A_node_whose_reads_all_hang_stops_asking_for_work_says_so_and_goes_on_when_they_return()
    {
        const int Files = 3000;
        var corpus = CorpusGenerator.Generate(Path.Combine(_root, "corpus"), Files, seed: 47);
        var csv = Listings.Relative(corpus.Root, corpus.InputCsv, "relative.csv");
        var healthy = await EmbeddedRun.Run(_root, "healthy", csv);
        var switchFile = Path.Combine(_root, "hung");
        var (mount, whyNot) = await FuseMount.TryMountFlaky(corpus.Root, Path.Combine(_root, "mnt"), switchFile, Path.Combine(_root, "build"), FlakyMode.Stall);
        Assert.True(mount != null, $"no stalling file system: {whyNot}");
        await using (mount)
        {
            var config = TestConfig.WriteInterruptible(Path.Combine(_root, "hung-reads.conf"), batchSize: 8, joinTimeoutSeconds: 60);
            await File.AppendAllTextAsync(config, "\nform3.node { file-deadline = 2s, reads-in-flight = 4 }\nform3.coordinator.max-attempts = 5\n");
            var runDir = Path.Combine(_root, "run");
            using var run = Form3Process.Start("form3-coordinator", "hung-reads", Logs, new Dictionary<string, string> { ["FORM3_CONFIG"] = config },
                "run", Path.Combine(mount!.MountPoint, Path.GetFileName(csv)), "--run-dir", runDir, "--workers", "1");
            await RunTables.WaitForDone(runDir, Files / 10, () => run.HasExited, () => run.Tail(), Timeout);
            await File.WriteAllTextAsync(switchFile, "edgar");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!run.Log().Contains("read threads have been stuck", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(200);
            Assert.Contains("all 4 read threads have been stuck for over 00:00:02", run.Log());
            Assert.Contains("not asking for work until one returns", run.Log());
            await Task.Delay(TimeSpan.FromSeconds(5));
            File.Delete(switchFile);
            Assert.True(await run.WaitForExitAsync(Timeout) == 0, run.Tail());
            Assert.Null(RunTables.Difference(RunTables.Read(healthy), runDir));
        }
    }

    /// <summary>
    /// The only node freezes and is killed; another comes later than node-join-timeout after the start, but within it
    /// after the first one was removed: the coordinator waits from the moment it was left without nodes, and the run completes.
    /// </summary>
    [Fact]
    public async Task A_node_that_comes_after_the_only_node_left_finishes_the_run()
    {
        const int Files = 3000;
        var corpus = CorpusGenerator.Generate(Path.Combine(_root, "corpus"), Files, seed: 53);
        var healthy = await EmbeddedRun.Run(_root, "healthy", corpus.InputCsv);
        var config = TestConfig.WriteInterruptible(Path.Combine(_root, "late.conf"), batchSize: 8, joinTimeoutSeconds: 12);
        var environment = new Dictionary<string, string> { ["FORM3_CONFIG"] = config };
        var runDir = Path.Combine(_root, "run");
        var started = Stopwatch.StartNew();
        using var coordinator = Form3Process.Start("form3-coordinator", "late-coordinator", Logs, environment, "run", corpus.InputCsv, "--run-dir", runDir, "--workers", "0");
        using (var first = Form3Process.Start("form3-node", "late-first", Logs, environment, "join", "--run-dir", runDir, "--workers", "1"))
        {
            await RunTables.WaitForDone(runDir, 50, () => coordinator.HasExited, () => coordinator.Tail(), Timeout);
            first.Freeze();
            await Task.Delay(TimeSpan.FromSeconds(6) - started.Elapsed is { Ticks: > 0 } wait ? wait : TimeSpan.Zero);
            first.Kill();
        }
        // Past the join timeout counted from the start (12 s), within it counted from the node's removal.
        await Task.Delay(TimeSpan.FromSeconds(16) - started.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        Assert.False(coordinator.HasExited, $"the coordinator gave up before the second node came:\n{coordinator.Tail()}");
        using var second = Form3Process.Start("form3-node", "late-second", Logs, environment, "join", "--run-dir", runDir, "--workers", "1");
        Assert.True(await coordinator.WaitForExitAsync(Timeout) == 0, coordinator.Tail());
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(RunTables.Difference(RunTables.Read(healthy), runDir));
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("FORM3_KEEP") == null) Directory.Delete(_root, recursive: true);
    }
}
