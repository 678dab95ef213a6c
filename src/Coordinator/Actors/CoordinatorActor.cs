using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using Form3Actors.Coordinator.Hosting;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Coordinator.State;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Node.Hosting;

namespace Form3Actors.Coordinator.Actors;

/// <summary>
/// The run's coordinator: hands batches to workers that ask, journals completion batch by batch, takes work back
/// from nodes that leave, and when everything is done merges the tables and reports the outcome.
/// </summary>
/// <remarks>
/// The persistence id is fixed (not derived from host or job) so that a requeued job on other machines resumes the
/// same stream. Only completion is journaled; what is in flight is not, because after a crash it is simply redone:
/// its rows were never journaled, so the merge ignores them.
/// </remarks>
public sealed class CoordinatorActor : ReceivePersistentActor, IWithTimers
{
    public const string Name = RunFolder.CoordinatorActorName;
    const string JournalId = "form3-coordinator";

    enum Phase { Waiting, Running, Finishing, Finished, Stopped }

    sealed record ProgressTick
    {
        public static readonly ProgressTick Instance = new();
    }

    sealed record NodeJoinDeadline
    {
        public static readonly NodeJoinDeadline Instance = new();
    }

    sealed record MergeDone(MergeResult Result);

    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly CoordinatorSettings _settings;
    readonly RunFolder _folder;
    readonly TaskCompletionSource<RunOutcome> _outcome;
    readonly TimeProvider _clock;
    readonly bool _expectsExternalNodes;
    readonly Dictionary<string, IActorRef> _workers = [];
    readonly HashSet<string> _nodeHosts = [];

    RunLedger _ledger = new();
    Phase _phase = Phase.Waiting;
    WorkQueue? _queue;
    RunProgress? _progress;
    InputListing? _input;
    int _alreadyDone;
    int _filesSinceSnapshot;
    bool _snapshotInFlight;
    DateTimeOffset _startedAt;
    readonly long _createdAt;
    TimeSpan _recovery;
    string? _crash;

    public override string PersistenceId => JournalId;

    public ITimerScheduler Timers { get; set; } = null!;

    public CoordinatorActor(CoordinatorSettings settings, RunFolder folder, TaskCompletionSource<RunOutcome> outcome, TimeProvider clock, bool expectsExternalNodes)
    {
        _settings = settings;
        _folder = folder;
        _outcome = outcome;
        _clock = clock;
        _expectsExternalNodes = expectsExternalNodes;
        _createdAt = clock.GetTimestamp();

        Recover<SnapshotOffer>(offer => _ledger = offer.Snapshot switch
        {
            CoordinatorSnapshot { Version: CoordinatorSnapshot.CurrentVersion } snapshot => RunLedger.FromBytes(snapshot.Ledger),
            CoordinatorSnapshot other => throw new InvalidDataException(
                $"the journal's snapshot has format version {other.Version}, this program reads {CoordinatorSnapshot.CurrentVersion}: it was written by another version of Form3Actors"),
            var other => throw new InvalidDataException($"the journal holds a snapshot of type {other.GetType().Name}, not a coordinator ledger"),
        });
        Recover<FilesCompleted>(e => _ledger.Apply(e));
        Recover<FilesQuarantined>(e => _ledger.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            _recovery = _clock.GetElapsedTime(_createdAt);
            _log.Info("Recovered journal {Journal}: {Finished:N0} finished files ({Quarantined:N0} quarantined) at sequence {Sequence} in {Seconds:F2} s",
                _folder.Journal, _ledger.FileCount, _ledger.QuarantinedCount, LastSequenceNr, _recovery.TotalSeconds);
        });

        Command<StartRun>(HandleStartRun);
        Command<RequestWork>(HandleRequestWork);
        Command<ReportBatchCompleted>(HandleReport);
        Command<ClusterEvent.MemberRemoved>(removed =>
        {
            if (_phase is Phase.Running or Phase.Waiting && !removed.Member.Address.Equals(Cluster.Get(Context.System).SelfAddress))
                _log.Info("Node {Node} left the cluster ({Status})", removed.Member.Address, removed.PreviousStatus);
            ReleaseWhere(r => r.Path.Address.Equals(removed.Member.Address), "node_lost", $"node {removed.Member.Address} left the cluster while processing the file");
        });
        Command<Terminated>(t => ReleaseWhere(r => r.Equals(t.ActorRef), "worker_lost", $"worker {t.ActorRef.Path} stopped while processing the file"));
        Command<ProgressTick>(_ => LogProgress());
        Command<NodeJoinDeadline>(_ => HandleNodeJoinDeadline());
        Command<StopRun>(HandleStopRun);
        Command<SaveSnapshotSuccess>(HandleSnapshotSaved);
        Command<SaveSnapshotFailure>(failure =>
        {
            _snapshotInFlight = false;
            _log.Warning("Snapshot failed ({Reason}); the journal alone still recovers everything", failure.Cause.Message);
            if (_phase == Phase.Finishing) StartMerge();
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("Could not trim the journal: {Reason}", f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("Could not delete old snapshots: {Reason}", f.Cause.Message));
        Command<MergeDone>(HandleMergeDone);
        Command<Status.Failure>(failure => Fail($"merging the tables failed: {failure.Cause.Message}"));
    }

    public static Props Props(CoordinatorSettings settings, RunFolder folder, TaskCompletionSource<RunOutcome> outcome, TimeProvider clock, bool expectsExternalNodes) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(settings, folder, outcome, clock, expectsExternalNodes));

    /// <summary>
    /// Remembers what made a handler throw: the guardian then stops this actor (hocon/shared.conf), and
    /// <see cref="PostStop"/> ends the run with that reason instead of leaving the command waiting.
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception e)
        {
            _crash ??= $"the coordinator failed while handling {message.GetType().Name} ({e.GetBaseException().GetType().Name}: {e.GetBaseException().Message}); " +
                "what was journaled stays: run the same command again to resume, and report this error if it repeats";
            throw;
        }
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Fail($"the journal {_folder.Journal} could not be written ({cause.GetBaseException().Message}); check that the run folder's file system " +
            "is writable and not full, then run the same command again: what was journaled before stays");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        Fail($"the journal refused an event ({@event.GetType().Name}: {cause.GetBaseException().Message}); what was journaled before stays");
        base.OnPersistRejected(cause, @event, sequenceNr);
        Context.Stop(Self);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Fail($"the journal {_folder.Journal} could not be read ({reason.GetBaseException().Message}); move it aside to start this run folder afresh");
        base.OnRecoveryFailure(reason, message);
    }

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
        base.PreStart();
    }

    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        // Whatever stopped this actor, the command waiting for the outcome must learn of it.
        _outcome.TrySetResult(new RunOutcome.Failed(_crash ?? "the coordinator stopped before the run ended; what was journaled stays: run the same command again to resume"));
        base.PostStop();
    }

    void HandleStartRun(StartRun start)
    {
        if (_phase != Phase.Waiting) return;
        _input = start.Input;
        _startedAt = _clock.GetUtcNow();
        var pending = Enumerable.Range(0, start.Input.Count).Where(i =>
        {
            var (key, size, ticks) = start.Input.VersionAt(i);
            return !_ledger.IsFinished(key, size, ticks);
        }).ToList();
        _alreadyDone = start.Input.Count - pending.Count;
        _queue = new WorkQueue(start.Input, pending, _settings.Queue);
        _progress = new RunProgress(pending.Count, _alreadyDone, _startedAt, _settings.RateWindow);
        _phase = Phase.Running;
        var input = start.Input;
        _log.Info("Input {Input}: {Listed:N0} files listed, {AlreadyDone:N0} already done by earlier runs (skipped), {Pending:N0} to process; {Unusable}",
            input.Description, input.Count, _alreadyDone, pending.Count,
            $"{input.Unusable.Count:N0} missing or not regular files, {input.BlankRows:N0} blank rows, {input.DuplicateRows:N0} duplicate rows");
        Timers.StartPeriodicTimer(nameof(ProgressTick), ProgressTick.Instance, _settings.ProgressInterval);
        if (_expectsExternalNodes && pending.Count > 0)
            Timers.StartSingleTimer(nameof(NodeJoinDeadline), NodeJoinDeadline.Instance, _settings.NodeJoinTimeout);
        CheckFinished();
    }

    void HandleRequestWork(RequestWork request)
    {
        var worker = Sender;
        var id = worker.Path.ToString();
        if (_workers.TryAdd(id, worker))
        {
            Context.Watch(worker);
            var node = worker.Path.Address.HasLocalScope ? $"{Environment.MachineName} (in-process)" : $"{worker.Path.Address.Host}:{worker.Path.Address.Port}";
            if (_nodeHosts.Add(node)) _log.Info("Node {Node} asked for work ({Worker})", node, request.WorkerId);
        }
        switch (_phase)
        {
            case Phase.Running:
                var batch = _queue!.TryTake(id, request.MaxFiles, _workers.Count);
                worker.Tell(batch is null ? NoWorkYet.Instance : batch);
                break;
            case Phase.Finished:
                worker.Tell(RunFinished.Instance);
                break;
            default:
                worker.Tell(NoWorkYet.Instance);
                break;
        }
    }

    void HandleReport(ReportBatchCompleted report)
    {
        var worker = Sender;
        var settlement = _queue?.Settle(report.BatchId, report.Completed, report.Failed);
        if (settlement is null)
        {
            // Already settled or taken back: its rows stay out of the tables because nothing journals them.
            worker.Tell(new BatchAccepted(report.BatchId));
            return;
        }
        foreach (var failure in report.Failed)
            _log.Warning("File {FileKey} failed on {Worker} ({Kind}): {Reason}", failure.FileKey, report.WorkerId, failure.Kind, failure.Reason);

        var now = _clock.GetUtcNow();
        var events = new List<ICoordinatorEvent>(2);
        if (settlement.Completed.Count > 0)
            events.Add(new FilesCompleted(_ledger.NextBatchRef, report.Segments, settlement.Completed.Select(Stamp).ToImmutableArray(), now));
        if (settlement.Quarantined.Count > 0)
            events.Add(new FilesQuarantined(settlement.Quarantined.ToImmutableArray(), now));
        PersistThen(events, () => worker.Tell(new BatchAccepted(report.BatchId)));
    }

    void ReleaseWhere(Func<IActorRef, bool> matches, string kind, string reason)
    {
        var gone = _workers.Where(kv => matches(kv.Value)).Select(kv => kv.Key).ToHashSet();
        if (gone.Count == 0) return;
        foreach (var id in gone) _workers.Remove(id);
        if (_queue == null) return;
        var released = _queue.Release(gone.Contains, kind, reason);
        if (released.Files > 0) _log.Warning("{What}: {Files:N0} files it held go back to the queue", reason.Replace(" while processing the file", ""), released.Files);
        if (released.Quarantined.Count > 0) PersistThen([new FilesQuarantined(released.Quarantined.ToImmutableArray(), _clock.GetUtcNow())], () => { });
    }

    /// <summary>Persists events, applies each once durable, then runs <paramref name="after"/> and checks for the end.</summary>
    void PersistThen(IReadOnlyList<ICoordinatorEvent> events, Action after)
    {
        if (events.Count == 0)
        {
            after();
            CheckFinished();
            return;
        }
        var remaining = events.Count;
        PersistAll(events, evt =>
        {
            _ledger.Apply(evt);
            switch (evt)
            {
                case FilesCompleted completed:
                    _progress?.Completed(completed.Files.Length);
                    _filesSinceSnapshot += completed.Files.Length;
                    break;
                case FilesQuarantined quarantined:
                    _progress?.Quarantined(quarantined.Files.Length);
                    foreach (var q in quarantined.Files) _log.Warning("Quarantined {Path}: {Reason}", q.SourcePath, q.Reason);
                    break;
            }
            if (--remaining > 0) return;
            after();
            if (_filesSinceSnapshot >= _settings.SnapshotEveryFiles) TakeSnapshot();
            CheckFinished();
        });
    }

    static FileStamp Stamp(InputFile file) => new(FileKeys.ToText(file.Key), file.Size, file.ModifiedUtcTicks);

    void TakeSnapshot()
    {
        if (_snapshotInFlight) return;
        _snapshotInFlight = true;
        _filesSinceSnapshot = 0;
        SaveSnapshot(new CoordinatorSnapshot(CoordinatorSnapshot.CurrentVersion, _ledger.ToBytes()));
    }

    void HandleSnapshotSaved(SaveSnapshotSuccess saved)
    {
        _snapshotInFlight = false;
        // The snapshot holds everything up to its sequence number: older events and snapshots are dead weight.
        DeleteMessages(saved.Metadata.SequenceNr);
        DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        if (_phase == Phase.Finishing) StartMerge();
    }

    void CheckFinished()
    {
        if (_phase != Phase.Running || !_queue!.IsDrained) return;
        _phase = Phase.Finishing;
        Timers.Cancel(nameof(NodeJoinDeadline));
        LogProgress();
        _log.Info("All files done; saving a final snapshot, then merging the tables");
        if (_snapshotInFlight) return;
        _filesSinceSnapshot = _settings.SnapshotEveryFiles;
        TakeSnapshot();
    }

    void StartMerge()
    {
        var ledger = _ledger;
        var input = _input!;
        var merger = new TableMerger(_folder.Parts, _folder.Results);
        Task.Run(() => new MergeDone(merger.Merge(ledger, input))).PipeTo(Self);
    }

    void HandleMergeDone(MergeDone done)
    {
        var manifest = Manifest.Of(_input!, _alreadyDone, _progress!.Total, done.Result, _startedAt, _clock.GetUtcNow(), _nodeHosts, _folder.Journal, _recovery);
        try
        {
            manifest.Write(_folder.Results);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail($"the tables are in {_folder.Results}, but its manifest.json could not be written ({e.Message}); check the run folder, then run the same command again");
            return;
        }
        _phase = Phase.Finished;
        Timers.Cancel(nameof(ProgressTick));
        LogProgress();
        _log.Info("Run finished: tables in {Results} ({Rows})", _folder.Results,
            string.Join(", ", done.Result.RowsPerTable.Select(kv => $"{kv.Key} {kv.Value:N0}")));
        // The outcome first: in-process workers stop on RunFinished, and the command takes their stopping before an
        // outcome as a failure.
        _outcome.TrySetResult(new RunOutcome.Completed(manifest));
        foreach (var worker in _workers.Values) worker.Tell(RunFinished.Instance);
    }

    void HandleStopRun(StopRun stop)
    {
        if (_phase is Phase.Finished or Phase.Stopped) return;
        _phase = Phase.Stopped;
        Timers.Cancel(nameof(ProgressTick));
        var report = Report();
        _log.Warning("Stopping ({Reason}): {Done:N0}/{Total:N0} files done and journaled; run the same command again to resume", stop.Reason, report.Done, report.Total);
        WriteStatus(report);
        _outcome.TrySetResult(new RunOutcome.Stopped(stop.Reason, report.Done, report.Total));
    }

    void HandleNodeJoinDeadline()
    {
        if (_workers.Count > 0 || _phase != Phase.Running) return;
        Fail($"no node joined within {_settings.NodeJoinTimeout.TotalSeconds:N0} s; check that node processes were started with this run folder and can reach this host");
    }

    void Fail(string reason)
    {
        _log.Error("Cannot go on: {Reason}", reason);
        _phase = Phase.Stopped;
        Timers.Cancel(nameof(ProgressTick));
        _outcome.TrySetResult(new RunOutcome.Failed(reason));
    }

    ProgressReport Report()
    {
        var phase = _phase.ToString().ToLowerInvariant();
        if (_progress == null) return new ProgressReport(phase, 0, 0, 0, 0, null, 0, 0, 0, 0, _clock.GetUtcNow(), _clock.GetUtcNow());
        var nodes = _workers.Values.Select(w => w.Path.Address).Distinct().Count();
        return _progress.Report(phase, _clock.GetUtcNow(), nodes, _workers.Count, _queue!.Retries);
    }

    void LogProgress()
    {
        var report = Report();
        _log.Info("Progress {Phase}: {Done:N0}/{Total:N0} files ({Percent:F1}%), {Rate:N0} files/s, {Details}",
            report.Phase, report.Done, report.Total, report.Percent, report.FilesPerSecond,
            $"ETA {report.EtaText}, nodes {report.NodesUp} ({report.Workers} workers), retries {report.Retries}, failures {report.Failures}, skipped {report.Skipped:N0} already done");
        WriteStatus(report);
    }

    void WriteStatus(ProgressReport report)
    {
        try
        {
            StatusFile.Write(_folder.Root, report, Environment.ProcessId, Environment.MachineName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only `status` reads it: the run goes on without it.
            _log.Warning("Could not write the status file: {Reason}", e.Message);
        }
    }
}
