using Akka.Event;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>Where a run is: waiting for its input, handing out work, saving the last snapshot and merging, or over.</summary>
public enum RunPhase { Waiting, Running, Finishing, Finished, Stopped }

/// <summary>
/// Every decision of the coordinator, with no actor system: which batch a worker gets, what a reported batch
/// becomes in the journal, when to snapshot, when the run is finished. <see cref="Decide"/> takes one command and
/// returns a <see cref="Decision"/>; the actor around it only persists, replies and carries out the effects (the
/// shape of JobTrackerState.Decide in Akka.NET's custom-job-scheduling sample).
/// </summary>
/// <remarks>
/// What is journaled (the ledger, progress) changes only through <see cref="Apply"/>, once durable; the same method
/// replays it on recovery, so a restarted coordinator decides from exactly what was journaled. What is never
/// journaled (which worker holds which batch under which lease) is bookkeeping of this run, kept by
/// <see cref="Decide"/>: after a crash, in-flight work is simply redone.
/// </remarks>
public sealed class CoordinatorState(CoordinatorSettings settings, bool needsNodes = false)
{
    /// <summary>Worker id (its actor path) to the address of the node it runs on.</summary>
    readonly Dictionary<string, string> _workers = [];
    readonly HashSet<string> _nodeNames = [];
    WorkQueue? _queue;
    int _filesSinceSnapshot;
    bool _snapshotInFlight;
    bool _nodeDeadlineArmed;
    /// <summary>Per worker, its last request id and the batch that answered it, to answer a repeated request the same way.</summary>
    readonly Dictionary<string, (long RequestId, long BatchId)> _answered = [];
    DateTimeOffset? _lastLeaseCheck;
    /// <summary>Events journaled since <see cref="BeginRun"/>: none, and unchanged results need no snapshot and no merge.</summary>
    int _journaledThisRun;
    /// <summary>
    /// Writes (decisions with events) not yet durable: the actor journals without waiting (a report does not hold up
    /// the next request), so the run is over only once every one of them is durable and applied.
    /// </summary>
    int _writesInFlight;
    long _lastWriteId;
    /// <summary>Per write, the reported batch it settles and every worker that reported it (repeats too), to acknowledge once durable.</summary>
    readonly Dictionary<long, (long BatchId, List<string> Workers)> _acks = [];
    readonly Dictionary<long, long> _writeOfBatch = [];
    long _lostBatchesWrite;
    /// <summary>The next batch number to give out: ahead of the ledger while completions are still being written.</summary>
    int _nextBatchRef;
    /// <summary>The manifest of the tables in results/, if a finished run wrote them, and the journal's position at start.</summary>
    Manifest? _previous;
    ResultOutputs _outputs = ResultOutputs.CsvOnly;
    long _sequenceAtStart;
    /// <summary>Listed files the journal knows, whose version on disk is still to be compared with the journal's.</summary>
    int _unchecked;
    int _changedFound;
    DateTimeOffset _checksStartedAt;

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
    public int Pending => _queue?.PendingCount ?? 0;
    /// <summary>Files the journal knows whose check has not come back yet.</summary>
    public int Unchecked => _unchecked;
    /// <summary>True when no worker is connected while the run still needs them.</summary>
    public bool NoNodeConnected => Phase == RunPhase.Running && _workers.Count == 0;

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

    /// <summary>What to do about <paramref name="command"/>, decided at <paramref name="now"/>.</summary>
    public Decision Decide(ICoordinatorCommand command, DateTimeOffset now)
    {
        var d = new Builder(this, now);
        switch (command)
        {
            case BeginRun begin: Begin(d, begin, now); break;
            case VersionsChecked checks: CountChecks(d, checks, now); break;
            case HandOutWork request: HandOut(d, request, now); break;
            case RenewWorkerLeases renew: _queue?.Renew(renew.WorkerId, renew.BatchIds, now); break;
            case SettleBatch settle: Settle(d, settle, now); break;
            case ExpireLeases: Expire(d, now); break;
            case NodeLeft left: LoseNode(d, left, now); break;
            case WorkerStopped stopped:
                TakeBack(d, Release([.. _workers.Keys.Where(id => id == stopped.WorkerId)], FailureKind.WorkerLost,
                    $"worker {stopped.WorkerId} stopped while processing the file", now), $"worker {stopped.WorkerId} stopped");
                WatchForNoNodes(d);
                break;
            case EnforceNodeDeadline: EnforceDeadline(d); break;
            case EventsWritten written: Written(d, written); break;
            case SnapshotSettled settled: SnapshotDone(d, settled); break;
            case ResultsChecked results: ResultsVerified(d, results); break;
            case MergeFinished merge: MergeDone(d, merge, now); break;
            case TaskFailed failed:
                Fail(d, Phase == RunPhase.Running
                    ? $"checking the input's files for changes failed: {failed.Cause.Message}"
                    : $"merging the tables failed: {failed.Cause.Message}");
                break;
            case ReportProgress: ShowProgress(d, now); break;
            case StopRun stop: Stop(d, stop, now); break;
            case AbandonRun abandon: Fail(d, abandon.Reason); break;
            default: throw new ArgumentException($"{command.GetType().Name} is not a coordinator command", nameof(command));
        }
        return d.Build();
    }

    /// <summary>
    /// The run's input arrives: files the journal never finished are queued at once, unchecked; those it finished are
    /// checked on disk (<see cref="CheckVersions"/>) and queued if their version changed.
    /// </summary>
    void Begin(Builder d, BeginRun begin, DateTimeOffset now)
    {
        if (Phase != RunPhase.Waiting) return;
        var input = begin.Input;
        _previous = begin.Previous;
        _outputs = begin.Outputs;
        _sequenceAtStart = begin.JournalSequenceNr;
        Input = input;
        StartedAt = _checksStartedAt = now;
        var pending = new List<int>();
        var toCheck = new List<int>();
        for (var i = 0; i < input.Count; i++) (Ledger.Knows(input.KeyAt(i)) ? toCheck : pending).Add(i);
        _unchecked = toCheck.Count;
        _queue = new WorkQueue(input, pending, settings.Queue);
        Progress = new RunProgress(input.Count, 0, now, settings.RateWindow);
        Phase = RunPhase.Running;
        d.Log(LogLevel.InfoLevel, $"Input {input.Description}: {input.Count:N0} files listed, {pending.Count:N0} new to process, " +
            $"{toCheck.Count:N0} finished by earlier runs (checked for changes, {settings.ChecksInFlight} at a time); " +
            $"{input.BlankRows:N0} blank rows, {input.DuplicateRows:N0} duplicate rows, {input.SkippedRows:N0} index rows of other forms skipped");
        d.Do(new SetTimer(CoordinatorTimer.Progress, true));
        d.Do(new SetTimer(CoordinatorTimer.LeaseCheck, true));
        if (toCheck.Count > 0) d.Do(new CheckVersions(toCheck, input));
        AfterChange(d);
        WatchForNoNodes(d);
    }

    /// <summary>Checked versions come back: a file the journal finished in this very version is skipped, any other is queued.</summary>
    void CountChecks(Builder d, VersionsChecked checks, DateTimeOffset now)
    {
        if (Phase != RunPhase.Running) return;
        var changed = 0;
        for (var i = 0; i < checks.Indices.Length; i++)
        {
            var index = checks.Indices[i];
            if (Ledger.IsFinished(Input!.KeyAt(index), checks.Versions[i])) continue;
            _queue!.Add(index);
            changed++;
        }
        _unchecked -= checks.Indices.Length;
        _changedFound += changed;
        AlreadyDone += checks.Indices.Length - changed;
        Progress!.Skip(checks.Indices.Length - changed);
        if (_unchecked == 0)
            d.Log(LogLevel.InfoLevel, $"Checked the files earlier runs finished in {(now - _checksStartedAt).TotalSeconds:F2} s: " +
                $"{AlreadyDone:N0} already done by earlier runs (skipped), {_changedFound:N0} changed or gone (to process)");
        AfterChange(d);
    }

    /// <summary>
    /// Registers a worker the first time it asks, and answers it. A request the worker sent again (same request id,
    /// its answer lost or late) gets the same batch again, not a second one.
    /// </summary>
    void HandOut(Builder d, HandOutWork request, DateTimeOffset now)
    {
        var worker = request.Worker;
        if (_workers.TryAdd(worker.Id, worker.NodeAddress))
        {
            d.Do(new WatchWorker(worker.Id));
            if (_nodeNames.Add(worker.NodeName)) d.Log(LogLevel.InfoLevel, $"Node {worker.NodeName} asked for work ({worker.Name})");
        }
        d.Reply(worker.Id, Answer(worker.Id, request.MaxFiles, request.RequestId, now));
    }

    IWorkMessage Answer(string workerId, int maxFiles, long requestId, DateTimeOffset now)
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

    /// <summary>
    /// What a reported batch becomes: the events to journal, the worker acknowledged once they are durable. A batch
    /// no longer in flight (settled already, or taken back) journals nothing, so its rows stay out of the tables; its
    /// report is acknowledged at once, or with the first report if that one's events are still being written.
    /// </summary>
    void Settle(Builder d, SettleBatch settle, DateTimeOffset now)
    {
        var report = settle.Report;
        if (_queue?.Settle(report.BatchId, report.Completed, report.Failed) is not { } settlement)
        {
            if (_writeOfBatch.TryGetValue(report.BatchId, out var pending)) _acks[pending].Workers.Add(settle.WorkerId);
            else d.Reply(settle.WorkerId, new BatchAccepted(report.BatchId));
            return;
        }
        foreach (var failure in report.Failed)
            d.Log(LogLevel.WarningLevel, $"File {failure.FileKey} failed on {report.WorkerId} ({failure.Kind.Name()}): {failure.Reason}");
        var events = new List<ICoordinatorEvent>(2);
        if (settlement.Completed.Count > 0)
        {
            var batchRef = Math.Max(_nextBatchRef, Ledger.NextBatchRef);
            _nextBatchRef = batchRef + 1;
            events.Add(new FilesCompleted(batchRef, report.Segments, [.. settlement.Completed], now));
        }
        if (settlement.Quarantined.Count > 0) events.Add(new FilesQuarantined([.. settlement.Quarantined], now));
        if (events.Count == 0)
        {
            d.Reply(settle.WorkerId, new BatchAccepted(report.BatchId));
            AfterChange(d);
            return;
        }
        var write = d.Journal(events);
        _acks[write] = (report.BatchId, [settle.WorkerId]);
        _writeOfBatch[report.BatchId] = write;
    }

    /// <summary>
    /// Takes back batches whose lease ran out. Checked every form3.coordinator.lease-check-interval: if far more time
    /// than that passed since the last check, the coordinator itself was frozen (SIGSTOP, a long GC, swapped out) and
    /// nobody could renew, so the leases are extended by the gap instead of expiring.
    /// </summary>
    void Expire(Builder d, DateTimeOffset now)
    {
        if (_queue == null || Phase != RunPhase.Running) return;
        var gap = _lastLeaseCheck is { } last ? now - last : TimeSpan.Zero;
        _lastLeaseCheck = now;
        if (gap > 2 * settings.LeaseCheckInterval)
        {
            _queue.ExtendLeases(gap);
            return;
        }
        TakeBack(d, _queue.ExpireLeases(now),
            $"batch leases ran out (not renewed within form3.coordinator.batch-lease, {settings.Queue.BatchLease.TotalSeconds:N0} s)");
    }

    /// <summary>A node left the cluster: its workers are forgotten and everything they held goes back to the queue.</summary>
    void LoseNode(Builder d, NodeLeft left, DateTimeOffset now)
    {
        if (Phase is RunPhase.Running or RunPhase.Waiting) d.Log(LogLevel.InfoLevel, $"Node {left.NodeAddress} left the cluster ({left.Status})");
        var gone = _workers.Where(w => w.Value == left.NodeAddress).Select(w => w.Key).ToList();
        TakeBack(d, Release(gone, FailureKind.NodeLost, $"node {left.NodeAddress} left the cluster while processing the file", now),
            $"node {left.NodeAddress} left the cluster");
        WatchForNoNodes(d);
    }

    WorkQueue.Released Release(List<string> gone, FailureKind kind, string reason, DateTimeOffset now)
    {
        if (gone.Count == 0) return new WorkQueue.Released(0, []);
        foreach (var id in gone)
        {
            _workers.Remove(id);
            _answered.Remove(id);
        }
        return _queue?.Release(gone.Contains, kind, reason) ?? new WorkQueue.Released(0, []);
    }

    /// <summary>What the queue took back: logged, and its quarantines journaled.</summary>
    static void TakeBack(Builder d, WorkQueue.Released released, string what)
    {
        if (released.Files > 0) d.Log(LogLevel.WarningLevel, $"{what}: {released.Files:N0} files it held go back to the queue");
        if (released.Quarantined.Count > 0) d.Journal([new FilesQuarantined([.. released.Quarantined], d.Now)]);
    }

    /// <summary>With external nodes only: a run that needs nodes and has none connected ends unless one comes within the deadline.</summary>
    void WatchForNoNodes(Builder d)
    {
        if (!needsNodes || !NoNodeConnected || _nodeDeadlineArmed) return;
        _nodeDeadlineArmed = true;
        d.Do(new SetTimer(CoordinatorTimer.NodeDeadline, true));
    }

    void EnforceDeadline(Builder d)
    {
        _nodeDeadlineArmed = false;
        if (!NoNodeConnected) return;
        var timeout = settings.NodeJoinTimeout.TotalSeconds;
        Fail(d, _nodeNames.Count > 0
            ? $"every node left and none came back within {timeout:N0} s (form3.coordinator.node-join-timeout); what was journaled stays: " +
              "start nodes with this run folder, or run the same command again"
            : $"no node joined within {timeout:N0} s; check that node processes were started with this run folder and can reach this host");
    }

    /// <summary>A write is durable and applied: acknowledge its reports, then snapshot, finish, or go on.</summary>
    void Written(Builder d, EventsWritten written)
    {
        _writesInFlight--;
        if (_acks.Remove(written.WriteId, out var ack))
        {
            _writeOfBatch.Remove(ack.BatchId);
            foreach (var worker in ack.Workers) d.Reply(worker, new BatchAccepted(ack.BatchId));
        }
        if (written.WriteId == _lostBatchesWrite) d.Log(LogLevel.InfoLevel, $"{Pending:N0} files to extract again");
        AfterChange(d);
    }

    void SnapshotDone(Builder d, SnapshotSettled settled)
    {
        if (settled.Failure != null) d.Log(LogLevel.WarningLevel, $"Snapshot failed ({settled.Failure}); the journal alone still recovers everything");
        _snapshotInFlight = false;
        if (Phase == RunPhase.Finishing)
            d.Do(new MergeTables(Ledger, Input!, CurrentStamp(), AlreadyDone, Progress!.Total, StartedAt, [.. _nodeNames], _outputs));
    }

    /// <summary>What merged tables would be made of now: the journal as it is, this listing with the versions it holds, and the outputs asked for.</summary>
    public MergeStamp CurrentStamp() => new(_sequenceAtStart + _journaledThisRun, Input!.Fingerprint(Ledger.VersionOf), _outputs.ToString());

    /// <summary>
    /// The tables an earlier run merged from exactly this journal and input were checked: kept if intact, merged
    /// again (after the final snapshot) if one is missing, cut short or changed.
    /// </summary>
    void ResultsVerified(Builder d, ResultsChecked results)
    {
        if (Phase != RunPhase.Finishing) return;
        if (results.Problem == null)
        {
            d.Log(LogLevel.InfoLevel, "Nothing changed since the tables in results/ were written (same journal, same input): kept as they are");
            Finish(d, _previous!, d.Now);
            return;
        }
        d.Log(LogLevel.WarningLevel, $"The tables in results/ are not as their manifest says ({results.Problem}): merging them again");
        _filesSinceSnapshot = settings.SnapshotEveryFiles;
        AfterChange(d);
    }

    /// <summary>
    /// The merge's outcome. Segments it found damaged are journaled as lost batches, which makes their files due
    /// again, and the run goes back to handing out work; otherwise the run is finished.
    /// </summary>
    void MergeDone(Builder d, MergeFinished merge, DateTimeOffset now)
    {
        if (Phase != RunPhase.Finishing) return;
        var damaged = merge.Result.DamagedBatches;
        if (damaged.Count > 0)
        {
            Phase = RunPhase.Running;
            var first = damaged.OrderBy(kv => kv.Key).First();
            var reason = $"{damaged.Count} batches with damaged part segments, the first {first.Key}: {first.Value}";
            d.Log(LogLevel.WarningLevel, $"The merge found part segments lost, cut short or altered since they were written ({reason}); " +
                "the tables were left as they were, and the files of those batches are extracted again");
            _lostBatchesWrite = d.Journal([new BatchesLost([.. damaged.Keys.Order()], reason, now)]);
            d.Do(new SetTimer(CoordinatorTimer.LeaseCheck, true));
            WatchForNoNodes(d);
            return;
        }
        if (merge.Manifest is { } manifest) Finish(d, manifest, now);
        else Fail(d, $"the tables are in results/, but its manifest.json could not be written ({merge.ManifestError}); check the run folder, then run the same command again");
    }

    /// <summary>After any change: snapshot, finish, or go on.</summary>
    void AfterChange(Builder d)
    {
        if (Phase == RunPhase.Running && _unchecked == 0 && _queue!.IsDrained && _writesInFlight == 0)
        {
            Phase = RunPhase.Finishing;
            _nodeDeadlineArmed = false;
            d.Do(new SetTimer(CoordinatorTimer.NodeDeadline, false));
            d.Do(new SetTimer(CoordinatorTimer.LeaseCheck, false));
            ShowProgress(d, d.Now);
            if (_journaledThisRun == 0 && _previous?.Stamp is { } stamp && stamp == CurrentStamp())
            {
                d.Do(new VerifyResults(_previous, _outputs));
                return;
            }
            d.Log(LogLevel.InfoLevel, "All files done; saving a final snapshot, then merging the tables");
            _filesSinceSnapshot = settings.SnapshotEveryFiles; // the final snapshot, so that a rerun recovers one record
        }
        if (_filesSinceSnapshot >= settings.SnapshotEveryFiles && !_snapshotInFlight)
        {
            _snapshotInFlight = true;
            _filesSinceSnapshot = 0;
            d.Do(new TakeSnapshot(new CoordinatorSnapshot(CoordinatorSnapshot.CurrentVersion, Ledger.ToBytes())));
        }
    }

    /// <summary>Files whose rows were lost are this run's to do again.</summary>
    void Requeue(IReadOnlyList<FileKey> keys)
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

    void Finish(Builder d, Manifest manifest, DateTimeOffset now)
    {
        Phase = RunPhase.Finished;
        d.Do(new SetTimer(CoordinatorTimer.Progress, false));
        ShowProgress(d, now, final: true);
        d.Do(new EndRun(new RunOutcome.Completed(manifest)));
    }

    void Stop(Builder d, StopRun stop, DateTimeOffset now)
    {
        if (Phase is RunPhase.Finished or RunPhase.Stopped) return;
        Phase = RunPhase.Stopped;
        d.Do(new SetTimer(CoordinatorTimer.Progress, false));
        var report = Report(now);
        d.Log(LogLevel.WarningLevel, $"Stopping ({stop.Reason}): {report.Done:N0}/{report.Total:N0} files done and journaled; run the same command again to resume");
        d.Do(new WriteStatus(report, Final: true));
        d.Do(new EndRun(new RunOutcome.Stopped(stop.Reason, report.Done, report.Total)));
    }

    void Fail(Builder d, string reason)
    {
        if (Phase is not (RunPhase.Finished or RunPhase.Stopped)) Phase = RunPhase.Stopped;
        d.Do(new SetTimer(CoordinatorTimer.Progress, false));
        d.Do(new EndRun(new RunOutcome.Failed(reason)));
    }

    void ShowProgress(Builder d, DateTimeOffset now, bool final = false)
    {
        var report = Report(now);
        d.Log(LogLevel.InfoLevel, report.LogLine);
        d.Do(new WriteStatus(report, final));
    }

    /// <summary>The progress reading for the log and status.json.</summary>
    public ProgressReport Report(DateTimeOffset now)
    {
        var phase = Phase.ToString().ToLowerInvariant();
        if (Progress == null) return new ProgressReport(phase, 0, 0, 0, 0, null, 0, 0, 0, 0, now, now);
        return Progress.Report(phase, now, NodeCount, _workers.Count, _queue!.Retries);
    }

    /// <summary>Collects one decision; a decision journals at most one write.</summary>
    sealed class Builder(CoordinatorState state, DateTimeOffset now)
    {
        public DateTimeOffset Now { get; } = now;

        readonly List<ICoordinatorEvent> _events = [];
        readonly List<Reply> _replies = [];
        readonly List<ICoordinatorEffect> _effects = [];
        long _writeId;

        public void Reply(string workerId, IWorkMessage message) => _replies.Add(new Reply(workerId, message));

        public void Do(ICoordinatorEffect effect) => _effects.Add(effect);

        public void Log(LogLevel level, string text) => _effects.Add(new Log(level, text));

        /// <summary>Events to journal as one write; quarantines are logged. Returns the write's id.</summary>
        public long Journal(IReadOnlyList<ICoordinatorEvent> events)
        {
            if (_writeId != 0) throw new InvalidOperationException("a decision journals at most one write");
            _events.AddRange(events);
            foreach (var q in events.OfType<FilesQuarantined>().SelectMany(e => e.Files))
                Log(LogLevel.WarningLevel, $"Quarantined {q.SourcePath}: {q.Reason}");
            state._writesInFlight++;
            return _writeId = ++state._lastWriteId;
        }

        public Decision Build() => _events.Count == 0 && _replies.Count == 0 && _effects.Count == 0
            ? Decision.None
            : new Decision(_events, _replies, _effects, _writeId);
    }
}
