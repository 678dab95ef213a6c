using System.Collections.Immutable;
using Akka.Event;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.Tests;

/// <summary>
/// The coordinator's decisions, command by command, without an actor system: the actor specs cover the same
/// run through a real journal, these cover every branch of the rules.
/// </summary>
public sealed class CoordinatorStateTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Batches of a fixed size (the smallest is the largest): how they shrink is WorkQueueTests' business.</summary>
    static CoordinatorSettings Settings(int snapshotEvery = 1000, int batchSize = 10, int maxAttempts = 3) => new(
        new QueueSettings(batchSize, MinBatchSize: batchSize, maxAttempts, IsolateAfterFailures: 2, BatchLease: Lease), snapshotEvery,
        ProgressInterval: TimeSpan.FromSeconds(10), RateWindow: TimeSpan.FromSeconds(60), NodeJoinTimeout: TimeSpan.FromSeconds(180), ChecksInFlight: 4,
        LeaseCheckInterval: LeaseCheck);

    static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    static readonly TimeSpan LeaseCheck = TimeSpan.FromSeconds(5);

    /// <summary>The effects of entering the finishing phase (the node deadline and lease checks end), before a snapshot or a check of the results.</summary>
    const string Finishing = "NodeDeadline:off LeaseCheck:off";

    static FileStamp Stamp(InputFile f) => TestFiles.Stamp(f);

    static InputListing Listing(IReadOnlyList<InputFile> files) => new("test", files, 0, 0, 0);

    /// <summary>What a decision does besides logging and writing status.json, in order: timers as Name:on/off, other effects by type.</summary>
    static string Steps(Decision decision) => string.Join(" ", decision.Effects
        .Where(e => e is not (Log or WriteStatus))
        .Select(e => e is SetTimer t ? $"{t.Timer}:{(t.On ? "on" : "off")}" : e.GetType().Name));

    static IEnumerable<string> Logs(Decision decision, LogLevel level) => decision.Effects.OfType<Log>().Where(l => l.Level == level).Select(l => l.Text);

    static Decision Begin(CoordinatorState state, IReadOnlyList<InputFile> files, long sequenceNr = 0, MergeStamp? previous = null) =>
        state.Decide(new BeginRun(Listing(files), sequenceNr, previous is null ? null : ManifestOf(previous, files), ResultOutputs.CsvOnly), Now);

    /// <summary>A merge that found nothing damaged.</summary>
    static readonly MergeResult Clean = MergeResult.Damaged(new Dictionary<int, string>());

    /// <summary>A manifest of tables merged from <paramref name="stamp"/>.</summary>
    static Manifest ManifestOf(MergeStamp stamp, IReadOnlyList<InputFile> files) =>
        Manifest.Of(Listing(files), 0, files.Count, Clean, Now, Now, [], "journal.db", TimeSpan.Zero, stamp);

    static CoordinatorState Started(IReadOnlyList<InputFile> files, CoordinatorSettings? settings = null, bool needsNodes = false)
    {
        var state = new CoordinatorState(settings ?? Settings(), needsNodes);
        Begin(state, files);
        return state;
    }

    static ReportBatchCompleted AllDone(AssignBatch batch, string worker = "w1") =>
        new(batch.BatchId, worker, [new PartSegment("w1.part", "SUBMISSION", 0, 10)],
            batch.Files.Select(f => new FileStamp(f.FileKey, TestFiles.Version.Size, TestFiles.Version.ModifiedUtcTicks)).ToImmutableArray(), []);

    static ReportBatchCompleted AllFailed(AssignBatch batch, string worker = "w1") =>
        new(batch.BatchId, worker, [], [], batch.Files.Select(f => new FileFailure(f.FileKey, FailureKind.IoError, "disk said no")).ToImmutableArray());

    /// <summary>A rerun's start: the files the journal knows are checked, and come back in these versions (by listing index).</summary>
    static Decision BeginChecked(CoordinatorState state, IReadOnlyList<InputFile> files, Func<int, FileVersion> versionOf, long sequenceNr = 0, MergeStamp? previous = null)
    {
        var check = Assert.IsType<CheckVersions>(Begin(state, files, sequenceNr, previous).Effect<CheckVersions>());
        return state.Decide(new VersionsChecked([.. check.Files], [.. check.Files.Select(versionOf)]), Now);
    }

    static WorkerRef Worker(string id, string node = "node-a", string nodeName = "a") => new(id, id, node, nodeName);

    static IWorkMessage Ask(CoordinatorState state, string worker = "w1", int max = 10, long requestId = 0, string node = "node-a", string nodeName = "a") =>
        Assert.Single(state.Decide(new HandOutWork(Worker(worker, node, nodeName), max, requestId), Now).Replies).Message;

    static AssignBatch Take(CoordinatorState state, string worker = "w1", int max = 10) => Assert.IsType<AssignBatch>(Ask(state, worker, max));

    static Decision Settle(CoordinatorState state, AssignBatch batch, string worker = "w1") => state.Decide(new SettleBatch(worker, AllDone(batch, worker)), Now);

    /// <summary>What the actor does once a decision's events are durable: applies them, and reports the write.</summary>
    static Decision Written(CoordinatorState state, Decision decision)
    {
        Assert.NotEmpty(decision.Events);
        foreach (var e in decision.Events) state.Apply(e);
        return state.Decide(new EventsWritten(decision.WriteId), Now);
    }

    /// <summary>A batch settled and its events written: the decision after the write.</summary>
    static Decision Complete(CoordinatorState state, AssignBatch batch, string worker = "w1") => Written(state, Settle(state, batch, worker));

    static Decision SnapshotSaved(CoordinatorState state) => state.Decide(new SnapshotSettled(null), Now);

    [Fact]
    public void Begin_queues_new_files_unchecked_and_checked_files_only_if_their_version_changed()
    {
        var files = TestFiles.Many(5);
        var rerun = new CoordinatorState(Settings());
        rerun.Apply(new FilesCompleted(1, [], files.Take(3).Select(Stamp).ToImmutableArray(), Now)); // as recovery replays it
        var begun = Begin(rerun, files);
        Assert.Equal("Progress:on LeaseCheck:on CheckVersions", Steps(begun));
        Assert.Contains("5 files listed, 2 new to process, 3 finished by earlier runs", Assert.Single(Logs(begun, LogLevel.InfoLevel)));
        Assert.Equal(RunPhase.Running, rerun.Phase);
        Assert.Equal(2, rerun.Pending); // the two the journal never saw, handed out before any check comes back
        Assert.Equal([0, 1, 2], begun.Effect<CheckVersions>()!.Files);

        // File 1 changed since (new size): it is due again; the other two are skipped.
        Assert.Equal("", Steps(rerun.Decide(new VersionsChecked([1, 0], [TestFiles.Version, TestFiles.Version with { Size = 101 }]), Now)));
        Assert.Equal(1, rerun.Unchecked);
        Assert.Equal(RunPhase.Running, rerun.Phase);
        var last = rerun.Decide(new VersionsChecked([2], [TestFiles.Version]), Now);
        Assert.Contains("2 already done by earlier runs (skipped), 1 changed or gone (to process)", Assert.Single(Logs(last, LogLevel.InfoLevel)));
        Assert.Equal(2, rerun.AlreadyDone);
        Assert.Equal(3, rerun.Progress!.Total);
        Assert.Equal(3, rerun.Pending);
    }

    [Fact]
    public void A_rerun_does_not_finish_before_every_check_is_back()
    {
        var files = TestFiles.Many(2);
        var rerun = new CoordinatorState(Settings());
        rerun.Apply(new FilesCompleted(1, [], files.Select(Stamp).ToImmutableArray(), Now));
        Begin(rerun, files);
        Assert.IsType<NoWorkYet>(Ask(rerun));
        Assert.Equal("", Steps(rerun.Decide(new VersionsChecked([0], [TestFiles.Version]), Now)));
        Assert.Equal(RunPhase.Running, rerun.Phase);
        // A file gone since is due again (its worker writes the missing_file row).
        rerun.Decide(new VersionsChecked([1], [FileVersion.Missing]), Now);
        Assert.Equal(1, rerun.Pending);
        Assert.Equal($"{Finishing} TakeSnapshot", Steps(Complete(rerun, Take(rerun))));
    }

    [Fact]
    public void A_run_with_nothing_to_do_finishes_at_once_with_a_final_snapshot()
    {
        var state = new CoordinatorState(Settings(), needsNodes: true);
        Assert.Equal($"Progress:on LeaseCheck:on {Finishing} TakeSnapshot", Steps(Begin(state, [])));
        Assert.Equal(RunPhase.Finishing, state.Phase);
        Assert.False(state.NoNodeConnected); // no node needed
    }

    [Fact]
    public void Workers_get_no_work_before_the_input_and_are_told_the_run_is_finished_after_it()
    {
        var files = TestFiles.Many(2);
        var state = new CoordinatorState(Settings());
        Assert.IsType<NoWorkYet>(Ask(state));

        Begin(state, files);
        var batch = Take(state);
        Assert.IsType<NoWorkYet>(Ask(state)); // the rest is in flight

        Assert.Equal($"{Finishing} TakeSnapshot", Steps(Complete(state, batch)));
        Assert.IsType<NoWorkYet>(Ask(state)); // finishing: the merge is not done yet
        var merge = Assert.IsType<MergeTables>(SnapshotSaved(state).Effect<MergeTables>());
        var done = state.Decide(new MergeFinished(Clean, ManifestOf(merge.Stamp, files), null), Now);
        Assert.IsType<RunOutcome.Completed>(done.Effect<EndRun>()!.Outcome);
        Assert.IsType<RunFinished>(Ask(state));
    }

    [Fact]
    public void A_settled_batch_becomes_one_completion_event_numbered_after_the_ledger_and_is_acknowledged_once_durable()
    {
        var state = Started(TestFiles.Many(4));
        var batch = Take(state, max: 4);
        var settled = Settle(state, batch);
        Assert.Empty(settled.Replies); // not durable yet
        var completed = Assert.IsType<FilesCompleted>(Assert.Single(settled.Events));
        Assert.Equal(1, completed.BatchRef);
        Assert.Equal(batch.Files.Select(f => f.FileKey).Order(), completed.Files.Select(f => f.FileKey).Order());
        Assert.Single(completed.Segments);
        var written = Written(state, settled);
        Assert.Equal(new Reply("w1", new BatchAccepted(batch.BatchId)), Assert.Single(written.Replies));
        Assert.Equal(2, state.Ledger.NextBatchRef);
        Assert.Equal(4, state.Progress!.Done);
    }

    /// <summary>
    /// Two workers' batches of two files, both settled before either is journaled: the actor journals without
    /// waiting, so the second report is settled while the first is still being written.
    /// </summary>
    static (CoordinatorState State, AssignBatch[] Batches, Decision[] Settled) TwoSettlementsInFlight()
    {
        var state = Started(TestFiles.Many(4));
        AssignBatch[] batches = [Take(state, max: 2), Take(state, "w2", max: 2)];
        return (state, batches, [Settle(state, batches[0]), Settle(state, batches[1], "w2")]);
    }

    [Fact]
    public void Batches_settled_before_either_is_journaled_get_distinct_batch_numbers_and_writes()
    {
        var (state, batches, settled) = TwoSettlementsInFlight();
        Assert.Equal([1, 2], settled.SelectMany(d => d.Events).OfType<FilesCompleted>().Select(c => c.BatchRef));
        Assert.NotEqual(settled[0].WriteId, settled[1].WriteId);
        foreach (var decision in settled) Written(state, decision);
        Assert.Equal(3, state.Ledger.NextBatchRef);
        Assert.All(batches.SelectMany(b => b.Files), f => Assert.NotNull(state.Ledger.BatchOf(f.FileKey)));
    }

    [Fact]
    public void The_run_finishes_only_once_every_settled_batch_is_journaled()
    {
        var (state, _, settled) = TwoSettlementsInFlight(); // nothing is pending or in flight any more
        // The first write is durable, the second is not: no final snapshot and no merge yet, or they would miss it.
        Assert.Equal("", Steps(Written(state, settled[0])));
        Assert.Equal(RunPhase.Running, state.Phase);
        Assert.Equal($"{Finishing} TakeSnapshot", Steps(Written(state, settled[1])));
        Assert.Equal(4, state.Ledger.FileCount);
    }

    [Fact]
    public void A_repeated_report_journals_nothing_and_is_acknowledged_only_once_the_first_is_durable()
    {
        var state = Started(TestFiles.Many(3));
        var batch = Take(state);
        var first = Settle(state, batch);
        var repeat = Settle(state, batch, "w1-again");
        Assert.Empty(repeat.Events);
        Assert.Empty(repeat.Replies); // the first copy's events are still being written
        Assert.Equal(["w1", "w1-again"], Written(state, first).Replies.Select(r => r.WorkerId));

        var late = Settle(state, batch);
        Assert.Empty(late.Events);
        Assert.Equal(new Reply("w1", new BatchAccepted(batch.BatchId)), Assert.Single(late.Replies)); // durable long since
        Assert.Empty(Settle(state, batch with { BatchId = 999 }).Events);
    }

    [Fact]
    public void Failed_files_are_retried_and_quarantined_after_the_last_attempt()
    {
        var state = Started(TestFiles.Many(1), Settings(maxAttempts: 2));
        var first = state.Decide(new SettleBatch("w1", AllFailed(Take(state))), Now);
        Assert.Empty(first.Events); // first failure: back to the queue, nothing to journal
        Assert.IsType<BatchAccepted>(Assert.Single(first.Replies).Message);
        Assert.Contains("(io_error): disk said no", Assert.Single(Logs(first, LogLevel.WarningLevel)));
        var retry = Take(state);
        Assert.Equal(2, Assert.Single(retry.Files).Attempt);
        var last = state.Decide(new SettleBatch("w1", AllFailed(retry)), Now);
        var quarantined = Assert.IsType<FilesQuarantined>(Assert.Single(last.Events));
        Assert.Equal(ErrorKind.RetriesExhausted, Assert.Single(quarantined.Files).Kind);
        Assert.Contains(Logs(last, LogLevel.WarningLevel), l => l.StartsWith("Quarantined 1.txt: gave up after 2 attempts; last failure (io_error)"));
        Assert.Equal($"{Finishing} TakeSnapshot", Steps(Written(state, last)));
        Assert.Equal(1, state.Progress!.Failures);
    }

    [Fact]
    public void A_node_that_leaves_gives_back_what_its_workers_held_and_no_one_elses()
    {
        var state = Started(TestFiles.Many(10), Settings(batchSize: 3));
        var a1 = Assert.IsType<AssignBatch>(Ask(state, "a1", 3, node: "node-a"));
        var a2 = Assert.IsType<AssignBatch>(Ask(state, "a2", 3, node: "node-a"));
        var b1 = Assert.IsType<AssignBatch>(Ask(state, "b1", 3, node: "node-b", nodeName: "b"));
        Assert.Equal(2, state.NodeCount);
        Assert.Equal(1, state.Pending);

        var left = state.Decide(new NodeLeft("node-a", "Down"), Now);
        Assert.Empty(left.Events); // first failure of each: no quarantine
        Assert.Equal(["Node node-a left the cluster (Down)"], Logs(left, LogLevel.InfoLevel));
        Assert.Equal([$"node node-a left the cluster: {a1.Files.Length + a2.Files.Length} files it held go back to the queue"], Logs(left, LogLevel.WarningLevel));
        Assert.Equal(1 + a1.Files.Length + a2.Files.Length, state.Pending);
        Assert.Equal(1, state.WorkerCount);
        Assert.Empty(Settle(state, a1, "a1").Events); // taken back: its late report must not count
        Assert.NotEmpty(Settle(state, b1, "b1").Events);
        Assert.Empty(Logs(state.Decide(new NodeLeft("node-a", "Down"), Now), LogLevel.WarningLevel));
    }

    [Fact]
    public void A_worker_that_stops_on_its_last_attempt_has_its_files_quarantined()
    {
        var state = Started(TestFiles.Many(1), Settings(maxAttempts: 1));
        Take(state, "w1");
        var stopped = state.Decide(new WorkerStopped("w1"), Now);
        var quarantined = Assert.IsType<FilesQuarantined>(Assert.Single(stopped.Events));
        Assert.Contains("(worker_lost): worker w1 stopped", Assert.Single(quarantined.Files).Reason);
    }

    [Fact]
    public void A_snapshot_is_due_every_configured_number_of_files_and_never_two_at_once()
    {
        var state = Started(TestFiles.Many(20), Settings(snapshotEvery: 4, batchSize: 2));
        Assert.Equal("", Steps(Complete(state, Take(state, max: 2))));
        var due = Complete(state, Take(state, max: 2));
        var snapshot = Assert.IsType<TakeSnapshot>(Assert.Single(due.Effects)).Snapshot;
        Assert.Equal(CoordinatorSnapshot.CurrentVersion, snapshot.Version);
        Assert.Equal(4, RunLedger.FromBytes(snapshot.Ledger).FileCount);

        // Four more files while the first snapshot is still being saved: no second one yet.
        Complete(state, Take(state, max: 2));
        Assert.Equal("", Steps(Complete(state, Take(state, max: 2))));
        Assert.Equal("", Steps(SnapshotSaved(state)));
        Assert.Equal("TakeSnapshot", Steps(Complete(state, Take(state, max: 2))));
    }

    [Fact]
    public void Replayed_events_count_towards_the_next_snapshot()
    {
        var files = TestFiles.Many(6);
        var state = new CoordinatorState(Settings(snapshotEvery: 5));
        state.Apply(new FilesCompleted(1, [], files.Take(5).Select(Stamp).ToImmutableArray(), Now));
        // A crash before the snapshot: the rerun snapshots at once so the next recovery does not replay them again.
        Assert.Equal("Progress:on LeaseCheck:on CheckVersions TakeSnapshot", Steps(Begin(state, files)));
    }

    [Fact]
    public void The_merge_starts_on_the_final_ledger_once_the_final_snapshot_is_settled_even_if_it_failed()
    {
        var state = Started(TestFiles.Many(1));
        Assert.Equal($"{Finishing} TakeSnapshot", Steps(Complete(state, Take(state))));
        var failed = state.Decide(new SnapshotSettled("disk full"), Now);
        Assert.Contains("Snapshot failed (disk full)", Assert.Single(Logs(failed, LogLevel.WarningLevel)));
        var merge = Assert.IsType<MergeTables>(Assert.Single(failed.Effects, e => e is not Log));
        Assert.Equal((1, 0, 1), (merge.Ledger.FileCount, merge.AlreadyDone, merge.Processed));
        Assert.Equal(new MergeStamp(1, merge.Input.Fingerprint(state.Ledger.VersionOf), "csv"), merge.Stamp); // one event journaled by this run
    }

    [Fact]
    public void A_snapshot_in_flight_when_the_last_batch_lands_is_the_one_the_merge_waits_for()
    {
        var state = Started(TestFiles.Many(4), Settings(snapshotEvery: 2, batchSize: 2));
        Assert.Equal("TakeSnapshot", Steps(Complete(state, Take(state, max: 2))));
        Assert.Equal(Finishing, Steps(Complete(state, Take(state, max: 2))));
        Assert.Equal("MergeTables", Steps(SnapshotSaved(state)));
    }

    [Fact]
    public void Unchanged_results_are_kept_only_when_nothing_was_journaled_the_stamps_match_and_the_tables_are_intact()
    {
        var files = TestFiles.Many(2);
        CoordinatorState Recovered()
        {
            var state = new CoordinatorState(Settings());
            state.Apply(new FilesCompleted(1, [], files.Select(Stamp).ToImmutableArray(), Now));
            return state;
        }
        // What the finished run recorded: its journal position and its listing with the versions it journaled.
        var finished = Recovered();
        Begin(finished, files, 7);
        var merged = finished.CurrentStamp();
        FileVersion Same(int _) => TestFiles.Version;

        // Same stamps: the tables are checked against their manifest, kept if intact, merged again if not.
        var intact = Recovered();
        Assert.Equal($"{Finishing} VerifyResults", Steps(BeginChecked(intact, files, Same, 7, merged)));
        var kept = intact.Decide(new ResultsChecked(null), Now);
        Assert.Equal("Progress:off EndRun", Steps(kept));
        Assert.Contains("kept as they are", Assert.Single(Logs(kept, LogLevel.InfoLevel), l => !l.StartsWith("Progress")));
        var damaged = Recovered();
        BeginChecked(damaged, files, Same, 7, merged);
        var remerge = damaged.Decide(new ResultsChecked("SUBMISSION.csv is cut short"), Now);
        Assert.Equal("TakeSnapshot", Steps(remerge));
        Assert.Contains("SUBMISSION.csv is cut short", Assert.Single(Logs(remerge, LogLevel.WarningLevel)));
        Assert.Equal("MergeTables", Steps(SnapshotSaved(damaged)));
        Assert.Equal($"{Finishing} TakeSnapshot", Steps(BeginChecked(Recovered(), files, Same, 7, merged with { JournalSequenceNr = 6 })));
        Assert.Equal($"{Finishing} TakeSnapshot", Steps(BeginChecked(Recovered(), files, Same, 7, merged with { InputFingerprint = "ABD" })));
        Assert.Equal($"{Finishing} TakeSnapshot", Steps(BeginChecked(Recovered(), files, Same, 7, previous: null)));
        // The same files listed in another order: another fingerprint.
        var reordered = Recovered();
        Begin(reordered, files.Reverse().ToList(), 7);
        Assert.NotEqual(merged, reordered.CurrentStamp());

        // Same stamps, but a file changed since: it is processed, journaled, and the tables are merged again.
        var state = Recovered();
        Assert.Equal("", Steps(BeginChecked(state, files, i => i == 0 ? TestFiles.Version with { Size = 5 } : TestFiles.Version, 7, merged)));
        Assert.Equal($"{Finishing} TakeSnapshot", Steps(Complete(state, Take(state))));
    }

    [Fact]
    public void Stop_ends_a_running_run_once_with_its_status_written_first_and_never_a_finished_one()
    {
        var state = Started(TestFiles.Many(1));
        var stop = state.Decide(new StopRun("SIGTERM"), Now);
        Assert.Equal("Progress:off WriteStatus EndRun", string.Join(" ", stop.Effects.Where(e => e is not Log)
            .Select(e => e is SetTimer t ? $"{t.Timer}:{(t.On ? "on" : "off")}" : e.GetType().Name)));
        Assert.True(stop.Effect<WriteStatus>()!.Final);
        Assert.Equal(new RunOutcome.Stopped("SIGTERM", 0, 1), stop.Effect<EndRun>()!.Outcome);
        Assert.Same(Decision.None, state.Decide(new StopRun("SIGTERM"), Now));
        Assert.IsType<NoWorkYet>(Ask(state));

        var finished = new CoordinatorState(Settings());
        Begin(finished, []);
        SnapshotSaved(finished);
        finished.Decide(new MergeFinished(Clean, ManifestOf(finished.CurrentStamp(), []), null), Now);
        Assert.Equal(RunPhase.Finished, finished.Phase);
        Assert.Same(Decision.None, finished.Decide(new StopRun("SIGTERM"), Now));
    }

    [Fact]
    public void The_node_deadline_is_armed_whenever_no_worker_is_connected_and_says_whether_one_ever_was()
    {
        var state = new CoordinatorState(Settings(), needsNodes: true);
        Assert.Equal("Progress:on LeaseCheck:on NodeDeadline:on", Steps(Begin(state, TestFiles.Many(3))));
        var none = state.Decide(EnforceNodeDeadline.Instance, Now);
        Assert.Contains("no node joined within 180 s", Assert.IsType<RunOutcome.Failed>(none.Effect<EndRun>()!.Outcome).Reason);

        var later = new CoordinatorState(Settings(), needsNodes: true);
        Begin(later, TestFiles.Many(3));
        Take(later);
        Assert.Empty(later.Decide(EnforceNodeDeadline.Instance, Now).Effects); // a node came: the deadline passes quietly
        Assert.Equal("NodeDeadline:on", Steps(later.Decide(new WorkerStopped("w1"), Now)));
        Assert.Equal("", Steps(later.Decide(new NodeLeft("node-b", "Down"), Now))); // armed already
        var gone = later.Decide(EnforceNodeDeadline.Instance, Now);
        Assert.Contains("every node left and none came back within 180 s", Assert.IsType<RunOutcome.Failed>(gone.Effect<EndRun>()!.Outcome).Reason);

        var embedded = Started(TestFiles.Many(3)); // in-process workers: no deadline
        Take(embedded);
        Assert.Equal("", Steps(embedded.Decide(new WorkerStopped("w1"), Now)));
    }

    [Fact]
    public void Progress_counts_nodes_by_address_and_names_each_node_once()
    {
        var state = Started(TestFiles.Many(3));
        Assert.Equal(2, state.Decide(new HandOutWork(new WorkerRef("a1", "host-a-w1", "node-a", "host-a:1"), 1, 0), Now).Effects.Count);
        Assert.Equal("WatchWorker", Steps(state.Decide(new HandOutWork(new WorkerRef("a2", "host-a-w2", "node-a", "host-a:1"), 1, 0), Now)));
        Assert.Empty(state.Decide(new HandOutWork(new WorkerRef("a2", "host-a-w2", "node-a", "host-a:1"), 1, 0), Now).Effects);
        var b1 = state.Decide(new HandOutWork(new WorkerRef("b1", "host-b-w1", "node-b", "host-b:2"), 1, 0), Now);
        Assert.Equal(["Node host-b:2 asked for work (host-b-w1)"], Logs(b1, LogLevel.InfoLevel));
        var report = state.Report(Now.AddSeconds(1));
        Assert.Equal("running", report.Phase);
        Assert.Equal((2, 3, 3, 0), (report.NodesUp, report.Workers, report.Total, report.Done));
        Assert.Equal(["host-a:1", "host-b:2"], state.NodeNames.Order());
        var progress = state.Decide(ReportProgress.Instance, Now.AddSeconds(2));
        Assert.StartsWith("Progress running: 0/3 files (0.0%)", Assert.Single(Logs(progress, LogLevel.InfoLevel)));
        Assert.False(progress.Effect<WriteStatus>()!.Final);
    }

    [Fact]
    public void A_snapshot_of_another_format_version_is_refused_on_recovery()
    {
        var state = new CoordinatorState(Settings());
        var error = Assert.Throws<InvalidDataException>(() => state.Restore(new CoordinatorSnapshot(CoordinatorSnapshot.CurrentVersion + 1, [])));
        Assert.Contains("another version of Form3Actors", error.Message);
    }

    [Fact]
    public void A_repeated_request_gets_the_batch_it_already_got_and_a_new_request_a_new_batch()
    {
        var state = Started(TestFiles.Many(30));
        var first = Assert.IsType<AssignBatch>(Ask(state, requestId: 1));
        Assert.Same(first, Ask(state, requestId: 1));
        var second = Assert.IsType<AssignBatch>(Ask(state, requestId: 2));
        Assert.NotEqual(first.BatchId, second.BatchId);
        Complete(state, second);
        // Its batch settled, a stale repeat of request 2 is a new request (the worker drops an assignment it already had).
        Assert.NotEqual(second.BatchId, Assert.IsType<AssignBatch>(Ask(state, requestId: 2)).BatchId);
    }

    /// <summary>How many files a lease check at <paramref name="at"/> sent back to the queue.</summary>
    static int Expired(CoordinatorState state, DateTimeOffset at)
    {
        var pending = state.Pending;
        state.Decide(ExpireLeases.Instance, at);
        return state.Pending - pending;
    }

    [Fact]
    public void Leases_expire_while_the_coordinator_runs_but_not_across_a_pause_of_the_coordinator_itself()
    {
        var state = Started(TestFiles.Many(20));
        Take(state);
        // Checked on time: the lease runs out after a minute without renewal.
        for (var t = LeaseCheck; t < Lease; t += LeaseCheck) Assert.Equal(0, Expired(state, Now + t));
        Assert.Equal(10, Expired(state, Now + Lease));

        // A renewed lease holds; a coordinator frozen for two minutes extends every lease instead of taking them back.
        var paused = Started(TestFiles.Many(20));
        var held = Take(paused);
        for (var t = TimeSpan.Zero; t <= TimeSpan.FromSeconds(35); t += LeaseCheck)
        {
            if (t == TimeSpan.FromSeconds(30)) paused.Decide(new RenewWorkerLeases("w1", [held.BatchId]), Now + t);
            Assert.Equal(0, Expired(paused, Now + t));
        }
        Assert.Equal(0, Expired(paused, Now + TimeSpan.FromMinutes(3))); // woke up after a pause
        var woke = Now + TimeSpan.FromMinutes(3);
        for (var t = LeaseCheck; t < TimeSpan.FromSeconds(50); t += LeaseCheck) Assert.Equal(0, Expired(paused, woke + t));
        // Renewed at 30 s, checked last at 35 s: a lease's time without renewal, not counting the pause, ends at 55 s after waking.
        Assert.Equal(10, Expired(paused, woke + TimeSpan.FromSeconds(55)));
    }

    [Fact]
    public void Damaged_segments_found_by_the_merge_send_their_files_back_to_work_then_the_merge_runs_again()
    {
        var files = TestFiles.Many(20);
        var state = Started(files);
        var first = Take(state);
        Complete(state, first);
        Assert.Equal($"{Finishing} TakeSnapshot", Steps(Complete(state, Take(state))));
        Assert.Equal("MergeTables", Steps(SnapshotSaved(state)));

        var damagedRef = state.Ledger.BatchOf(first.Files[0].FileKey)!.Value;
        var found = state.Decide(new MergeFinished(MergeResult.Damaged(new Dictionary<int, string> { [damagedRef] = "part file w1.part is missing" }), null, null), Now);
        Assert.Equal("LeaseCheck:on", Steps(found));
        Assert.Equal([damagedRef], Assert.IsType<BatchesLost>(Assert.Single(found.Events)).BatchRefs.ToArray());
        Assert.Equal(RunPhase.Running, state.Phase);
        var written = Written(state, found);
        Assert.Equal("", Steps(written));
        Assert.Equal(["10 files to extract again"], Logs(written, LogLevel.InfoLevel));
        Assert.Equal(10, state.Pending);
        Assert.Equal(30, state.Progress!.Total);

        var redo = Take(state);
        Assert.Equal(first.Files.Select(f => f.FileKey).Order(), redo.Files.Select(f => f.FileKey).Order());
        Assert.Equal($"{Finishing} TakeSnapshot", Steps(Complete(state, redo)));
    }

    [Fact]
    public void A_manifest_that_could_not_be_written_fails_the_run_and_a_background_failure_says_which_task()
    {
        var state = Started(TestFiles.Many(1));
        Complete(state, Take(state));
        SnapshotSaved(state);
        var unwritten = state.Decide(new MergeFinished(Clean, null, "No space left on device"), Now);
        Assert.Contains("manifest.json could not be written (No space left on device)", Assert.IsType<RunOutcome.Failed>(unwritten.Effect<EndRun>()!.Outcome).Reason);

        var checking = Started(TestFiles.Many(1));
        var failed = checking.Decide(new TaskFailed(new IOException("stale file handle")), Now);
        Assert.Equal("checking the input's files for changes failed: stale file handle", Assert.IsType<RunOutcome.Failed>(failed.Effect<EndRun>()!.Outcome).Reason);
    }
}
