using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// Real OS processes over TCP on loopback: a coordinator and node processes, killed and restarted mid-run. Every
/// run must end with the same tables as an uninterrupted run: no filing missing, none twice.
/// </summary>
public sealed class FaultToleranceTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    string NewRunDir(string name) => Path.Combine(fixture.Root, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    [Fact]
    public async Task Coordinator_and_two_node_processes_make_the_same_tables_as_the_embedded_run()
    {
        var runDir = NewRunDir("cluster");
        using var coordinator = Start.Coordinator(fixture, "cluster-coordinator", fixture.Corpus.InputCsv, runDir, "--workers", "0");
        using var node1 = Start.Node(fixture, "cluster-node1", runDir);
        using var node2 = Start.Node(fixture, "cluster-node2", runDir);
        Assert.True(await coordinator.WaitForExitAsync(RunTimeout) == 0, coordinator.Tail());
        Assert.Equal(0, await node1.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await node2.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
        Assert.Equal(2, RunTables.Manifest(runDir).GetProperty("nodeHosts").GetArrayLength());
    }

    [Fact]
    public async Task A_node_killed_mid_run_leaves_its_work_to_the_other_node()
    {
        var runDir = NewRunDir("kill-node");
        using var coordinator = Start.Coordinator(fixture, "kill-node-coordinator", fixture.Corpus.InputCsv, runDir, "--workers", "0");
        using var doomed = Start.Node(fixture, "kill-node-doomed", runDir);
        using var survivor = Start.Node(fixture, "kill-node-survivor", runDir);
        await RunTables.WaitForDone(runDir, ClusterFixture.CorpusSize / 5, () => coordinator.HasExited, () => coordinator.Tail(), RunTimeout);
        doomed.Kill();
        Assert.True(await coordinator.WaitForExitAsync(RunTimeout) == 0, coordinator.Tail());
        Assert.Equal(0, await survivor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
        Assert.Contains("left the cluster", coordinator.Log());
    }

    [Fact]
    public async Task A_coordinator_killed_mid_run_resumes_from_its_journal()
    {
        var runDir = NewRunDir("kill-coordinator");
        int before;
        using (var coordinator = Start.Coordinator(fixture, "kill-coord-first", fixture.Corpus.InputCsv, runDir, "--workers", "0"))
        using (var node = Start.Node(fixture, "kill-coord-node-first", runDir, workers: 2))
        {
            await RunTables.WaitForDone(runDir, ClusterFixture.CorpusSize / 3, () => coordinator.HasExited, () => coordinator.Tail(), RunTimeout);
            coordinator.Kill();
            before = RunTables.Done(runDir);
            // The node notices its coordinator is gone and exits on its own.
            Assert.Equal(4, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        using (var coordinator = Start.Coordinator(fixture, "kill-coord-second", fixture.Corpus.InputCsv, runDir, "--workers", "0"))
        using (var node = Start.Node(fixture, "kill-coord-node-second", runDir, workers: 2))
        {
            Assert.True(await coordinator.WaitForExitAsync(RunTimeout) == 0, coordinator.Tail());
            Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
        var input = RunTables.Manifest(runDir).GetProperty("input");
        Assert.InRange(input.GetProperty("alreadyDone").GetInt32(), before, ClusterFixture.CorpusSize - 1);
        Assert.Equal(ClusterFixture.CorpusSize, input.GetProperty("alreadyDone").GetInt32() + input.GetProperty("processed").GetInt32());
    }

    [Fact]
    public async Task Sigterm_to_everything_mid_run_then_the_same_command_completes_it()
    {
        var runDir = NewRunDir("sigterm");
        using (var coordinator = Start.Coordinator(fixture, "sigterm-coordinator", fixture.Corpus.InputCsv, runDir, "--workers", "0"))
        using (var node1 = Start.Node(fixture, "sigterm-node1", runDir))
        using (var node2 = Start.Node(fixture, "sigterm-node2", runDir))
        {
            await RunTables.WaitForDone(runDir, ClusterFixture.CorpusSize / 4, () => coordinator.HasExited, () => coordinator.Tail(), RunTimeout);
            node1.Terminate();
            node2.Terminate();
            coordinator.Terminate();
            Assert.Equal(3, await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal(3, await node1.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal(3, await node2.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("run the same command again to resume", coordinator.Log());
        }
        using (var rerun = Start.Coordinator(fixture, "sigterm-rerun", fixture.Corpus.InputCsv, runDir))
        {
            Assert.True(await rerun.WaitForExitAsync(RunTimeout) == 0, rerun.Tail());
            Assert.Matches(@"[1-9][\d,]* already done by earlier runs \(skipped\)", rerun.Log());
        }
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
    }

    [Fact]
    public async Task Appending_rows_to_the_input_csv_processes_only_the_new_files()
    {
        var runDir = NewRunDir("append");
        var lines = await File.ReadAllLinesAsync(fixture.Corpus.InputCsv);
        var csv = Path.Combine(fixture.Corpus.Root, $"growing-{Guid.NewGuid():N}.csv");
        var firstPart = lines.Length * 2 / 3;
        await File.WriteAllLinesAsync(csv, lines.Take(firstPart));
        using (var first = Start.Coordinator(fixture, "append-first", csv, runDir))
            Assert.True(await first.WaitForExitAsync(RunTimeout) == 0, first.Tail());
        await File.AppendAllLinesAsync(csv, lines.Skip(firstPart));
        using (var second = Start.Coordinator(fixture, "append-second", csv, runDir))
        {
            Assert.True(await second.WaitForExitAsync(RunTimeout) == 0, second.Tail());
            Assert.Contains($"{lines.Length - firstPart:N0} new to process, {firstPart - 1:N0} finished by earlier runs", second.Log());
            Assert.Contains($"{firstPart - 1:N0} already done by earlier runs (skipped), 0 changed or gone", second.Log());
        }
        var input = RunTables.Manifest(runDir).GetProperty("input");
        Assert.Equal(lines.Length - firstPart, input.GetProperty("processed").GetInt32());
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
    }

    [Fact]
    public async Task A_coordinator_frozen_for_30_s_is_waited_out_by_its_nodes_and_the_run_completes()
    {
        var runDir = NewRunDir("freeze-coordinator");
        var patient = new Dictionary<string, string>
        {
            ["FORM3_CONFIG"] = TestConfig.WriteInterruptible(Path.Combine(fixture.Root, $"patient-{Guid.NewGuid():N}.conf"), batchSize: 24,
                joinTimeoutSeconds: 120, coordinatorUnreachableSeconds: 120),
        };
        var logs = Path.Combine(fixture.Root, "logs");
        using var coordinator = Form3Process.Start("form3-coordinator", "freeze-coordinator", logs, patient,
            "run", fixture.Corpus.InputCsv, "--run-dir", runDir, "--workers", "0");
        using var node1 = Form3Process.Start("form3-node", "freeze-coordinator-node1", logs, patient, "join", "--run-dir", runDir, "--workers", "1");
        using var node2 = Form3Process.Start("form3-node", "freeze-coordinator-node2", logs, patient, "join", "--run-dir", runDir, "--workers", "1");
        await RunTables.WaitForDone(runDir, ClusterFixture.CorpusSize / 5, () => coordinator.HasExited, () => coordinator.Tail(), RunTimeout);
        coordinator.Freeze();
        await Task.Delay(TimeSpan.FromSeconds(30));
        Assert.False(node1.HasExited || node2.HasExited, "a node gave up on a paused coordinator");
        coordinator.Resume();
        Assert.True(await coordinator.WaitForExitAsync(RunTimeout) == 0, coordinator.Tail());
        Assert.Equal(0, await node1.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await node2.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
    }

    [Fact]
    public async Task A_node_frozen_past_its_removal_exits_as_soon_as_it_resumes_and_the_run_completes_without_it()
    {
        var runDir = NewRunDir("freeze-node");
        using var coordinator = Start.Coordinator(fixture, "freeze-node-coordinator", fixture.Corpus.InputCsv, runDir, "--workers", "0");
        using var frozen = Start.Node(fixture, "freeze-node-frozen", runDir);
        using var other = Start.Node(fixture, "freeze-node-other", runDir);
        await RunTables.WaitForDone(runDir, ClusterFixture.CorpusSize / 5, () => coordinator.HasExited, () => coordinator.Tail(), RunTimeout);
        frozen.Freeze();
        await Task.Delay(TimeSpan.FromSeconds(8)); // past the coordinator's 2 s (test setting) plus failure detection
        frozen.Resume();
        // Removed while frozen: it leaves as soon as it resumes, lost (4) if the run goes on, done (0) if it has finished meanwhile.
        Assert.Contains(await frozen.WaitForExitAsync(TimeSpan.FromSeconds(20)), new[] { 0, 4 });
        Assert.True(await coordinator.WaitForExitAsync(RunTimeout) == 0, coordinator.Tail());
        Assert.Equal(0, await other.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
    }

    /// <summary>
    /// A node frozen until after its run ended (SIGSTOP; a network partition looks the same to it) exits within seconds
    /// of resuming, from the rendezvous's finished mark, instead of waiting out an unreachable coordinator.
    /// </summary>
    [Fact]
    public async Task A_node_frozen_until_the_run_has_ended_exits_within_seconds_of_resuming()
    {
        var runDir = NewRunDir("freeze-to-end");
        using var coordinator = Start.Coordinator(fixture, "freeze-end-coordinator", fixture.Corpus.InputCsv, runDir, "--workers", "0");
        using var frozen = Start.Node(fixture, "freeze-end-frozen", runDir);
        using var other = Start.Node(fixture, "freeze-end-other", runDir);
        await RunTables.WaitForDone(runDir, ClusterFixture.CorpusSize / 5, () => coordinator.HasExited, () => coordinator.Tail(), RunTimeout);
        frozen.Freeze();
        Assert.True(await coordinator.WaitForExitAsync(RunTimeout) == 0, coordinator.Tail());
        frozen.Resume();
        // Under the nodes' 10 s wait for an unreachable coordinator (test setting), which ended it before the rendezvous did.
        Assert.Equal(0, await frozen.WaitForExitAsync(TimeSpan.FromSeconds(8)));
        Assert.Equal(0, await other.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
    }

    [Fact]
    public async Task A_full_parts_folder_ends_the_run_with_exit_5_and_the_next_run_heals_once_there_is_space()
    {
        var runDir = NewRunDir("full-parts");
        var parts = Path.Combine(runDir, "parts");
        Directory.CreateDirectory(parts);
        // A file system of 1 MiB under parts/ only: the journal and results have room, the workers' rows do not.
        var (mounted, _, error) = await Shell.TryRun("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", parts]);
        Assert.True(mounted == 0, $"could not mount a small tmpfs (needs root): {error}");
        try
        {
            using (var full = Start.Coordinator(fixture, "full-parts-first", fixture.Corpus.InputCsv, runDir))
            {
                Assert.Equal(5, await full.WaitForExitAsync(RunTimeout));
                Assert.Contains("failed on every attempt for a reason of the moment", full.Log());
                Assert.Contains("No space left on device", File.ReadAllText(Path.Combine(runDir, "results", "ERRORS.csv")));
            }
            Assert.Equal(0, (await Shell.TryRun("mount", ["-o", "remount,size=256m", parts])).Code);
            using (var healed = Start.Coordinator(fixture, "full-parts-healed", fixture.Corpus.InputCsv, runDir))
                Assert.True(await healed.WaitForExitAsync(RunTimeout) == 0, healed.Tail());
            Assert.Null(RunTables.Difference(fixture.Reference, runDir));
        }
        finally
        {
            await Shell.TryRun("umount", ["-l", parts]);
        }
    }

    [Fact]
    public async Task Tables_cut_short_emptied_or_edited_after_a_run_are_merged_again_by_the_next_run()
    {
        var runDir = NewRunDir("torn-tables");
        using (var first = Start.Coordinator(fixture, "torn-first", fixture.Corpus.InputCsv, runDir))
            Assert.True(await first.WaitForExitAsync(RunTimeout) == 0, first.Tail());
        var results = Path.Combine(runDir, "results");
        Tamper.CutInHalf(Path.Combine(results, "SUBMISSION.csv"));
        await File.WriteAllTextAsync(Path.Combine(results, "REPORTINGOWNER.csv"), "");
        Tamper.Overwrite(Path.Combine(results, "FOOTNOTES.csv"), 16);
        using (var rerun = Start.Coordinator(fixture, "torn-rerun", fixture.Corpus.InputCsv, runDir))
        {
            Assert.True(await rerun.WaitForExitAsync(RunTimeout) == 0, rerun.Tail());
            Assert.Contains("are not as their manifest says", rerun.Log());
        }
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));

        // Intact now: the next run keeps them as they are.
        using (var again = Start.Coordinator(fixture, "torn-again", fixture.Corpus.InputCsv, runDir))
        {
            Assert.True(await again.WaitForExitAsync(RunTimeout) == 0, again.Tail());
            Assert.Contains("kept as they are", again.Log());
        }
    }

    [Fact]
    public async Task Part_files_lost_cut_short_or_altered_before_a_merge_are_extracted_again_instead_of_wedging_the_run()
    {
        var runDir = NewRunDir("damaged-parts");
        using (var first = Start.Coordinator(fixture, "damaged-first", fixture.Corpus.InputCsv, runDir, "--workers", "2"))
            Assert.True(await first.WaitForExitAsync(RunTimeout) == 0, first.Tail());
        var parts = Directory.GetFiles(Path.Combine(runDir, "parts"), "*.part").Order().ToArray();
        Assert.Equal(2, parts.Length);
        File.Delete(parts[0]);
        Tamper.Overwrite(parts[1], 5);
        File.Delete(Path.Combine(runDir, "results", "SUBMISSION.csv")); // so that the rerun must merge
        using (var rerun = Start.Coordinator(fixture, "damaged-rerun", fixture.Corpus.InputCsv, runDir))
        {
            Assert.True(await rerun.WaitForExitAsync(RunTimeout) == 0, rerun.Tail());
            Assert.Contains("part segments lost, cut short or altered", rerun.Log());
        }
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));
    }

    [Fact]
    public async Task An_unreadable_journal_stops_the_run_with_a_clear_message()
    {
        var runDir = NewRunDir("bad-journal");
        Directory.CreateDirectory(runDir);
        await File.WriteAllTextAsync(Path.Combine(runDir, "journal.db"), "this is not a SQLite database, it is garbage of some length");
        using var run = Start.Coordinator(fixture, "bad-journal", Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv"), runDir);
        Assert.Equal(1, await run.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains("could not be read", run.Log());
        Assert.Contains("move it aside", run.Log());
    }

    [Fact]
    public async Task A_coordinator_waiting_for_nodes_that_never_come_gives_up_with_a_clear_message()
    {
        var runDir = NewRunDir("no-nodes");
        var config = TestConfig.WriteInterruptible(Path.Combine(fixture.Root, "no-nodes.conf"), batchSize: 24, joinTimeoutSeconds: 3);
        using var run = Form3Process.Start("form3-coordinator", "no-nodes", Path.Combine(fixture.Root, "logs"),
            new Dictionary<string, string> { ["FORM3_CONFIG"] = config },
            "run", Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv"), "--run-dir", runDir, "--workers", "0");
        Assert.Equal(1, await run.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains("no node joined within 3 s", run.Log());
    }
}
