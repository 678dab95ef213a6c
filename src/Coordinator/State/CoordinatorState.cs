using System.Collections.Immutable;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>Where a run is: waiting for its input, handing out work, saving the last snapshot and merging, or over.</summary>
public enum RunPhase { Waiting, Running, Finishing, Finished, Stopped }

/// <summary>What the coordinator actor must do next, besides replying: decided here, carried out by the actor.</summary>
[Flags]
public enum NextSteps
{
    None = 0,
    /// <summary>Every file is settled: log it, cancel the node-join deadline.</summary>
    EnterFinishing = 1,
    /// <summary>Save <see cref="CoordinatorState.TakeSnapshot"/> now.</summary>
    SaveSnapshot = 2,
    /// <summary>The final snapshot is settled: merge the tables.</summary>
    StartMerge = 4,
    /// <summary>Nothing changed since the tables in results/ were merged, and they are intact: keep them, no snapshot, no merge; the run is finished.</summary>
    KeepResults = 8,
    /// <summary>Check on disk the versions of <see cref="CoordinatorState.TakeFilesToCheck"/>, and report them with <see cref="CoordinatorState.VersionsChecked"/>.</summary>
    CheckVersions = 16,
    /// <summary>Nothing changed since the tables in results/ were merged: check them against their manifest, and report with <see cref="CoordinatorState.ResultsVerified"/>.</summary>
    VerifyResults = 32,
    /// <summary>Work is due again after the run was finishing (the merge found damaged segments): restart the lease checks and the node deadline.</summary>
    Resume = 64,
}

/// <summary>
/// Every decision of the coordinator, with no actor system: which batch a worker gets, what a reported batch
/// becomes in the journal, when to snapshot, when the run is finished. The actor around it only persists, replies,
/// schedules and logs (the shape of JobTrackerState.Decide in Akka.NET's custom-job-scheduling sample).
/// </summary>
/// <remarks>
/// Journaled events change the state only through <see cref="Apply"/>, once they are durable; the same method
/// replays them on recovery, so a restarted coordinator decides from exactly what was journaled.
/// </remarks>
public sealed class CoordinatorState(CoordinatorSettings settings)
{
    /// <summary>Worker id (its actor path) to the address of the node it runs on.</summary>
    readonly Dictionary<string, string> _workers = [];
    readonly HashSet<string> _nodeNames = [];
    WorkQueue? _queue;
    int _filesSinceSnapshot;
    bool _snapshotInFlight;
    /// <summary>Per worker, its last request id and the batch that answered it, to answer a repeated request the same way.</summary>
    readonly Dictionary<string, (long RequestId, long BatchId)> _answered = [];
    DateTimeOffset? _lastLeaseCheck;
    /// <summary>Events journaled since <see cref="Start"/>: none, and unchanged results need no snapshot and no merge.</summary>
    int _journaledThisRun;
    /// <summary>
    /// Decisions whose events are being written: the actor journals without waiting (a report does not hold up the
    /// next request), so the run is over only once every one of them is durable and applied.
    /// </summary>
    int _writesInFlight;
    /// <summary>The next batch number to give out: ahead of the ledger while completions are still being written.</summary>
    int _nextBatchRef;
    /// <summary>What the tables in results/ were made of, if a finished run wrote them, and the journal's position at start.</summary>
    MergeStamp? _previous;
    long _sequenceAtStart;
    /// <summary>Listed files the journal knows, whose version on disk is still to be compared with the journal's.</summary>
    List<int>? _toCheck;
    int _unchecked;

    public RunPhase Phase { get; private set; } = RunPhase.Waiting;
    public RunLedger Ledger { get; private set; } = new();
    public InputListing? Input { get; private set; }
    public RunProgress? Progress { get; private set; }
    /// <summary>Files of the input that earlier runs of this journal finished (skipped by this run).</summary>
    public int AlreadyDone { get; private set; }
    public DateTimeOffset StartedAt { get; private set; }
    public int WorkerCount => _workers.Count;
    public int NodeCount => _workers.Values.Distinct().Count();
    /// <summary>Every node that asked for work during this run, for the manifest.</summary>
    public IReadOnlyCollection<string> NodeNames => _nodeNames;

    /// <summary>Recovery: the ledger of a snapshot, before the events journaled after it.</summary>
    public void Restore(CoordinatorSnapshot snapshot)
    {
        if (snapshot.Version != CoordinatorSnapshot.CurrentVersion)
            throw new InvalidDataException($"the journal's snapshot has format version {snapshot.Version}, this program reads " +
                $"{CoordinatorSnapshot.CurrentVersion}: it was written by another version of Form3Actors");
        Ledger = RunLedger.FromBytes(snapshot.Ledger);
    }

    /// <summary>
    /// A durable event: on recovery and after every persist. Counts towards progress and towards the next snapshot
    /// (replayed events too, so that recovery never reads more than form3.coordinator.snapshot-every-files of them).
    /// </summary>
    public void Apply(ICoordinatorEvent evt)
    {
        var lostFiles = evt is BatchesLost lost ? Ledger.FilesOf(lost.BatchRefs) : [];
        Ledger.Apply(evt);
        if (_queue != null && lostFiles.Count > 0) Requeue(lostFiles);
        if (Phase != RunPhase.Waiting) _journaledThisRun++;
        switch (evt)
        {
            case FilesCompleted completed:
                Progress?.Completed(completed.Files.Length);
                _filesSinceSnapshot += completed.Files.Length;
                break;
            case FilesQuarantined quarantined:
                Progress?.Quarantined(quarantined.Files.Length);
                break;
        }
    }

    /// <summary>
    /// The run's input arrives: files the journal never finished are queued at once, unchecked; those it finished are
    /// to be checked on disk (<see cref="NextSteps.CheckVersions"/>) and queued if their version changed.
    /// <paramref name="journalSequenceNr"/> is the recovered journal's position, <paramref name="previous"/> what the
    /// tables in results/ were made of, if a finished run wrote them.
    /// </summary>
    public NextSteps Start(InputListing input, DateTimeOffset now, long journalSequenceNr = 0, MergeStamp? previous = null)
    {
        if (Phase != RunPhase.Waiting) return NextSteps.None;
        _previous = previous;
        _sequenceAtStart = journalSequenceNr;
        Input = input;
        StartedAt = now;
        var pending = new List<int>();
        _toCheck = [];
        for (var i = 0; i < input.Count; i++) (Ledger.Knows(input.KeyAt(i)) ? _toCheck : pending).Add(i);
        _unchecked = _toCheck.Count;
        _queue = new WorkQueue(input, pending, settings.Queue);
        Progress = new RunProgress(input.Count, 0, now, settings.RateWindow);
        Phase = RunPhase.Running;
        return _unchecked > 0 ? AfterChange() | NextSteps.CheckVersions : AfterChange();
    }

    /// <summary>The listing indices to check on disk, once (they are forgotten here: the checks report them back).</summary>
    public IReadOnlyList<int> TakeFilesToCheck()
    {
        var files = _toCheck ?? [];
        _toCheck = null;
        return files;
    }

    /// <summary>Files the journal knows whose check has not come back yet.</summary>
    public int Unchecked => _unchecked;

    /// <summary>
    /// Checked versions come back: a file the journal finished in this very version is skipped, any other is queued.
    /// Says how many of them were changed.
    /// </summary>
    public (int Changed, NextSteps Steps) VersionsChecked(VersionsChecked checks)
    {
        if (Phase != RunPhase.Running) return (0, NextSteps.None);
        var changed = 0;
        for (var i = 0; i < checks.Indices.Length; i++)
        {
            var index = checks.Indices[i];
            if (Ledger.IsFinished(Input!.KeyAt(index), checks.Versions[i])) continue;
            _queue!.Add(index);
            changed++;
        }
        _unchecked -= checks.Indices.Length;
        AlreadyDone += checks.Indices.Length - changed;
        Progress!.Skip(checks.Indices.Length - changed);
        return (changed, AfterChange());
    }

    /// <summary>What merged tables would be made of now: the journal up to <paramref name="journalSequenceNr"/> and this listing with the versions it holds.</summary>
    public MergeStamp CurrentStamp(long journalSequenceNr) => new(journalSequenceNr, Input!.Fingerprint(Ledger.VersionOf));

    public int Pending => _queue?.PendingCount ?? 0;

    /// <summary>
    /// Registers a worker the first time it asks: <paramref name="nodeAddress"/> is how the cluster names its node
    /// (to take its work back when the node leaves), <paramref name="nodeName"/> how the log and manifest do.
    /// Says whether the worker (to watch it) and its node (to log it) are new to this run.
    /// </summary>
    public (bool NewWorker, bool NewNode) WorkerSeen(string workerId, string nodeAddress, string nodeName) =>
        _workers.TryAdd(workerId, nodeAddress) ? (true, _nodeNames.Add(nodeName)) : (false, false);

    /// <summary>
    /// The answer to a worker that asks for up to <paramref name="maxFiles"/> files. A request the worker sent again
    /// (same <paramref name="requestId"/>, its answer lost or late) gets the same batch again, not a second one.
    /// </summary>
    public IWorkMessage HandOut(string workerId, int maxFiles, DateTimeOffset now, long requestId = 0)
    {
        if (Phase == RunPhase.Finished) return RunFinished.Instance;
        if (Phase != RunPhase.Running) return NoWorkYet.Instance;
        if (requestId != 0 && _answered.TryGetValue(workerId, out var last) && last.RequestId == requestId
            && _queue!.InFlightAssignment(last.BatchId, workerId) is { } again)
            return again;
        if (_queue!.TryTake(workerId, maxFiles, _workers.Count, now) is not { } batch) return NoWorkYet.Instance;
        if (requestId != 0) _answered[workerId] = (requestId, batch.BatchId);
        return batch;
    }

    /// <summary>A worker still works on these batches: their leases start again. Says how many it still held.</summary>
    public int RenewLeases(string workerId, IEnumerable<long> batchIds, DateTimeOffset now) => _queue?.Renew(workerId, batchIds, now) ?? 0;

    /// <summary>
    /// Takes back batches whose lease ran out. Checked every form3.coordinator.lease-check-interval: if far more time
    /// than that passed since the last check, the coordinator itself was frozen (SIGSTOP, a long GC, swapped out) and
    /// nobody could renew, so the leases are extended by the gap instead of expiring.
    /// </summary>
    public Released ExpireLeases(DateTimeOffset now)
    {
        if (_queue == null || Phase != RunPhase.Running) return new Released(0, []);
        var gap = _lastLeaseCheck is { } last ? now - last : TimeSpan.Zero;
        _lastLeaseCheck = now;
        if (gap > 2 * settings.LeaseCheckInterval)
        {
            _queue.ExtendLeases(gap);
            return new Released(0, []);
        }
        return Journal(_queue.ExpireLeases(now), now);
    }

    /// <summary>
    /// What a reported batch becomes: the events to journal before the worker is told <see cref="BatchAccepted"/>.
    /// Null when the batch is not in flight (settled already, or taken back when its node left): accept it without
    /// journaling, so its rows stay out of the tables.
    /// </summary>
    public IReadOnlyList<ICoordinatorEvent>? Settle(ReportBatchCompleted report, DateTimeOffset now)
    {
        var settlement = _queue?.Settle(report.BatchId, report.Completed, report.Failed);
        if (settlement is null) return null;
        var events = new List<ICoordinatorEvent>(2);
        if (settlement.Completed.Count > 0)
        {
            var batchRef = Math.Max(_nextBatchRef, Ledger.NextBatchRef);
            _nextBatchRef = batchRef + 1;
            events.Add(new FilesCompleted(batchRef, report.Segments, [.. settlement.Completed], now));
        }
        if (settlement.Quarantined.Count > 0)
            events.Add(new FilesQuarantined(settlement.Quarantined.ToImmutableArray(), now));
        if (events.Count > 0) _writesInFlight++;
        return events;
    }

    /// <summary>The events of one decision (a settlement or a release) are durable and applied: snapshot, finish, or go on.</summary>
    public NextSteps Journaled()
    {
        _writesInFlight--;
        return AfterChange();
    }

    /// <summary>What taking work back from lost workers released, and the quarantines to journal.</summary>
    public sealed record Released(int Files, IReadOnlyList<ICoordinatorEvent> Events);

    /// <summary>A node left the cluster: its workers are forgotten and everything they held goes back to the queue.</summary>
    public Released NodeLost(string nodeAddress, string reason, DateTimeOffset now) =>
        Release(_workers.Where(w => w.Value == nodeAddress).Select(w => w.Key).ToHashSet(), "node_lost", reason, now);

    /// <summary>A worker actor stopped: what it held goes back to the queue.</summary>
    public Released WorkerLost(string workerId, string reason, DateTimeOffset now) =>
        Release(_workers.ContainsKey(workerId) ? [workerId] : [], "worker_lost", reason, now);

    Released Release(HashSet<string> gone, string kind, string reason, DateTimeOffset now)
    {
        if (gone.Count == 0) return new Released(0, []);
        foreach (var id in gone)
        {
            _workers.Remove(id);
            _answered.Remove(id);
        }
        if (_queue == null) return new Released(0, []);
        return Journal(_queue.Release(gone.Contains, kind, reason), now);
    }

    /// <summary>What the queue took back, with its quarantines as the event to journal.</summary>
    Released Journal(WorkQueue.Released released, DateTimeOffset now)
    {
        if (released.Quarantined.Count == 0) return new Released(released.Files, []);
        _writesInFlight++;
        return new Released(released.Files, [new FilesQuarantined(released.Quarantined.ToImmutableArray(), now)]);
    }

    /// <summary>After a change that journaled nothing, or from <see cref="Journaled"/>: snapshot, finish, or go on.</summary>
    public NextSteps AfterChange()
    {
        var steps = NextSteps.None;
        if (Phase == RunPhase.Running && _unchecked == 0 && _queue!.IsDrained && _writesInFlight == 0)
        {
            Phase = RunPhase.Finishing;
            if (_journaledThisRun == 0 && _previous != null && _previous == CurrentStamp(_sequenceAtStart))
                return NextSteps.EnterFinishing | NextSteps.VerifyResults;
            steps |= NextSteps.EnterFinishing;
            _filesSinceSnapshot = settings.SnapshotEveryFiles; // the final snapshot, so that a rerun recovers one record
        }
        if (_filesSinceSnapshot >= settings.SnapshotEveryFiles && !_snapshotInFlight) steps |= NextSteps.SaveSnapshot;
        return steps;
    }

    /// <summary>
    /// The tables an earlier run merged from exactly this journal and input were checked: kept if intact, merged
    /// again (after the final snapshot) if one is missing, cut short or changed.
    /// </summary>
    public NextSteps ResultsVerified(bool intact)
    {
        if (Phase != RunPhase.Finishing) return NextSteps.None;
        if (intact) return NextSteps.KeepResults;
        _filesSinceSnapshot = settings.SnapshotEveryFiles;
        return AfterChange();
    }

    /// <summary>
    /// The merge found segments of these batches damaged and wrote nothing: the batches are to be journaled as lost,
    /// which makes their files due again, and the run goes back to handing out work.
    /// </summary>
    public (IReadOnlyList<ICoordinatorEvent> Events, NextSteps Steps) MergeFoundDamage(IReadOnlyDictionary<int, string> damaged, DateTimeOffset now)
    {
        if (Phase != RunPhase.Finishing || damaged.Count == 0) return ([], NextSteps.None);
        Phase = RunPhase.Running;
        _writesInFlight++;
        var first = damaged.OrderBy(kv => kv.Key).First();
        var reason = $"{damaged.Count} batches with damaged part segments, the first {first.Key}: {first.Value}";
        return ([new BatchesLost([.. damaged.Keys.Order()], reason, now)], NextSteps.Resume);
    }

    /// <summary>Files whose rows were lost are this run's to do again.</summary>
    void Requeue(IReadOnlyList<UInt128> keys)
    {
        var due = 0;
        foreach (var key in keys)
        {
            var index = Input!.IndexOf(key);
            if (index < 0) continue;
            _queue!.Add(index);
            due++;
        }
        Progress!.Reopen(due);
    }

    /// <summary>The snapshot to save now; counting towards the next one starts again.</summary>
    public CoordinatorSnapshot TakeSnapshot()
    {
        _snapshotInFlight = true;
        _filesSinceSnapshot = 0;
        return new CoordinatorSnapshot(CoordinatorSnapshot.CurrentVersion, Ledger.ToBytes());
    }

    /// <summary>A snapshot was saved or failed (the journal alone still recovers everything): merge if it was the last.</summary>
    public NextSteps SnapshotSettled()
    {
        _snapshotInFlight = false;
        return Phase == RunPhase.Finishing ? NextSteps.StartMerge : NextSteps.None;
    }

    /// <summary>The merged tables and manifest are written.</summary>
    public void Finished() => Phase = RunPhase.Finished;

    /// <summary>Stops handing out work (a signal, a failure); false if the run was already over.</summary>
    public bool Stop()
    {
        if (Phase is RunPhase.Finished or RunPhase.Stopped) return false;
        Phase = RunPhase.Stopped;
        return true;
    }

    /// <summary>True when no worker is connected while the run still needs them: checked when the node deadline passes.</summary>
    public bool NoNodeConnected => Phase == RunPhase.Running && _workers.Count == 0;

    /// <summary>Whether a worker of this run ever asked for work (then a deadline's message says the nodes left, not that none joined).</summary>
    public bool AnyNodeJoined => _nodeNames.Count > 0;

    /// <summary>The progress reading for the log and status.json.</summary>
    public ProgressReport Report(DateTimeOffset now)
    {
        var phase = Phase.ToString().ToLowerInvariant();
        if (Progress == null) return new ProgressReport(phase, 0, 0, 0, 0, null, 0, 0, 0, 0, now, now);
        return Progress.Report(phase, now, NodeCount, _workers.Count, _queue!.Retries);
    }
}
