using System.Collections.Immutable;
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

    static FileStamp Stamp(InputFile f) => TestFiles.Stamp(f);

    static InputListing Listing(IReadOnlyList<InputFile> files) => new("test", files, 0, 0, 0);

    static CoordinatorState Started(IReadOnlyList<InputFile> files, CoordinatorSettings? settings = null)
    {
        var state = new CoordinatorState(settings ?? Settings());
        state.Start(Listing(files), Now);
        return state;
    }

    static ReportBatchCompleted AllDone(AssignBatch batch, string worker = "w1") =>
        new(batch.BatchId, worker, [new PartSegment("w1.part", "SUBMISSION", 0, 10)],
            batch.Files.Select(f => new FileStamp(f.FileKey, TestFiles.Version.Size, TestFiles.Version.ModifiedUtcTicks)).ToImmutableArray(), []);

    /// <summary>A rerun's start: the files the journal knows are checked, and come back in these versions (by listing index).</summary>
    static NextSteps StartChecked(CoordinatorState state, IReadOnlyList<InputFile> files, Func<int, FileVersion> versionOf, long sequenceNr = 0, MergeStamp? previous = null)
    {
        Assert.True(state.Start(Listing(files), Now, sequenceNr, previous).HasFlag(NextSteps.CheckVersions));
        var toCheck = state.TakeFilesToCheck().ToArray();
        return state.VersionsChecked(new VersionsChecked(toCheck, toCheck.Select(versionOf).ToArray())).Steps;
    }

    static ReportBatchCompleted AllFailed(AssignBatch batch, string worker = "w1") =>
        new(batch.BatchId, worker, [], [], batch.Files.Select(f => new FileFailure(f.FileKey, "io_error", "disk said no")).ToImmutableArray());

    /// <summary>What the actor does with a settlement: applies the events (as if journaled) and asks what next.</summary>
    static NextSteps Journal(CoordinatorState state, IReadOnlyList<ICoordinatorEvent> events)
    {
        foreach (var e in events) state.Apply(e);
        return events.Count > 0 ? state.Journaled() : state.AfterChange();
    }

    static AssignBatch Take(CoordinatorState state, string worker = "w1", int max = 10)
    {
        state.WorkerSeen(worker, "node-a", "a");
        return Assert.IsType<AssignBatch>(state.HandOut(worker, max, Now));
    }

    [Fact]
    public void Start_queues_new_files_unchecked_and_checked_files_only_if_their_version_changed()
    {
        var files = TestFiles.Many(5);
        var rerun = new CoordinatorState(Settings());
        rerun.Apply(new FilesCompleted(1, [], files.Take(3).Select(Stamp).ToImmutableArray(), Now)); // as recovery replays it
        Assert.Equal(NextSteps.CheckVersions, rerun.Start(Listing(files), Now));
        Assert.Equal(RunPhase.Running, rerun.Phase);
        Assert.Equal(2, rerun.Pending); // the two the journal never saw, handed out before any check comes back
        Assert.Equal([0, 1, 2], rerun.TakeFilesToCheck());
        Assert.Empty(rerun.TakeFilesToCheck());

        // File 1 changed since (new size): it is due again; the other two are skipped.
        var (changed, steps) = rerun.VersionsChecked(new VersionsChecked([1, 0], [TestFiles.Version, TestFiles.Version with { Size = 101 }]));
        Assert.Equal((1, NextSteps.None), (changed, steps));
        Assert.Equal(1, rerun.Unchecked);
        Assert.Equal(RunPhase.Running, rerun.Phase);
        rerun.VersionsChecked(new VersionsChecked([2], [TestFiles.Version]));
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
        Assert.Equal(NextSteps.CheckVersions, rerun.Start(Listing(files), Now));
        rerun.WorkerSeen("w1", "node-a", "a");
        Assert.IsType<NoWorkYet>(rerun.HandOut("w1", 10, Now));
        Assert.Equal(NextSteps.None, rerun.VersionsChecked(new VersionsChecked([0], [TestFiles.Version])).Steps);
        Assert.Equal(RunPhase.Running, rerun.Phase);
        // A file gone since is due again (its worker writes the missing_file row).
        Assert.Equal((1, NextSteps.None), rerun.VersionsChecked(new VersionsChecked([1], [FileVersion.Missing])));
        var batch = Assert.IsType<AssignBatch>(rerun.HandOut("w1", 10, Now));
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, Journal(rerun, rerun.Settle(AllDone(batch), Now)!));
    }

    [Fact]
    public void A_run_with_nothing_to_do_finishes_at_once_with_a_final_snapshot()
    {
        var state = new CoordinatorState(Settings());
        var steps = state.Start(Listing([]), Now);
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, steps);
        Assert.Equal(RunPhase.Finishing, state.Phase);
        Assert.False(state.NoNodeConnected); // no node needed
    }

    [Fact]
    public void Workers_get_no_work_before_the_input_and_are_told_the_run_is_finished_after_it()
    {
        var state = new CoordinatorState(Settings());
        state.WorkerSeen("w1", "node-a", "a");
        Assert.IsType<NoWorkYet>(state.HandOut("w1", 10, Now));

        state.Start(Listing(TestFiles.Many(2)), Now);
        var batch = Assert.IsType<AssignBatch>(state.HandOut("w1", 10, Now));
        Assert.IsType<NoWorkYet>(state.HandOut("w1", 10, Now)); // the rest is in flight

        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, Journal(state, state.Settle(AllDone(batch), Now)!));
        Assert.IsType<NoWorkYet>(state.HandOut("w1", 10, Now)); // finishing: the merge is not done yet
        state.Finished();
        Assert.IsType<RunFinished>(state.HandOut("w1", 10, Now));
    }

    [Fact]
    public void A_settled_batch_becomes_one_completion_event_numbered_after_the_ledger()
    {
        var state = Started(TestFiles.Many(4));
        var batch = Take(state, max: 4);
        var events = state.Settle(AllDone(batch), Now)!;
        var completed = Assert.IsType<FilesCompleted>(Assert.Single(events));
        Assert.Equal(1, completed.BatchRef);
        Assert.Equal(batch.Files.Select(f => f.FileKey).Order(), completed.Files.Select(f => f.FileKey).Order());
        Assert.Single(completed.Segments);
        Journal(state, events);
        Assert.Equal(2, state.Ledger.NextBatchRef);
        Assert.Equal(4, state.Progress!.Done);
    }

    /// <summary>
    /// Two workers' batches of two files, both settled before either is journaled: the actor journals without
    /// waiting, so the second report is settled while the first is still being written.
    /// </summary>
    static (CoordinatorState State, AssignBatch[] Batches, IReadOnlyList<ICoordinatorEvent>[] Events) TwoSettlementsInFlight()
    {
        var state = Started(TestFiles.Many(4));
        AssignBatch[] batches = [Take(state, max: 2), Take(state, "w2", max: 2)];
        return (state, batches, [state.Settle(AllDone(batches[0]), Now)!, state.Settle(AllDone(batches[1], "w2"), Now)!]);
    }

    [Fact]
    public void Batches_settled_before_either_is_journaled_get_distinct_batch_numbers()
    {
        var (state, batches, events) = TwoSettlementsInFlight();
        Assert.Equal([1, 2], events.SelectMany(e => e).OfType<FilesCompleted>().Select(c => c.BatchRef));
        foreach (var written in events) Journal(state, written);
        Assert.Equal(3, state.Ledger.NextBatchRef);
        Assert.All(batches.SelectMany(b => b.Files), f => Assert.NotNull(state.Ledger.BatchOf(FileKeys.Parse(f.FileKey))));
    }

    [Fact]
    public void The_run_finishes_only_once_every_settled_batch_is_journaled()
    {
        var (state, _, events) = TwoSettlementsInFlight(); // nothing is pending or in flight any more
        // The first write is durable, the second is not: no final snapshot and no merge yet, or they would miss it.
        Assert.Equal(NextSteps.None, Journal(state, events[0]));
        Assert.Equal(RunPhase.Running, state.Phase);
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, Journal(state, events[1]));
        Assert.Equal(4, state.Ledger.FileCount);
    }

    [Fact]
    public void A_report_for_a_batch_no_longer_in_flight_journals_nothing()
    {
        var state = Started(TestFiles.Many(3));
        var batch = Take(state);
        Journal(state, state.Settle(AllDone(batch), Now)!);
        Assert.Null(state.Settle(AllDone(batch), Now)); // a resent report
        Assert.Null(state.Settle(AllDone(batch with { BatchId = 999 }), Now));
    }

    [Fact]
    public void Failed_files_are_retried_and_quarantined_after_the_last_attempt()
    {
        var state = Started(TestFiles.Many(1), Settings(maxAttempts: 2));
        Assert.Empty(state.Settle(AllFailed(Take(state)), Now)!); // first failure: back to the queue, nothing to journal
        var retry = Take(state);
        Assert.Equal(2, Assert.Single(retry.Files).Attempt);
        var quarantined = Assert.IsType<FilesQuarantined>(Assert.Single(state.Settle(AllFailed(retry), Now)!));
        Assert.Equal(ErrorKind.RetriesExhausted, Assert.Single(quarantined.Files).Kind);
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, Journal(state, [quarantined]));
        Assert.Equal(1, state.Progress!.Failures);
    }

    [Fact]
    public void A_node_that_leaves_gives_back_what_its_workers_held_and_no_one_elses()
    {
        var state = Started(TestFiles.Many(10), Settings(batchSize: 3));
        state.WorkerSeen("a1", "node-a", "a");
        state.WorkerSeen("a2", "node-a", "a");
        state.WorkerSeen("b1", "node-b", "b");
        Assert.Equal(2, state.NodeCount);
        var a1 = Assert.IsType<AssignBatch>(state.HandOut("a1", 3, Now));
        var a2 = Assert.IsType<AssignBatch>(state.HandOut("a2", 3, Now));
        var b1 = Assert.IsType<AssignBatch>(state.HandOut("b1", 3, Now));
        Assert.Equal(1, state.Pending);

        var released = state.NodeLost("node-a", "node a left", Now);
        Assert.Equal(a1.Files.Length + a2.Files.Length, released.Files);
        Assert.Empty(released.Events); // first failure of each: no quarantine
        Assert.Equal(1 + released.Files, state.Pending);
        Assert.Equal(1, state.WorkerCount);
        Assert.Null(state.Settle(AllDone(a1, "a1"), Now)); // taken back: its late report must not count
        Assert.NotNull(state.Settle(AllDone(b1, "b1"), Now));
        Assert.Equal(0, state.NodeLost("node-a", "again", Now).Files);
    }

    [Fact]
    public void A_worker_that_stops_on_its_last_attempt_has_its_files_quarantined()
    {
        var state = Started(TestFiles.Many(1), Settings(maxAttempts: 1));
        Take(state, "w1");
        var released = state.WorkerLost("w1", "worker stopped", Now);
        Assert.Equal(1, released.Files);
        var quarantined = Assert.IsType<FilesQuarantined>(Assert.Single(released.Events));
        Assert.Contains("worker stopped", Assert.Single(quarantined.Files).Reason);
    }

    [Fact]
    public void A_snapshot_is_due_every_configured_number_of_files_and_never_two_at_once()
    {
        var state = Started(TestFiles.Many(20), Settings(snapshotEvery: 4, batchSize: 2));
        var first = Take(state, max: 2);
        Assert.Equal(NextSteps.None, Journal(state, state.Settle(AllDone(first), Now)!));
        var second = Take(state, max: 2);
        Assert.Equal(NextSteps.SaveSnapshot, Journal(state, state.Settle(AllDone(second), Now)!));
        var snapshot = state.TakeSnapshot();
        Assert.Equal(CoordinatorSnapshot.CurrentVersion, snapshot.Version);
        Assert.Equal(4, RunLedger.FromBytes(snapshot.Ledger).FileCount);

        // Four more files while the first snapshot is still being saved: no second one yet.
        Journal(state, state.Settle(AllDone(Take(state, max: 2)), Now)!);
        Assert.Equal(NextSteps.None, Journal(state, state.Settle(AllDone(Take(state, max: 2)), Now)!));
        Assert.Equal(NextSteps.None, state.SnapshotSettled());
        Assert.Equal(NextSteps.SaveSnapshot, Journal(state, state.Settle(AllDone(Take(state, max: 2)), Now)!));
    }

    [Fact]
    public void Replayed_events_count_towards_the_next_snapshot()
    {
        var files = TestFiles.Many(6);
        var state = new CoordinatorState(Settings(snapshotEvery: 5));
        state.Apply(new FilesCompleted(1, [], files.Take(5).Select(Stamp).ToImmutableArray(), Now));
        // A crash before the snapshot: the rerun snapshots at once so the next recovery does not replay them again.
        Assert.Equal(NextSteps.SaveSnapshot | NextSteps.CheckVersions, state.Start(Listing(files), Now));
    }

    [Fact]
    public void The_merge_starts_once_the_final_snapshot_is_settled_even_if_it_failed()
    {
        var state = Started(TestFiles.Many(1));
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, Journal(state, state.Settle(AllDone(Take(state)), Now)!));
        state.TakeSnapshot();
        Assert.Equal(NextSteps.StartMerge, state.SnapshotSettled());
    }

    [Fact]
    public void A_snapshot_in_flight_when_the_last_batch_lands_is_the_one_the_merge_waits_for()
    {
        var state = Started(TestFiles.Many(4), Settings(snapshotEvery: 2, batchSize: 2));
        Assert.Equal(NextSteps.SaveSnapshot, Journal(state, state.Settle(AllDone(Take(state, max: 2)), Now)!));
        state.TakeSnapshot();
        Assert.Equal(NextSteps.EnterFinishing, Journal(state, state.Settle(AllDone(Take(state, max: 2)), Now)!));
        Assert.Equal(NextSteps.StartMerge, state.SnapshotSettled());
    }

    [Fact]
    public void Unchanged_results_are_kept_only_when_nothing_was_journaled_and_the_stamps_match()
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
        finished.Start(Listing(files), Now, 7);
        var merged = finished.CurrentStamp(7);
        FileVersion Same(int _) => TestFiles.Version;

        // Same stamps: the tables are checked against their manifest, kept if intact, merged again if not.
        var intact = Recovered();
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.VerifyResults, StartChecked(intact, files, Same, 7, merged with { }));
        Assert.Equal(NextSteps.KeepResults, intact.ResultsVerified(intact: true));
        var damaged = Recovered();
        StartChecked(damaged, files, Same, 7, merged);
        Assert.Equal(NextSteps.SaveSnapshot, damaged.ResultsVerified(intact: false));
        Assert.Equal(NextSteps.StartMerge, damaged.SnapshotSettled());
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, StartChecked(Recovered(), files, Same, 7, merged with { JournalSequenceNr = 6 }));
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, StartChecked(Recovered(), files, Same, 7, merged with { InputFingerprint = "ABD" }));
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, StartChecked(Recovered(), files, Same, 7, previous: null));
        // The same files listed in another order: another fingerprint.
        var reordered = Recovered();
        reordered.Start(Listing(files.Reverse().ToList()), Now, 7);
        Assert.NotEqual(merged, reordered.CurrentStamp(7));

        // Same stamps, but a file changed since: it is processed, journaled, and the tables are merged again.
        var state = Recovered();
        Assert.Equal(NextSteps.None, StartChecked(state, files, i => i == 0 ? TestFiles.Version with { Size = 5 } : TestFiles.Version, 7, merged));
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, Journal(state, state.Settle(AllDone(Take(state)), Now)!));
    }

    [Fact]
    public void Stop_ends_a_running_run_once_and_never_a_finished_one()
    {
        var state = Started(TestFiles.Many(1));
        Assert.True(state.Stop());
        Assert.False(state.Stop());
        Assert.IsType<NoWorkYet>(state.HandOut("w1", 10, Now));

        var finished = new CoordinatorState(Settings());
        finished.Start(Listing([]), Now);
        finished.Finished();
        Assert.False(finished.Stop());
        Assert.Equal(RunPhase.Finished, finished.Phase);
    }

    [Fact]
    public void The_node_deadline_applies_whenever_no_worker_is_connected_and_says_whether_one_ever_was()
    {
        var state = Started(TestFiles.Many(3));
        Assert.True(state.NoNodeConnected);
        Assert.False(state.AnyNodeJoined);
        state.WorkerSeen("w1", "node-a", "a");
        Assert.False(state.NoNodeConnected);
        state.WorkerLost("w1", "gone", Now);
        Assert.True(state.NoNodeConnected);
        Assert.True(state.AnyNodeJoined);
    }

    [Fact]
    public void Progress_counts_nodes_by_address_and_names_each_node_once()
    {
        var state = Started(TestFiles.Many(3));
        Assert.Equal((true, true), state.WorkerSeen("a1", "node-a", "host-a:1"));
        Assert.Equal((true, false), state.WorkerSeen("a2", "node-a", "host-a:1"));
        Assert.Equal((false, false), state.WorkerSeen("a2", "node-a", "host-a:1"));
        Assert.Equal((true, true), state.WorkerSeen("b1", "node-b", "host-b:2"));
        var report = state.Report(Now.AddSeconds(1));
        Assert.Equal("running", report.Phase);
        Assert.Equal((2, 3, 3, 0), (report.NodesUp, report.Workers, report.Total, report.Done));
        Assert.Equal(["host-a:1", "host-b:2"], state.NodeNames.Order());
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
        state.WorkerSeen("w1", "node-a", "a");
        var first = Assert.IsType<AssignBatch>(state.HandOut("w1", 10, Now, requestId: 1));
        Assert.Same(first, state.HandOut("w1", 10, Now, requestId: 1));
        var second = Assert.IsType<AssignBatch>(state.HandOut("w1", 10, Now, requestId: 2));
        Assert.NotEqual(first.BatchId, second.BatchId);
        Journal(state, state.Settle(AllDone(second), Now)!);
        // Its batch settled, a stale repeat of request 2 is a new request (the worker drops an assignment it already had).
        Assert.NotEqual(second.BatchId, Assert.IsType<AssignBatch>(state.HandOut("w1", 10, Now, requestId: 2)).BatchId);
    }

    [Fact]
    public void Leases_expire_while_the_coordinator_runs_but_not_across_a_pause_of_the_coordinator_itself()
    {
        var state = Started(TestFiles.Many(20));
        Take(state);
        // Checked on time: the lease runs out after a minute without renewal.
        for (var t = LeaseCheck; t < Lease; t += LeaseCheck) Assert.Equal(0, state.ExpireLeases(Now + t).Files);
        Assert.Equal(10, state.ExpireLeases(Now + Lease).Files);

        // A renewed lease holds; a coordinator frozen for two minutes extends every lease instead of taking them back.
        var paused = Started(TestFiles.Many(20));
        var held = Take(paused);
        for (var t = TimeSpan.Zero; t <= TimeSpan.FromSeconds(35); t += LeaseCheck)
        {
            if (t == TimeSpan.FromSeconds(30)) Assert.Equal(1, paused.RenewLeases("w1", [held.BatchId], Now + t));
            Assert.Equal(0, paused.ExpireLeases(Now + t).Files);
        }
        Assert.Equal(0, paused.ExpireLeases(Now + TimeSpan.FromMinutes(3)).Files); // woke up after a pause
        var woke = Now + TimeSpan.FromMinutes(3);
        for (var t = LeaseCheck; t < TimeSpan.FromSeconds(50); t += LeaseCheck) Assert.Equal(0, paused.ExpireLeases(woke + t).Files);
        // Renewed at 30 s, checked last at 35 s: a lease's time without renewal, not counting the pause, ends at 55 s after waking.
        Assert.Equal(10, paused.ExpireLeases(woke + TimeSpan.FromSeconds(55)).Files);
    }

    [Fact]
    public void Damaged_segments_found_by_the_merge_send_their_files_back_to_work_then_the_merge_runs_again()
    {
        var files = TestFiles.Many(20);
        var state = Started(files);
        var first = Take(state);
        Journal(state, state.Settle(AllDone(first), Now)!);
        var second = Take(state);
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, Journal(state, state.Settle(AllDone(second), Now)!));
        state.TakeSnapshot();
        Assert.Equal(NextSteps.StartMerge, state.SnapshotSettled());

        var damagedRef = state.Ledger.BatchOf(FileKeys.Parse(first.Files[0].FileKey))!.Value;
        var (events, steps) = state.MergeFoundDamage(new Dictionary<int, string> { [damagedRef] = "part file w1.part is missing" }, Now);
        Assert.Equal(NextSteps.Resume, steps);
        Assert.Equal(RunPhase.Running, state.Phase);
        Assert.Equal(NextSteps.None, Journal(state, events));
        Assert.Equal(10, state.Pending);
        Assert.Equal(30, state.Progress!.Total);

        var redo = Take(state);
        Assert.Equal(first.Files.Select(f => f.FileKey).Order(), redo.Files.Select(f => f.FileKey).Order());
        Assert.Equal(NextSteps.EnterFinishing | NextSteps.SaveSnapshot, Journal(state, state.Settle(AllDone(redo), Now)!));
    }
}
