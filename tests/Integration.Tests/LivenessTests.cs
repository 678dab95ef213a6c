using System.Diagnostics;
using Form3Actors.Core.Hosting;
using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// Every failure ends the process in bounded time with a non-zero exit code and one message that says what to do;
/// nothing that was journaled is lost. Real processes, real signals, a real FIFO, a journal broken mid-run.
/// </summary>
public sealed class LivenessTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);
    /// <summary>How long a signalled process may take to exit; form3.shutdown-deadline is 20 s, a clean stop takes about one.</summary>
    static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    string NewRunDir(string name) => Path.Combine(fixture.Root, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    static string Sample => Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv");

    Form3Process Coordinator(string name, params string[] args) =>
        Form3Process.Start("form3-coordinator", name, Path.Combine(fixture.Root, "logs"), fixture.Environment, args);

    /// <summary>SIGTERM for even <paramref name="i"/>, SIGINT for odd; returns the exit status of a process the signal's default action ends.</summary>
    static int Signal(Form3Process process, int i)
    {
        if (i % 2 == 0) process.Terminate();
        else process.Interrupt();
        return 128 + (i % 2 == 0 ? 15 : 2);
    }

    /// <summary>
    /// A signal in the first tenth of a second or so, before the runtime has started Main, meets no handler yet: the
    /// signal's default action ends the process at once, before it has opened anything. That is the one other ending.
    /// </summary>
    static bool EndedBeforeMain(int code, int killedStatus, Form3Process process) => code == killedStatus && process.Log().Length == 0;

    [Fact]
    public async Task Run_stops_promptly_and_keeps_its_journal_whenever_a_signal_comes_from_start_to_exit()
    {
        // The same run folder throughout: each signalled run keeps what it journaled and the next one resumes.
        // The instants cover process start, listing, journal recovery, the run itself, and the merge and exit.
        var runDir = NewRunDir("signals-run");
        int[] delaysMs = [0, 60, 200, 400, 700, 1000, 1400, 1900, 2600, 3500];
        var outcomes = new List<string>();
        for (var i = 0; i < delaysMs.Length; i++)
        {
            using var run = Coordinator($"signals-run-{i}", "run", fixture.Corpus.InputCsv, "--run-dir", runDir);
            await Task.Delay(delaysMs[i]);
            var signalled = Stopwatch.StartNew();
            var killed = Signal(run, i);
            var code = await run.WaitForExitAsync(StopTimeout);
            outcomes.Add($"{delaysMs[i]} ms: exit {code} after {signalled.Elapsed.TotalSeconds:F1} s");
            if (EndedBeforeMain(code, killed, run)) continue;
            Assert.True(code is 3 or 0, $"{string.Join("; ", outcomes)}\n{run.Tail()}");
            Assert.DoesNotContain("Unhandled exception", run.Log());
            Assert.DoesNotContain("form3.shutdown-deadline", run.Log()); // stopped cleanly, not by the backstop
            if (code == 3) Assert.Contains("run the same command again", run.Log());
            if (code == 0) break;
        }
        using (var rerun = Coordinator("signals-run-final", "run", fixture.Corpus.InputCsv, "--run-dir", runDir))
            Assert.True(await rerun.WaitForExitAsync(RunTimeout) == 0, rerun.Tail());
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
    }

    [Fact]
    public async Task Join_stops_promptly_whenever_a_signal_comes_and_its_work_goes_to_the_next_node()
    {
        var runDir = NewRunDir("signals-join");
        using var coordinator = Coordinator("signals-join-coordinator", "run", fixture.Corpus.InputCsv, "--run-dir", runDir, "--workers", "0");
        int[] delaysMs = [0, 100, 300, 600, 1000, 1500, 2200];
        for (var i = 0; i < delaysMs.Length; i++)
        {
            using var node = Start.Node(fixture, $"signals-join-node-{i}", runDir);
            await Task.Delay(delaysMs[i]);
            var killed = Signal(node, i);
            var code = await node.WaitForExitAsync(StopTimeout);
            if (EndedBeforeMain(code, killed, node)) continue;
            Assert.DoesNotContain("Unhandled exception", node.Log());
            if (code == 0 && node.Log().Contains("Run finished")) break; // this node did the rest of the run before the signal
            Assert.True(code == 3, $"node signalled after {delaysMs[i]} ms exited with {code}\n{node.Tail()}");
        }
        using (var last = Start.Node(fixture, "signals-join-node-last", runDir))
        {
            Assert.True(await coordinator.WaitForExitAsync(RunTimeout) == 0, coordinator.Tail());
            Assert.Equal(0, await last.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
    }

    [Fact]
    public async Task A_run_folder_whose_name_reads_like_connection_string_text_is_used_as_named()
    {
        foreach (var name in new[] { "semi;colon", "Data Source=x;Mode=ReadOnly" })
        {
            var runDir = Path.Combine(NewRunDir("odd-folder"), name);
            using var run = Coordinator("odd-folder", "run", Sample, "--run-dir", runDir);
            Assert.True(await run.WaitForExitAsync(TimeSpan.FromMinutes(1)) == 0, run.Tail());
            Assert.True(File.Exists(Path.Combine(runDir, "journal.db")), $"no journal in {runDir}");
            Assert.Equal(11, File.ReadAllLines(Path.Combine(runDir, "results", "SUBMISSION.csv")).Length);
        }
    }

    [Fact]
    public async Task A_fifo_in_the_input_is_an_error_row_and_the_run_finishes()
    {
        var folder = Directory.CreateTempSubdirectory("form3-fifo-").FullName;
        var fifo = Path.Combine(folder, "0000000000-24-000001.txt");
        await Shell.Run("mkfifo", [fifo]);
        var csv = Path.Combine(folder, "with_fifo.csv");
        await File.WriteAllLinesAsync(csv, ["filepath", TestData.Real("form3-SNOW-berkshire-buffett-jointfilers.xml"), fifo,
            TestData.Real("form3-SPWR-hegde-vinayak-nosecurities.xml")]);
        var runDir = NewRunDir("fifo");

        using var run = Coordinator("fifo", "run", csv, "--run-dir", runDir);
        Assert.True(await run.WaitForExitAsync(TimeSpan.FromMinutes(1)) == 0, run.Tail());
        var errors = File.ReadAllLines(Path.Combine(runDir, "results", "ERRORS.csv"));
        Assert.Equal($"{fifo},read,not_regular_file,\"{fifo} is a named pipe (FIFO), not a regular file; only regular files are read\",1", Assert.Single(errors.Skip(1)));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(runDir, "results", "SUBMISSION.csv")).Length);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_journal_broken_mid_run_ends_the_run_promptly_with_a_message()
    {
        var runDir = NewRunDir("broken-journal");
        using var run = Coordinator("broken-journal", "run", fixture.Corpus.InputCsv, "--run-dir", runDir, "--workers", "0");
        using var node = Start.Node(fixture, "broken-journal-node", runDir);
        await RunTables.WaitForDone(runDir, ClusterFixture.CorpusSize / 10, () => run.HasExited, () => run.Tail(), RunTimeout);
        // SQLite writes each transaction through a rollback file beside the journal; a directory in its place makes
        // every later write fail, as a full or read-only file system does (and unlike permissions, it stops root too).
        var rollback = Path.Combine(runDir, "journal.db-journal");
        while (true)
        {
            try
            {
                Directory.CreateDirectory(rollback);
                break;
            }
            catch (IOException) when (!run.HasExited)
            {
                // A transaction is under way; its rollback file goes when it commits (perhaps between the create and
                // this line, so its absence now says nothing).
                await Task.Delay(1);
            }
        }

        Assert.Equal(1, await run.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        Assert.Contains("could not be written", run.Log());
        Assert.DoesNotContain("Unhandled exception", run.Log());
    }

    [Fact]
    public async Task A_malformed_or_empty_input_csv_is_a_usage_error_that_names_the_row()
    {
        var folder = Directory.CreateTempSubdirectory("form3-badcsv-").FullName;
        var unterminated = Path.Combine(folder, "unterminated.csv");
        await File.WriteAllTextAsync(unterminated, "cik,filepath\n1,a.txt\n2,\"b.txt\n3,c.txt\n");
        var empty = Path.Combine(folder, "empty.csv");
        await File.WriteAllTextAsync(empty, "");

        foreach (var (csv, expected) in new[] { (unterminated, "is malformed at row"), (empty, "is empty: it needs a header row") })
        {
            var runDir = NewRunDir("bad-csv");
            using var run = Coordinator("bad-csv", "run", csv, "--run-dir", runDir);
            Assert.Equal(2, await run.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(expected, run.Log());
            Assert.DoesNotContain("Unhandled exception", run.Log());
            Assert.False(File.Exists(Path.Combine(runDir, "coordinator.lock")));
        }
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_bad_worker_count_or_configuration_leaves_no_lock_behind_and_a_busy_run_folder_is_not_a_usage_error()
    {
        var runDir = NewRunDir("lock");
        using (var bad = Coordinator("lock-bad-workers", "run", Sample, "--run-dir", runDir, "--workers", "-1"))
        {
            Assert.Equal(2, await bad.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("--workers must be 0", bad.Log());
        }
        Assert.False(File.Exists(Path.Combine(runDir, "coordinator.lock")));
        var smallerThanItsFloor = Path.Combine(fixture.Root, $"bad-batch-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(smallerThanItsFloor, "form3.coordinator { batch-size = 4, min-batch-size = 8 }");
        using (var bad = Form3Process.Start("form3-coordinator", "lock-bad-config", Path.Combine(fixture.Root, "logs"),
            new Dictionary<string, string> { ["FORM3_CONFIG"] = smallerThanItsFloor }, "run", Sample, "--run-dir", runDir))
        {
            Assert.Equal(2, await bad.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("error: configuration: form3.coordinator.min-batch-size is 8 and batch-size 4: set min-batch-size between 1 and batch-size", bad.Log());
            Assert.DoesNotContain("Unhandled exception", bad.Log());
        }
        Assert.False(File.Exists(Path.Combine(runDir, "coordinator.lock")));

        // A coordinator waiting for nodes holds the folder; a second one says who holds it and exits 1.
        using var holder = Coordinator("lock-holder", "run", Sample, "--run-dir", runDir, "--workers", "0");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Rendezvous.ReadCurrent(runDir) == null && DateTime.UtcNow < deadline) await Task.Delay(100);
        using (var second = Coordinator("lock-second", "run", Sample, "--run-dir", runDir))
        {
            Assert.Equal(1, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains($"pid {holder.Pid}", second.Log());
        }
        holder.Terminate();
        Assert.Equal(3, await holder.WaitForExitAsync(StopTimeout));
    }

    [Fact]
    public async Task A_journal_cut_short_is_reported_at_once_in_plain_words()
    {
        var runDir = NewRunDir("cut-journal");
        using (var first = Coordinator("cut-journal-first", "run", Sample, "--run-dir", runDir))
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Tamper.CutInHalf(Path.Combine(runDir, "journal.db"));
        var started = DateTime.UtcNow;
        using var rerun = Coordinator("cut-journal-rerun", "run", Sample, "--run-dir", runDir);
        Assert.Equal(1, await rerun.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "the damaged journal was reported only after a timeout");
        Assert.Contains("is cut short", rerun.Log());
        Assert.Contains("move it aside", rerun.Log());
    }

    [Fact]
    public async Task Status_says_when_the_coordinator_is_gone_and_a_corrupt_status_file_is_one_clear_error()
    {
        var runDir = NewRunDir("status");
        var statusFile = Path.Combine(runDir, "status.json");
        using (var run = Coordinator("status-run", "run", Sample, "--run-dir", runDir, "--workers", "0"))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!File.Exists(statusFile) && DateTime.UtcNow < deadline) await Task.Delay(100);
            using (var alive = Coordinator("status-alive", "status", runDir))
            {
                Assert.Equal(0, await alive.WaitForExitAsync(StopTimeout));
                Assert.DoesNotContain("GONE", alive.Log());
            }
            run.Kill();
            await run.WaitForExitAsync(StopTimeout);
        }
        using (var dead = Coordinator("status-dead", "status", runDir))
        {
            Assert.Equal(1, await dead.WaitForExitAsync(StopTimeout));
            Assert.Contains("coordinator GONE", dead.Log());
            Assert.Contains("run the same command again", dead.Log());
        }
        await File.WriteAllTextAsync(statusFile, "{\"phase\": \"runn");
        using (var corrupt = Coordinator("status-corrupt", "status", runDir))
        {
            Assert.Equal(1, await corrupt.WaitForExitAsync(StopTimeout));
            Assert.Contains("could not be read", corrupt.Log());
            Assert.DoesNotContain("   at ", corrupt.Log());
        }
    }

    [Fact]
    public async Task A_node_started_after_the_run_finished_exits_at_once()
    {
        var runDir = NewRunDir("late-node");
        using (var run = Coordinator("late-node-run", "run", Sample, "--run-dir", runDir))
            Assert.True(await run.WaitForExitAsync(RunTimeout) == 0, run.Tail());
        // Its join timeout is two minutes; a finished run must not make it wait for a coordinator that is gone.
        using var late = Start.Node(fixture, "late-node", runDir);
        Assert.Equal(0, await late.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("already finished", late.Log());
    }

    [Fact]
    public async Task A_missing_configuration_override_is_a_usage_error_for_both_commands()
    {
        var environment = new Dictionary<string, string> { ["FORM3_CONFIG"] = Path.Combine(fixture.Root, "no-such.conf") };
        var logs = Path.Combine(fixture.Root, "logs");
        using var run = Form3Process.Start("form3-coordinator", "missing-conf-run", logs, environment, "run", Sample, "--run-dir", NewRunDir("missing-conf"));
        using var join = Form3Process.Start("form3-node", "missing-conf-join", logs, environment, "join", "--run-dir", NewRunDir("missing-conf"));
        foreach (var process in new[] { run, join })
        {
            Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("FORM3_CONFIG names a file that does not exist", process.Log());
            Assert.DoesNotContain("Unhandled exception", process.Log());
        }
    }
}
