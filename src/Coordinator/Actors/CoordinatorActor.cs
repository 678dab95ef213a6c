using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Coordinator.State;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Actors;

/// <summary>
/// The run's coordinator: hands batches to workers that ask, journals completion batch by batch, takes work back
/// from nodes that leave, and when everything is done merges the tables and reports the outcome. What to do is
/// decided by <see cref="CoordinatorState"/>; this actor persists, replies, schedules and logs.
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

    sealed record ProgressTick
    {
        public static readonly ProgressTick Instance = new();
    }

    /// <summary>Fires form3.coordinator.node-join-timeout after the run began, or after its last node left, with none connected.</summary>
    sealed record NodeDeadline
    {
        public static readonly NodeDeadline Instance = new();
    }

    sealed record CheckLeases
    {
        public static readonly CheckLeases Instance = new();
    }

    /// <summary>The merge's outcome: damaged segments, or the manifest written after the tables (or why it could not be).</summary>
    sealed record MergeDone(MergeResult Result, Manifest? Manifest, string? ManifestError);

    /// <summary>The tables of an earlier run were checked against their manifest: null if intact, else what is wrong.</summary>
    sealed record ResultsChecked(string? Problem);

    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly CoordinatorSettings _settings;
    readonly CoordinatorState _state;
    readonly RunFolder _folder;
    readonly TaskCompletionSource<RunOutcome> _outcome;
    readonly TimeProvider _clock;
    readonly bool _expectsExternalNodes;
    /// <summary>Workers by id, to tell them when the run is finished; what they hold is the state's business.</summary>
    readonly Dictionary<string, IActorRef> _workers = [];
    readonly long _createdAt;
    /// <summary>Reports whose events are being written, with every sender of the report (repeats included) to acknowledge once durable.</summary>
    readonly Dictionary<long, List<IActorRef>> _acksAwaitingWrite = [];
    TimeSpan _recovery;
    string? _crash;
    /// <summary>The manifest of the tables an earlier run left in results/, read at start.</summary>
    Manifest? _previous;
    /// <summary>Ends a rerun's version checks when the run stops early.</summary>
    readonly CancellationTokenSource _stopChecks = new();
    long _checksStarted;
    Task _statusWrite = Task.CompletedTask;
    int _changedFound;

    public override string PersistenceId => JournalId;

    public ITimerScheduler Timers { get; set; } = null!;

    public CoordinatorActor(CoordinatorSettings settings, RunFolder folder, TaskCompletionSource<RunOutcome> outcome, TimeProvider clock, bool expectsExternalNodes)
    {
        _settings = settings;
        _state = new CoordinatorState(settings);
        _folder = folder;
        _outcome = outcome;
        _clock = clock;
        _expectsExternalNodes = expectsExternalNodes;
        _createdAt = clock.GetTimestamp();

        Recover<SnapshotOffer>(offer => _state.Restore(offer.Snapshot as CoordinatorSnapshot ?? throw new InvalidDataException(
            $"the journal holds a snapshot of type {offer.Snapshot.GetType().Name}, not a coordinator ledger")));
        Recover<ICoordinatorEvent>(_state.Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            _recovery = _clock.GetElapsedTime(_createdAt);
            _log.Info("Recovered journal {Journal}: {Finished:N0} finished files ({Quarantined:N0} quarantined) at sequence {Sequence} in {Seconds:F2} s",
                _folder.Journal, _state.Ledger.FileCount, _state.Ledger.QuarantinedCount, LastSequenceNr, _recovery.TotalSeconds);
        });

        Command<StartRun>(HandleStartRun);
        Command<VersionsChecked>(HandleVersionsChecked);
        Command<RequestWork>(HandleRequestWork);
        Command<RenewLeases>(renew => _state.RenewLeases(Sender.Path.ToString(), renew.BatchIds, _clock.GetUtcNow()));
        Command<CheckLeases>(_ => TakeBack(_state.ExpireLeases(_clock.GetUtcNow()),
            $"batch leases ran out (not renewed within form3.coordinator.batch-lease, {_settings.Queue.BatchLease.TotalSeconds:N0} s)"));
        Command<ReportBatchCompleted>(HandleReport);
        Command<ClusterEvent.MemberRemoved>(removed =>
        {
            if (removed.Member.Address.Equals(Cluster.Get(Context.System).SelfAddress)) return;
            if (_state.Phase is RunPhase.Running or RunPhase.Waiting) _log.Info("Node {Node} left the cluster ({Status})", removed.Member.Address, removed.PreviousStatus);
            var node = removed.Member.Address.ToString();
            foreach (var gone in _workers.Where(w => w.Value.Path.Address.Equals(removed.Member.Address)).Select(w => w.Key).ToList()) _workers.Remove(gone);
            TakeBack(_state.NodeLost(node, $"node {node} left the cluster while processing the file", _clock.GetUtcNow()), $"node {node} left the cluster");
            WatchForNoNodes();
        });
        Command<Terminated>(t =>
        {
            var id = t.ActorRef.Path.ToString();
            _workers.Remove(id);
            TakeBack(_state.WorkerLost(id, $"worker {id} stopped while processing the file", _clock.GetUtcNow()), $"worker {id} stopped");
            WatchForNoNodes();
        });
        Command<ProgressTick>(_ => LogProgress());
        Command<NodeDeadline>(_ =>
        {
            if (!_state.NoNodeConnected) return;
            var timeout = _settings.NodeJoinTimeout.TotalSeconds;
            Fail(_state.AnyNodeJoined
                ? $"every node left and none came back within {timeout:N0} s (form3.coordinator.node-join-timeout); what was journaled stays: " +
                  "start nodes with this run folder, or run the same command again"
                : $"no node joined within {timeout:N0} s; check that node processes were started with this run folder and can reach this host");
        });
        Command<StopRun>(HandleStopRun);
        Command<SaveSnapshotSuccess>(saved =>
        {
            // The snapshot holds everything up to its sequence number: older events and snapshots are dead weight.
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
            Carry(_state.SnapshotSettled());
        });
        Command<SaveSnapshotFailure>(failure =>
        {
            _log.Warning("Snapshot failed ({Reason}); the journal alone still recovers everything", failure.Cause.Message);
            Carry(_state.SnapshotSettled());
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("Could not trim the journal: {Reason}", f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("Could not delete old snapshots: {Reason}", f.Cause.Message));
        Command<MergeDone>(HandleMergeDone);
        Command<ResultsChecked>(checkedResults =>
        {
            if (checkedResults.Problem != null)
                _log.Warning("The tables in {Results} are not as their manifest says ({Problem}): merging them again", _folder.Results, checkedResults.Problem);
            Carry(_state.ResultsVerified(checkedResults.Problem == null));
        });
        Command<Status.Failure>(failure => Fail(_state.Phase == RunPhase.Running
            ? $"checking the input's files for changes failed: {failure.Cause.Message}"
            : $"merging the tables failed: {failure.Cause.Message}"));
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
        _stopChecks.Cancel();
        // The last status (finished, stopped) must be on disk before the process exits, unless the storage hangs.
        _statusWrite.Wait(_settings.ProgressInterval);
        // Whatever stopped this actor, the command waiting for the outcome must learn of it.
        _outcome.TrySetResult(new RunOutcome.Failed(_crash ?? "the coordinator stopped before the run ended; what was journaled stays: run the same command again to resume"));
        base.PostStop();
    }

    void HandleStartRun(StartRun start)
    {
        if (_state.Phase != RunPhase.Waiting) return;
        var input = start.Input;
        _previous = PreviousManifest();
        var steps = _state.Start(input, _clock.GetUtcNow(), LastSequenceNr, _previous?.Stamp);
        _log.Info("Input {Input}: {Listed:N0} files listed, {New:N0} new to process, {Known:N0} finished by earlier runs (checked for changes, {Threads} at a time); {Rows}",
            input.Description, input.Count, _state.Pending, _state.Unchecked, _settings.ChecksInFlight,
            $"{input.BlankRows:N0} blank rows, {input.DuplicateRows:N0} duplicate rows");
        Timers.StartPeriodicTimer(nameof(ProgressTick), ProgressTick.Instance, _settings.ProgressInterval);
        Timers.StartPeriodicTimer(nameof(CheckLeases), CheckLeases.Instance, _settings.LeaseCheckInterval);
        WatchForNoNodes();
        Carry(steps);
    }

    /// <summary>With external nodes only: a run that needs nodes and has none connected ends unless one comes within the deadline.</summary>
    void WatchForNoNodes()
    {
        if (_expectsExternalNodes && _state.NoNodeConnected && !Timers.IsTimerActive(nameof(NodeDeadline)))
            Timers.StartSingleTimer(nameof(NodeDeadline), NodeDeadline.Instance, _settings.NodeJoinTimeout);
    }

    /// <summary>The manifest of the tables in results/, if an earlier run finished them (whether they are intact is checked at the end).</summary>
    Manifest? PreviousManifest()
    {
        try
        {
            return Manifest.Read(_folder.Results);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return null; // unreadable: the tables are merged again
        }
    }

    void HandleVersionsChecked(VersionsChecked checks)
    {
        var (changed, steps) = _state.VersionsChecked(checks);
        _changedFound += changed;
        if (_state.Unchecked == 0)
            _log.Info("Checked the files earlier runs finished in {Seconds:F2} s: {Unchanged:N0} already done by earlier runs (skipped), {Changed:N0} changed or gone (to process)",
                _clock.GetElapsedTime(_checksStarted).TotalSeconds, _state.AlreadyDone, _changedFound);
        Carry(steps);
    }

    /// <summary>Checks the files the journal finished, off this actor's thread; the results come back as <see cref="VersionsChecked"/>.</summary>
    void StartVersionChecks()
    {
        var files = _state.TakeFilesToCheck();
        var input = _state.Input!;
        var self = Self;
        _checksStarted = _clock.GetTimestamp();
        VersionCheck.Run(files, i => input[i].Path, _settings.ChecksInFlight, checks => self.Tell(checks), _stopChecks.Token)
            .ContinueWith(t => self.Tell(new Status.Failure(t.Exception!.GetBaseException())), TaskContinuationOptions.OnlyOnFaulted);
    }

    void HandleRequestWork(RequestWork request)
    {
        var worker = Sender;
        var address = worker.Path.Address;
        var node = address.HasLocalScope ? $"{Environment.MachineName} (in-process)" : $"{address.Host}:{address.Port}";
        var (newWorker, newNode) = _state.WorkerSeen(worker.Path.ToString(), address.ToString(), node);
        if (newWorker)
        {
            _workers[worker.Path.ToString()] = worker;
            Context.Watch(worker);
        }
        if (newNode) _log.Info("Node {Node} asked for work ({Worker})", node, request.WorkerId);
        worker.Tell(_state.HandOut(worker.Path.ToString(), request.MaxFiles, _clock.GetUtcNow(), request.RequestId));
    }

    void HandleReport(ReportBatchCompleted report)
    {
        var worker = Sender;
        var accepted = new BatchAccepted(report.BatchId);
        var events = _state.Settle(report, _clock.GetUtcNow());
        if (events is null)
        {
            // A repeat. If the first report's events are still being written, it is acknowledged with them: only once durable.
            if (_acksAwaitingWrite.TryGetValue(report.BatchId, out var waiting)) waiting.Add(worker);
            else worker.Tell(accepted);
            return;
        }
        foreach (var failure in report.Failed)
            _log.Warning("File {FileKey} failed on {Worker} ({Kind}): {Reason}", failure.FileKey, report.WorkerId, failure.Kind, failure.Reason);
        _acksAwaitingWrite[report.BatchId] = [worker];
        PersistThen(events, () =>
        {
            _acksAwaitingWrite.Remove(report.BatchId, out var workers);
            foreach (var w in workers!) w.Tell(accepted);
        });
    }

    void TakeBack(CoordinatorState.Released released, string what)
    {
        if (released.Files > 0) _log.Warning("{What}: {Files:N0} files it held go back to the queue", what, released.Files);
        if (released.Events.Count > 0) PersistThen(released.Events, () => { });
    }

    /// <summary>
    /// Persists events, applies each once durable, then runs <paramref name="after"/> and what the state decides next.
    /// The actor goes on handling requests and reports meanwhile (PersistAllAsync): the journal then writes the events
    /// of several reports in one transaction, and no worker waits for another's write. Handlers still run in order.
    /// </summary>
    void PersistThen(IReadOnlyList<ICoordinatorEvent> events, Action after)
    {
        if (events.Count == 0)
        {
            after();
            return;
        }
        var remaining = events.Count;
        PersistAllAsync(events, evt =>
        {
            _state.Apply(evt);
            if (evt is FilesQuarantined quarantined)
                foreach (var q in quarantined.Files) _log.Warning("Quarantined {Path}: {Reason}", q.SourcePath, q.Reason);
            if (--remaining > 0) return;
            after();
            Carry(_state.Journaled());
        });
    }

    /// <summary>Carries out what the state decided.</summary>
    void Carry(NextSteps steps)
    {
        if (steps.HasFlag(NextSteps.CheckVersions)) StartVersionChecks();
        if (steps.HasFlag(NextSteps.Resume))
        {
            Timers.StartPeriodicTimer(nameof(CheckLeases), CheckLeases.Instance, _settings.LeaseCheckInterval);
            WatchForNoNodes();
        }
        if (steps.HasFlag(NextSteps.EnterFinishing))
        {
            Timers.Cancel(nameof(NodeDeadline));
            Timers.Cancel(nameof(CheckLeases));
            LogProgress();
            if (!steps.HasFlag(NextSteps.VerifyResults)) _log.Info("All files done; saving a final snapshot, then merging the tables");
        }
        if (steps.HasFlag(NextSteps.VerifyResults))
        {
            var (manifest, results) = (_previous!, _folder.Results);
            Task.Run(() => new ResultsChecked(manifest.ProblemWithTables(results, TableSchema.All.Select(TableSchema.FileName)))).PipeTo(Self);
        }
        if (steps.HasFlag(NextSteps.KeepResults))
        {
            _log.Info("Nothing changed since the tables in {Results} were written (same journal, same input): kept as they are", _folder.Results);
            Finish(_previous!);
        }
        if (steps.HasFlag(NextSteps.SaveSnapshot)) SaveSnapshot(_state.TakeSnapshot());
        if (steps.HasFlag(NextSteps.StartMerge))
        {
            var ledger = _state.Ledger;
            var input = _state.Input!;
            var merger = new TableMerger(_folder.Parts, _folder.Results, MergeThreads());
            var (alreadyDone, processed, startedAt, nodes, results) = (_state.AlreadyDone, _state.Progress!.Total, _state.StartedAt, _state.NodeNames.ToList(), _folder.Results);
            var (journal, recovery, stamp, clock) = (_folder.Journal, _recovery, _state.CurrentStamp(LastSequenceNr), _clock);
            // The merge and the manifest's durable write run off this actor's thread; the manifest only once the tables are durable.
            Task.Run(() =>
            {
                var result = merger.Merge(ledger, input);
                if (result.DamagedBatches.Count > 0) return new MergeDone(result, null, null);
                var manifest = Manifest.Of(input, alreadyDone, processed, result, startedAt, clock.GetUtcNow(), nodes, journal, recovery, stamp);
                try
                {
                    manifest.Write(results);
                    return new MergeDone(result, manifest, null);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return new MergeDone(result, null, e.Message);
                }
            }).PipeTo(Self);
        }
    }

    /// <summary>
    /// Every core, unless nodes of other processes are connected: then one core is left to the actor system, whose
    /// heartbeats they watch (a million-file merge on both cores of a 2-core machine delayed them for seconds, and
    /// nodes and coordinator marked each other unreachable, close to downing).
    /// </summary>
    int MergeThreads() =>
        _workers.Values.Any(w => !w.Path.Address.HasLocalScope) ? Math.Max(1, Environment.ProcessorCount - 1) : Environment.ProcessorCount;

    void HandleMergeDone(MergeDone done)
    {
        if (done.Result.DamagedBatches.Count > 0)
        {
            var (events, steps) = _state.MergeFoundDamage(done.Result.DamagedBatches, _clock.GetUtcNow());
            var lost = (BatchesLost)events[0];
            _log.Warning("The merge found part segments lost, cut short or altered since they were written ({Reason}); " +
                "the tables were left as they were, and the files of those batches are extracted again", lost.Reason);
            Carry(steps);
            PersistThen(events, () => _log.Info("{Files:N0} files to extract again", _state.Pending));
            return;
        }
        if (done.Manifest is { } manifest) Finish(manifest);
        else Fail($"the tables are in {_folder.Results}, but its manifest.json could not be written ({done.ManifestError}); check the run folder, then run the same command again");
    }

    void Finish(Manifest manifest)
    {
        _state.Finished();
        Timers.Cancel(nameof(ProgressTick));
        LogProgress(final: true);
        _log.Info("Run finished: tables in {Results} ({Rows})", _folder.Results,
            string.Join(", ", manifest.RowsPerTable.Select(kv => $"{kv.Key} {kv.Value:N0}")));
        // The outcome first: in-process workers stop on RunFinished, and the command takes their stopping before an
        // outcome as a failure.
        _outcome.TrySetResult(new RunOutcome.Completed(manifest));
        foreach (var worker in _workers.Values) worker.Tell(RunFinished.Instance);
    }

    void HandleStopRun(StopRun stop)
    {
        if (!_state.Stop()) return;
        _stopChecks.Cancel();
        Timers.Cancel(nameof(ProgressTick));
        var report = _state.Report(_clock.GetUtcNow());
        _log.Warning("Stopping ({Reason}): {Done:N0}/{Total:N0} files done and journaled; run the same command again to resume", stop.Reason, report.Done, report.Total);
        // The outcome once "stopped" is on disk (or after a progress interval, if the storage hangs): `status` must agree with the exit.
        var outcome = _outcome;
        Task.WhenAny(WriteStatus(report, final: true), Task.Delay(_settings.ProgressInterval))
            .ContinueWith(_ => outcome.TrySetResult(new RunOutcome.Stopped(stop.Reason, report.Done, report.Total)), TaskScheduler.Default);
    }

    void Fail(string reason)
    {
        _log.Error("Cannot go on: {Reason}", reason);
        _state.Stop();
        Timers.Cancel(nameof(ProgressTick));
        _outcome.TrySetResult(new RunOutcome.Failed(reason));
    }

    void LogProgress(bool final = false)
    {
        var report = _state.Report(_clock.GetUtcNow());
        _log.Info("Progress {Phase}: {Done:N0}/{Total:N0} files ({Percent:F1}%), {Rate:N0} files/s, {Details}",
            report.Phase, report.Done, report.Total, report.Percent, report.FilesPerSecond,
            $"ETA {report.EtaText}, nodes {report.NodesUp} ({report.Workers} workers), retries {report.Retries}, failures {report.Failures}, skipped {report.Skipped:N0} already done");
        WriteStatus(report, final);
    }

    /// <summary>
    /// Writes status.json off this actor's thread, so that a stalled run folder never holds up the run; while one
    /// write hangs, later readings are skipped (only the latest matters). The final reading (finished, stopped) is
    /// written after any earlier one, so it is the one that stays; <see cref="PostStop"/> waits for it.
    /// </summary>
    Task WriteStatus(ProgressReport report, bool final = false)
    {
        if (!final && !_statusWrite.IsCompleted) return _statusWrite;
        var (root, log) = (_folder.Root, _log);
        _statusWrite = _statusWrite.ContinueWith(_ =>
        {
            try
            {
                StatusFile.Write(root, report, Environment.ProcessId, Environment.MachineName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Only `status` reads it: the run goes on without it.
                log.Warning("Could not write the status file: {Reason}", e.Message);
            }
        }, TaskScheduler.Default);
        return _statusWrite;
    }
}
