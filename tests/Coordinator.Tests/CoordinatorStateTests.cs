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
    static readonly DateTimeOffset Wall = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The clocks <paramref name="after"/> the start: the wall clock and the monotonic one move together.</summary>
    static Instant At(TimeSpan after) => new(Wall + after, after);

    static readonly Instant Now = At(TimeSpan.Zero);

    /// <summary>Batches of a fixed size (the smallest is the largest): how they shrink is FileQueueTests' business.</summary>
    static CoordinatorSettings Settings(int batchSize = 10, int maxAttempts = 3, int allMissingStopAfter = 0, CheckpointSettings? checkpoint = null) => new(
        new QueueSettings(batchSize, MinBatchSize: batchSize, maxAttempts, IsolateAfterFailures: 2, BatchLease: Lease),
        ProgressInterval: TimeSpan.FromSeconds(10), RateWindow: TimeSpan.FromSeconds(60), NodeJoinTimeout: TimeSpan.FromSeconds(180), ChecksInFlight: 4,
        CheckDeadline: TimeSpan.FromSeconds(30), LeaseCheckInterval: LeaseCheck, new MissingSettings(allMissingStopAfter, WarnShare: 0.05),
        checkpoint ?? new CheckpointSettings(WhenJournalExceeds: 2, MinFiles: 0, PartFiles: 1000), new LockSettings(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10)),
        TimeSpan.FromSeconds(15), "filepath", ["*.txt"], new ParquetSettings(1000, 1 << 20, ParquetSharp.Compression.Zstd, 1));

    static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    static readonly TimeSpan LeaseCheck = TimeSpan.FromSeconds(5);

    /// <summary>The effects of entering the finishing phase (the node deadline and lease checks end), before a merge or a check of the results.</summary>
    const string Finishing = "NodeDeadline:off LeaseCheck:off";

    static FileStamp Stamp(InputFile f) => TestFiles.Stamp(f);

    static InputListing Listing(IReadOnlyList<InputFile> files) => new("test", files, 0, 0, 0);

    /// <summary>What a decision does besides logging and writing status.json, in order: timers as Name:on/off, other effects by type.</summary>
    static string Steps(Decision decision) => string.Join(" ", decision.Effects
        .Where(e => e is not (Log or WriteStatus))
        .Select(e => e is SetTimer t ? $"{t.Timer}:{(t.On ? "on" : "off")}" : e.GetType().Name));

    static IEnumerable<string> Logs(Decision decision, LogLevel level) => decision.Effects.OfType<Log>().Where(l => l.Level == level).Select(l => l.Text);

    /// <summary>A coordinator of these files whose journal replayed <paramref name="replayed"/>.</summary>
    static CoordinatorState New(IReadOnlyList<InputFile> files, CoordinatorSettings? settings = null, bool needsNodes = false, params ICoordinatorEvent[] replayed)
    {
        var state = new CoordinatorState(settings ?? Settings(), Listing(files), needsNodes);
        foreach (var e in replayed) state.Apply(e);
        return state;
    }

    static FilesCompleted Completed(int batchRef, IEnumerable<InputFile> files) => new(batchRef, [], [.. files.Select(Stamp)], Wall);

    static Decision Begin(CoordinatorState state, long sequenceNr = 0, MergeStamp? previous = null)
    {
        state.Decide(new JournalRecovered(sequenceNr, TimeSpan.Zero), Now);
        return state.Decide(new StartRun(previous is null ? null : ManifestOf(previous, state.Input), ResultOutputs.CsvOnly), Now);
    }

    /// <summary>A merge that found nothing damaged.</summary>
    static readonly MergeResult Clean = MergeResult.Damaged(new Dictionary<int, string>());

    /// <summary>A manifest of tables merged from <paramref name="stamp"/>.</summary>
    static Manifest ManifestOf(MergeStamp stamp, InputListing input) => Manifest.Of(input, 0, input.Count, Clean, Wall, Wall, [], "journal.db", TimeSpan.Zero, stamp);

    static CoordinatorState Started(IReadOnlyList<InputFile> files, CoordinatorSettings? settings = null, bool needsNodes = false)
    {
        var state = New(files, settings, needsNodes);
        Begin(state);
        return state;
    }

    static ReportBatchCompleted AllDone(AssignBatch batch, string worker = "w1", FileVersion? version = null) =>
        new(batch.BatchId, worker, [new PartSegment("w1.part", "SUBMISSION", 0, 10)],
            new CompletedFiles([.. Enumerable.Range(0, batch.Files.Count)], [.. Enumerable.Repeat((version ?? TestFiles.Version).Size, batch.Files.Count)],
                [.. Enumerable.Repeat((version ?? TestFiles.Version).ModifiedUtcTicks, batch.Files.Count)]), []);

    static ReportBatchCompleted AllFailed(AssignBatch batch, string worker = "w1") =>
        new(batch.BatchId, worker, [], CompletedFiles.None, [.. Enumerable.Range(0, batch.Files.Count).Select(p => new FileFailure(p, FailureKind.IoError, "disk said no"))]);

    /// <summary>A rerun's start: the files the journal knows are checked, and come back in these versions (by listing index).</summary>
    static Decision BeginChecked(CoordinatorState state, Func<int, FileVersion> versionOf, long sequenceNr = 0, MergeStamp? previous = null)
    {
        var check = Assert.IsType<CheckVersions>(Begin(state, sequenceNr, previous).Effect<CheckVersions>());
        return state.Decide(new VersionsChecked([.. check.Files], [.. check.Files.Select(versionOf)], []), Now);
    }

    static WorkerRef Worker(string id, string node = "node-a", string nodeName = "a") => new(id, id, node, nodeName);

    static Decision Request(CoordinatorState state, string worker = "w1", int max = 10, long requestId = 1, string node = "node-a", string nodeName = "a", Instant? at = null) =>
        state.Decide(new FromWorker(Worker(worker, node, nodeName), new RequestWork(worker, max, requestId)), at ?? Now);

    static IWorkMessage Ask(CoordinatorState state, string worker = "w1", int max = 10, long requestId = 1, string node = "node-a", string nodeName = "a") =>
        Assert.Single(Request(state, worker, max, requestId, node, nodeName).Replies).Message;

    static AssignBatch Take(CoordinatorState state, string worker = "w1", int max = 10) => Assert.IsType<AssignBatch>(Ask(state, worker, max));

    static Decision Report(CoordinatorState state, ReportBatchCompleted report, string worker = "w1") => state.Decide(new FromWorker(Worker(worker), report), Now);

    static Decision Settle(CoordinatorState state, AssignBatch batch, string worker = "w1") => Report(state, AllDone(batch, worker), worker);

    /// <summary>What the actor does once a decision's events are durable: applies them, and reports the write.</summary>
    static Decision Written(CoordinatorState state, Decision decision)
    {
        Assert.NotEmpty(decision.Events);
        foreach (var e in decision.Events) state.Apply(e);
        return state.Decide(new EventsWritten(decision.WriteId), Now);
    }

    /// <summary>A batch settled and its events written: the decision after the write.</summary>
    static Decision Complete(CoordinatorState state, AssignBatch batch, string worker = "w1") => Written(state, Settle(state, batch, worker));

    static IEnumerable<FileKey> Keys(AssignBatch batch) => Enumerable.Range(0, batch.Files.Count).Select(batch.Files.Key);

    [Fact]
    public void Begin_queues_new_files_unchecked_and_checked_files_only_if_their_version_changed()
    {
        var files = TestFiles.Many(5);
        var rerun = New(files, replayed: Completed(1, files.Take(3))); // as recovery replays it
        var begun = Begin(rerun);
        Assert.Equal("Progress:on LeaseCheck:on CheckVersions", Steps(begun));
        Assert.Contains("5 files listed, 2 new to process, 3 finished by earlier runs", Assert.Single(Logs(begun, LogLevel.InfoLevel)));
        Assert.Equal(RunPhase.Running, rerun.Phase);
        Assert.Equal(2, rerun.Pending); // the two the journal never saw, handed out before any check comes back
        Assert.Equal([0, 1, 2], begun.Effect<CheckVersions>()!.Files);

        // File 1 changed since (new size): it is due again; the other two are skipped.
        Assert.Equal("", Steps(rerun.Decide(new VersionsChecked([1, 0], [TestFiles.Version, TestFiles.Version with { Size = 101 }], []), Now)));
        Assert.Equal(1, rerun.Unchecked);
        var last = rerun.Decide(new VersionsChecked([2], [TestFiles.Version], []), Now);
        Assert.Contains("2 already done by earlier runs (skipped), 1 changed or gone (to process)", Assert.Single(Logs(last, LogLevel.InfoLevel)));
        Assert.Equal(2, rerun.AlreadyDone);
        Assert.Equal(3, rerun.Progress!.Total);
        Assert.Equal(3, rerun.Pending);
    }

    [Fact]
    public void A_check_that_timed_out_counts_as_changed_and_names_the_file()
    {
        var files = TestFiles.Many(2);
        var rerun = New(files, replayed: Completed(1, files));
        Begin(rerun);
        var checks = rerun.Decide(new VersionsChecked([0, 1], [TestFiles.Version, FileVersion.Unknown], ["/data/2.txt"]), Now);
        Assert.Contains("Checking /data/2.txt on disk took longer than form3.coordinator.check-deadline (30 s; a hung mount?)", Assert.Single(Logs(checks, LogLevel.WarningLevel)));
        Assert.Equal(1, rerun.Pending);
    }

    [Fact]
    public void A_rerun_does_not_finish_before_every_check_is_back()
    {
        var files = TestFiles.Many(2);
        var rerun = New(files, replayed: Completed(1, files));
        Begin(rerun);
        Assert.IsType<NoWorkYet>(Ask(rerun));
        Assert.Equal("", Steps(rerun.Decide(new VersionsChecked([0], [TestFiles.Version], []), Now)));
        Assert.Equal(RunPhase.Running, rerun.Phase);
        // A file gone since is due again (its worker writes the missing_file row).
        rerun.Decide(new VersionsChecked([1], [FileVersion.Missing], []), Now);
        Assert.Equal(1, rerun.Pending);
        Assert.Equal($"{Finishing} MergeTables", Steps(Complete(rerun, Take(rerun))));
    }

    [Fact]
    public void A_run_with_nothing_to_do_finishes_at_once()
    {
        var state = New([], needsNodes: true);
        Assert.Equal($"Progress:on LeaseCheck:on {Finishing} MergeTables", Steps(Begin(state)));
        Assert.Equal(RunPhase.Finishing, state.Phase);
    }

    [Fact]
    public void Workers_get_no_work_before_the_run_starts_and_are_told_it_is_finished_after_it()
    {
        var files = TestFiles.Many(2);
        var state = New(files);
        Assert.Equal(new NoWorkYet(7), Ask(state, requestId: 7)); // every answer names the request it answers
        Begin(state);
        var batch = Take(state);
        Assert.Equal(new NoWorkYet(2), Ask(state, requestId: 2)); // the rest is in flight

        var finishing = Complete(state, batch);
        Assert.Equal($"{Finishing} MergeTables", Steps(finishing));
        Assert.IsType<NoWorkYet>(Ask(state, requestId: 3)); // finishing: the merge is not done yet
        var merge = finishing.Effect<MergeTables>()!;
        var done = state.Decide(new MergeFinished(Clean, ManifestOf(merge.Stamp, merge.Input), null), Now);
        Assert.IsType<RunOutcome.Completed>(done.Effect<EndRun>()!.Outcome);
        Assert.IsType<RunFinished>(Ask(state, requestId: 4));
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
        Assert.Equal(Keys(batch).Order(), completed.Files.Select(f => f.FileKey).Order());
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
        var (state, _, settled) = TwoSettlementsInFlight();
        Assert.Equal([1, 2], settled.SelectMany(d => d.Events).OfType<FilesCompleted>().Select(c => c.BatchRef));
        Assert.NotEqual(settled[0].WriteId, settled[1].WriteId);
        foreach (var decision in settled) Written(state, decision);
        Assert.Equal(3, state.Ledger.NextBatchRef);
        Assert.All(Enumerable.Range(0, 4), i => Assert.NotNull(state.Ledger.BatchOf(i)));
    }

    [Fact]
    public void The_run_finishes_only_once_every_settled_batch_is_journaled()
    {
        var (state, _, settled) = TwoSettlementsInFlight(); // nothing is pending or in flight any more
        // The first write is durable, the second is not: no merge yet, or it would miss it.
        Assert.Equal("", Steps(Written(state, settled[0])));
        Assert.Equal(RunPhase.Running, state.Phase);
        Assert.Equal($"{Finishing} MergeTables", Steps(Written(state, settled[1])));
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
        var first = Report(state, AllFailed(Take(state)));
        Assert.Empty(first.Events); // first failure: back to the queue, nothing to journal
        Assert.IsType<BatchAccepted>(Assert.Single(first.Replies).Message);
        Assert.Contains("File 1.txt failed on w1 (io_error): disk said no", Assert.Single(Logs(first, LogLevel.WarningLevel)));
        var retry = Take(state);
        Assert.Equal(2, retry.Files.Attempt(0));
        var last = Report(state, AllFailed(retry));
        var quarantined = Assert.IsType<FilesQuarantined>(Assert.Single(last.Events));
        Assert.Equal(ErrorKind.RetriesExhausted, Assert.Single(quarantined.Files).Kind);
        Assert.Contains(Logs(last, LogLevel.WarningLevel), l => l.StartsWith("Quarantined 1.txt: gave up after 2 attempts; last failure (io_error)", StringComparison.Ordinal));
        Assert.Equal($"{Finishing} MergeTables", Steps(Written(state, last)));
        Assert.Equal(1, state.Progress!.Failures);
    }

    [Fact]
    public void A_node_that_leaves_gives_back_what_its_workers_held_and_no_one_elses()
    {
        var state = Started(TestFiles.Many(10), Settings(batchSize: 3));
        var a1 = Assert.IsType<AssignBatch>(Ask(state, "a1", 3, node: "node-a"));
        var a2 = Assert.IsType<AssignBatch>(Ask(state, "a2", 3, node: "node-a"));
        var b1 = Assert.IsType<AssignBatch>(Ask(state, "b1", 3, node: "node-b", nodeName: "b"));
        Assert.Equal(2, state.Report(Wall).NodesUp);
        Assert.Equal(1, state.Pending);

        var left = state.Decide(new NodeLeft("node-a", "Down"), Now);
        Assert.Empty(left.Events); // first failure of each: no quarantine
        Assert.Equal(["Node node-a left the cluster (Down)"], Logs(left, LogLevel.InfoLevel));
        Assert.Equal(["node node-a left the cluster: 6 files of 2 batches go back to the queue"], Logs(left, LogLevel.WarningLevel));
        Assert.Equal(1 + a1.Files.Count + a2.Files.Count, state.Pending);
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
    public void A_first_run_merges_without_a_checkpoint_however_large()
    {
        var state = Started(TestFiles.Many(20), Settings(batchSize: 20, checkpoint: new CheckpointSettings(2, MinFiles: 0, PartFiles: 3)));
        var finishing = Complete(state, Take(state, max: 20));
        Assert.Equal($"{Finishing} MergeTables", Steps(finishing));
        Assert.Equal(20, state.Ledger.JournaledSinceCheckpoint); // one event for each file it holds: nothing to compact
    }

    [Fact]
    public void A_journal_grown_past_its_files_is_checkpointed_in_parts_one_after_the_other_then_trimmed_before_the_merge()
    {
        var files = TestFiles.Many(5);
        // Five files, each journaled three times (two reruns that found them all changed): fifteen files' events.
        var events = new ICoordinatorEvent[] { Completed(1, files), Completed(2, files), Completed(3, files) };
        var state = New(files, Settings(checkpoint: new CheckpointSettings(WhenJournalExceeds: 2, MinFiles: 0, PartFiles: 2)), replayed: events);
        var begun = BeginChecked(state, _ => TestFiles.Version);
        Assert.Contains("the journal holds 15 files' events for 5 files: checkpointing it in 4 parts", Assert.Single(Logs(begun, LogLevel.InfoLevel), l => l.Contains("checkpoint")));
        var parts = new List<LedgerCheckpointed>();
        var decision = begun;
        while (decision.Events.Count > 0)
        {
            parts.Add(Assert.IsType<LedgerCheckpointed>(Assert.Single(decision.Events)));
            decision = Written(state, decision);
        }
        Assert.Equal([0, 1, 2, 3], parts.Select(p => p.Part));
        Assert.All(parts, p => Assert.Equal(4, p.Parts));
        Assert.Equal(files.Select(f => f.Key), parts.SelectMany(p => p.Files).Select(f => f.FileKey));
        Assert.Equal([3], parts.SelectMany(p => p.Batches).Select(b => b.BatchRef)); // batches 1 and 2 hold no current rows any more
        Assert.Equal("TrimJournal MergeTables", Steps(decision));
        Assert.Equal(0, state.Ledger.JournaledSinceCheckpoint);

        // Replayed after the events they summarise were deleted, the parts alone give the same ledger.
        var replayed = New(files, replayed: [.. parts]);
        Assert.Equal(Enumerable.Range(0, 5).Select(state.Ledger.VersionOf), Enumerable.Range(0, 5).Select(replayed.Ledger.VersionOf));
        Assert.Equal(Enumerable.Range(0, 5).Select(state.Ledger.BatchOf), Enumerable.Range(0, 5).Select(replayed.Ledger.BatchOf));
        Assert.Equal(4, replayed.Ledger.NextBatchRef);
    }

    [Fact]
    public void The_merge_starts_on_the_final_ledger_with_the_stamp_of_what_it_is_made_of()
    {
        var state = Started(TestFiles.Many(1));
        var merge = Assert.IsType<MergeTables>(Complete(state, Take(state)).Effect<MergeTables>());
        Assert.Equal((1, 0, 1), (merge.Ledger.FileCount, merge.AlreadyDone, merge.Processed));
        Assert.Equal(new MergeStamp(1, merge.Input.Fingerprint(state.Ledger.VersionOf), "csv"), merge.Stamp); // one event journaled by this run
    }

    [Fact]
    public void Unchanged_results_are_kept_only_when_nothing_was_journaled_the_stamps_match_and_the_tables_are_intact()
    {
        var files = TestFiles.Many(2);
        CoordinatorState Recovered(IReadOnlyList<InputFile>? listed = null) => New(listed ?? files, replayed: Completed(1, files));
        // What the finished run recorded: its journal position and its listing with the versions it journaled.
        var finished = Recovered();
        Begin(finished, 7);
        var merged = finished.CurrentStamp();
        FileVersion Same(int _) => TestFiles.Version;

        // Same stamps: the tables are checked against their manifest, kept if intact, merged again if not.
        var intact = Recovered();
        Assert.Equal($"{Finishing} VerifyResults", Steps(BeginChecked(intact, Same, 7, merged)));
        var kept = intact.Decide(new ResultsChecked(null), Now);
        Assert.Equal("Progress:off EndRun", Steps(kept));
        Assert.Contains("kept as they are", Assert.Single(Logs(kept, LogLevel.InfoLevel), l => !l.StartsWith("Progress", StringComparison.Ordinal)));
        var damaged = Recovered();
        BeginChecked(damaged, Same, 7, merged);
        var remerge = damaged.Decide(new ResultsChecked("SUBMISSION.csv is cut short"), Now);
        Assert.Equal("MergeTables", Steps(remerge));
        Assert.Contains("SUBMISSION.csv is cut short", Assert.Single(Logs(remerge, LogLevel.WarningLevel)));
        Assert.Equal($"{Finishing} MergeTables", Steps(BeginChecked(Recovered(), Same, 7, merged with { JournalSequenceNr = 6 })));
        Assert.Equal($"{Finishing} MergeTables", Steps(BeginChecked(Recovered(), Same, 7, merged with { InputFingerprint = "ABD" })));
        Assert.Equal($"{Finishing} MergeTables", Steps(BeginChecked(Recovered(), Same, 7, merged with { Outputs = "csv+sec" })));
        Assert.Equal($"{Finishing} MergeTables", Steps(BeginChecked(Recovered(), Same, 7, previous: null)));
        // The same files listed in another order: another fingerprint.
        var reordered = Recovered([.. files.Reverse()]);
        Begin(reordered, 7);
        Assert.NotEqual(merged, reordered.CurrentStamp());

        // Same stamps, but a file changed since: it is processed, journaled, and the tables are merged again.
        var state = Recovered();
        Assert.Equal("", Steps(BeginChecked(state, i => i == 0 ? TestFiles.Version with { Size = 5 } : TestFiles.Version, 7, merged)));
        Assert.Equal($"{Finishing} MergeTables", Steps(Complete(state, Take(state))));
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

        var finished = New([]);
        var merge = Begin(finished).Effect<MergeTables>()!;
        finished.Decide(new MergeFinished(Clean, ManifestOf(merge.Stamp, finished.Input), null), Now);
        Assert.Equal(RunPhase.Finished, finished.Phase);
        Assert.Same(Decision.None, finished.Decide(new StopRun("SIGTERM"), Now));
    }

    [Fact]
    public void The_node_deadline_counts_from_the_latest_moment_no_node_is_connected_and_says_whether_one_ever_was()
    {
        var state = New(TestFiles.Many(3), needsNodes: true);
        var begun = Begin(state);
        Assert.Equal("Progress:on LeaseCheck:on ArmNodeDeadline", Steps(begun));
        var none = state.Decide(new EnforceNodeDeadline(begun.Effect<ArmNodeDeadline>()!.Generation), Now);
        Assert.Contains("no node joined within 180 s", Assert.IsType<RunOutcome.Failed>(none.Effect<EndRun>()!.Outcome).Reason);

        // A node comes at 10 s, is killed at 18 s and removed at 29 s: the deadline counts from 29 s, not from the start.
        var later = New(TestFiles.Many(3), needsNodes: true);
        var first = Begin(later).Effect<ArmNodeDeadline>()!.Generation;
        Assert.Equal("WatchWorker NodeDeadline:off", Steps(Request(later, at: At(TimeSpan.FromSeconds(10)))));
        var removed = later.Decide(new NodeLeft("node-a", "Down"), At(TimeSpan.FromSeconds(29)));
        var second = Assert.IsType<ArmNodeDeadline>(removed.Effect<ArmNodeDeadline>()).Generation;
        Assert.NotEqual(first, second);
        Assert.Empty(later.Decide(new EnforceNodeDeadline(first), At(TimeSpan.FromSeconds(180))).Effects); // the first moment's deadline is void
        Assert.Equal("WatchWorker NodeDeadline:off", Steps(Request(later, "w2", node: "node-b", nodeName: "b", at: At(TimeSpan.FromSeconds(42)))));
        Assert.Empty(later.Decide(new EnforceNodeDeadline(second), At(TimeSpan.FromSeconds(209))).Effects); // a node came: it passes quietly
        var third = later.Decide(new NodeLeft("node-b", "Down"), At(TimeSpan.FromSeconds(60))).Effect<ArmNodeDeadline>()!.Generation;
        var gone = later.Decide(new EnforceNodeDeadline(third), At(TimeSpan.FromSeconds(240)));
        Assert.Contains("every node left and none came back within 180 s", Assert.IsType<RunOutcome.Failed>(gone.Effect<EndRun>()!.Outcome).Reason);

        var embedded = Started(TestFiles.Many(3)); // in-process workers: no deadline
        Take(embedded);
        Assert.DoesNotContain("Deadline", Steps(embedded.Decide(new WorkerStopped("w1"), Now)));
    }

    [Fact]
    public void Progress_counts_nodes_by_address_and_names_each_node_once()
    {
        var state = Started(TestFiles.Many(6));
        Decision Hello(string id, string name, string node, string nodeName) =>
            state.Decide(new FromWorker(new WorkerRef(id, name, node, nodeName), new RequestWork(name, 1, 1)), Now);
        Assert.Equal(2, Hello("a1", "host-a-w1", "node-a", "host-a:1").Effects.Count);
        Assert.Equal("WatchWorker", Steps(Hello("a2", "host-a-w2", "node-a", "host-a:1")));
        Assert.Empty(Hello("a2", "host-a-w2", "node-a", "host-a:1").Effects);
        Assert.Equal(["Node host-b:2 asked for work (host-b-w1)"], Logs(Hello("b1", "host-b-w1", "node-b", "host-b:2"), LogLevel.InfoLevel));
        var report = state.Report(Wall.AddSeconds(1));
        Assert.Equal("running", report.Phase);
        Assert.Equal((2, 3, 6, 0), (report.NodesUp, report.Workers, report.Total, report.Done));
        var progress = state.Decide(ReportProgress.Instance, At(TimeSpan.FromSeconds(2)));
        Assert.StartsWith("Progress running: 0/6 files (0.0%)", Assert.Single(Logs(progress, LogLevel.InfoLevel)));
        Assert.False(progress.Effect<WriteStatus>()!.Final);
    }

    [Fact]
    public void A_snapshot_of_another_format_version_is_refused_on_recovery()
    {
        var state = New([]);
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
        Assert.Equal((1L, 2L), (first.RequestId, second.RequestId));
        Complete(state, second);
        // Its batch settled, a stale repeat of request 2 is a new request (the worker drops an assignment it already had).
        Assert.NotEqual(second.BatchId, Assert.IsType<AssignBatch>(Ask(state, requestId: 2)).BatchId);
    }

    /// <summary>How many files a lease check at <paramref name="after"/> sent back to the queue.</summary>
    static int Expired(CoordinatorState state, TimeSpan after)
    {
        var pending = state.Pending;
        state.Decide(ExpireLeases.Instance, At(after));
        return state.Pending - pending;
    }

    [Fact]
    public void Leases_expire_while_the_coordinator_runs_but_not_across_a_pause_of_the_coordinator_itself()
    {
        var state = Started(TestFiles.Many(20));
        Take(state);
        // Checked on time: the lease runs out after a minute without renewal.
        for (var t = LeaseCheck; t < Lease; t += LeaseCheck) Assert.Equal(0, Expired(state, t));
        Assert.Equal(10, Expired(state, Lease));

        // A renewed lease holds; a coordinator frozen for two minutes extends every lease instead of taking them back.
        var paused = Started(TestFiles.Many(20));
        var held = Take(paused);
        for (var t = TimeSpan.Zero; t <= TimeSpan.FromSeconds(35); t += LeaseCheck)
        {
            if (t == TimeSpan.FromSeconds(30)) paused.Decide(new FromWorker(Worker("w1"), new RenewLeases("w1", [held.BatchId])), At(t));
            Assert.Equal(0, Expired(paused, t));
        }
        Assert.Equal(0, Expired(paused, TimeSpan.FromMinutes(3))); // woke up after a pause
        var woke = TimeSpan.FromMinutes(3);
        for (var t = LeaseCheck; t < TimeSpan.FromSeconds(50); t += LeaseCheck) Assert.Equal(0, Expired(paused, woke + t));
        // Renewed at 30 s, checked last at 35 s: a lease's time without renewal, not counting the pause, ends at 55 s after waking.
        Assert.Equal(10, Expired(paused, woke + TimeSpan.FromSeconds(55)));
    }

    [Fact]
    public void Leases_follow_the_monotonic_clock_whatever_the_wall_clock_does()
    {
        var state = Started(TestFiles.Many(20));
        Take(state);
        // The wall clock jumps a day ahead (an NTP step): nothing expires before a lease's time has passed.
        Assert.Empty(state.Decide(ExpireLeases.Instance, new Instant(Wall.AddDays(1), LeaseCheck)).Events);
        Assert.Equal(20 - 10, state.Pending);
    }

    [Fact]
    public void A_file_settled_by_the_late_report_of_one_expired_batch_counts_once_in_progress()
    {
        var state = Started(TestFiles.Many(10));
        var first = Take(state);
        for (var t = LeaseCheck; t <= Lease; t += LeaseCheck) state.Decide(ExpireLeases.Instance, At(t));
        var second = Take(state);
        for (var t = Lease + LeaseCheck; t <= 2 * Lease; t += LeaseCheck) state.Decide(ExpireLeases.Instance, At(t));
        Written(state, Settle(state, second, "w1"));
        Assert.Empty(Settle(state, first).Events);
        Assert.Equal(10, state.Progress!.Done);
    }

    [Fact]
    public void A_run_whose_first_files_are_all_missing_stops_naming_where_it_looked_and_a_share_of_missing_files_is_one_warning()
    {
        var files = TestFiles.Many(20);
        var state = Started(files, Settings(batchSize: 5, allMissingStopAfter: 10));
        Written(state, Report(state, AllDone(Take(state, max: 5), version: FileVersion.Missing)));
        var stop = Report(state, AllDone(Take(state, max: 5), version: FileVersion.Missing));
        var refused = Assert.IsType<RunOutcome.Refused>(stop.Effect<EndRun>()!.Outcome);
        Assert.StartsWith("none of the first 10 files the input lists exists (looked in /data; for example /data/1.txt, /data/2.txt, /data/3.txt)", refused.Reason);

        var some = Started(files, Settings(batchSize: 20, allMissingStopAfter: 10));
        var batch = Take(some, max: 20);
        var report = AllDone(batch);
        var missingTwo = new CompletedFiles([.. Enumerable.Range(0, 20)], [.. Enumerable.Range(0, 20).Select(p => p < 2 ? -1L : 100L)], [.. Enumerable.Range(0, 20).Select(p => p < 2 ? 0L : 1L)]);
        var finished = Written(some, Report(some, report with { Completed = missingTwo }));
        Assert.Contains(Logs(finished, LogLevel.WarningLevel), l => l.StartsWith("2 of the 20 files this run read were missing (10.0%", StringComparison.Ordinal));
        Assert.Equal("MergeTables", Steps(finished).Split(' ')[^1]);
    }

    [Fact]
    public void Damaged_segments_found_by_the_merge_send_their_files_back_to_work_then_the_merge_runs_again()
    {
        var files = TestFiles.Many(20);
        var state = Started(files);
        var first = Take(state);
        Complete(state, first);
        Assert.Equal($"{Finishing} MergeTables", Steps(Complete(state, Take(state))));

        var damagedRef = state.Ledger.BatchOf(0)!.Value;
        var found = state.Decide(new MergeFinished(MergeResult.Damaged(new Dictionary<int, string> { [damagedRef] = "part file w1.part is missing" }), null, null), Now);
        Assert.Equal("LeaseCheck:on", Steps(found));
        Assert.Equal([damagedRef], Assert.IsType<BatchesLost>(Assert.Single(found.Events)).BatchRefs.ToArray());
        Assert.Equal(RunPhase.Running, state.Phase);
        Assert.Equal("", Steps(Written(state, found)));
        Assert.Equal(10, state.Pending);
        Assert.Equal(30, state.Progress!.Total);

        var redo = Take(state);
        Assert.Equal(Keys(first).Order(), Keys(redo).Order());
        Assert.Equal($"{Finishing} MergeTables", Steps(Complete(state, redo)));
    }

    [Fact]
    public void A_manifest_that_could_not_be_written_fails_the_run_and_a_background_failure_says_which_task()
    {
        var state = Started(TestFiles.Many(1));
        Complete(state, Take(state));
        var unwritten = state.Decide(new MergeFinished(Clean, null, "No space left on device"), Now);
        Assert.Contains("manifest.json could not be written (No space left on device)", Assert.IsType<RunOutcome.Failed>(unwritten.Effect<EndRun>()!.Outcome).Reason);

        var checking = Started(TestFiles.Many(1));
        var failed = checking.Decide(new TaskFailed(new IOException("stale file handle")), Now);
        Assert.Equal("checking the input's files for changes failed: stale file handle", Assert.IsType<RunOutcome.Failed>(failed.Effect<EndRun>()!.Outcome).Reason);
    }

    [Fact]
    public void Events_journaled_before_the_run_began_do_not_count_as_its_own()
    {
        var files = TestFiles.Many(3);
        var state = New(files, replayed: [Completed(1, files), new FilesQuarantined([], Wall)]);
        Begin(state, 2);
        Assert.Equal(2, state.CurrentStamp().JournalSequenceNr);
    }
}
