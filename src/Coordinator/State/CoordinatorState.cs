using Akka.Event;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>Where a run is: recovering its journal, handing out work, checkpointing and merging, or over.</summary>
public enum RunPhase { Waiting, Running, Finishing, Finished, Stopped }

/// <summary>
/// Every decision of the coordinator, with no actor system: which batch a worker gets, what a reported batch becomes
/// in the journal, when the run is finished. <see cref="Decide"/> takes one command and returns a <see cref="Decision"/>;
/// the actor around it only persists, replies and carries out the effects. What is journaled (the ledger, progress)
/// changes only through <see cref="Apply"/>, once durable, which also replays the journal on recovery. What is never
/// journaled is this run's bookkeeping: <see cref="BatchLeases"/> (who holds which batch), <see cref="FileQueue"/>
/// (which files are due, how often each failed) and <see cref="NodeRoster"/>; after a crash in-flight work is redone.
/// <see cref="BatchSettlement"/> decides what a batch that comes back becomes in the journal, <see cref="RunFinish"/>
/// how a run whose files are all settled ends (checkpoint, merge).
/// </summary>
public sealed class CoordinatorState
{
    readonly CoordinatorSettings _settings;
    readonly bool _needsNodes;
    readonly NodeRoster _roster = new();
    readonly BatchLeases _leases;
    readonly FileQueue _queue;
    readonly MissingFiles _missing;
    readonly RerunChecks _checks;
    readonly JournalWrites _writes = new();
    readonly BatchSettlement _settlement;
    readonly RunFinish _finish;
    int _journaledThisRun;
    long _sequenceAtStart;
    Manifest? _previous;
    ResultOutputs _outputs = ResultOutputs.CsvOnly;
    TimeSpan? _lastLeaseCheck;

    public CoordinatorState(CoordinatorSettings settings, InputListing input, bool needsNodes = false, long firstBatchId = 1)
    {
        (_settings, _needsNodes, Input) = (settings, needsNodes, input);
        Ledger = new RunLedger(input);
        _leases = new BatchLeases(settings.Queue.BatchLease, firstBatchId);
        _queue = new FileQueue(input, settings.Queue);
        _missing = new MissingFiles(input, settings.Missing);
        _checks = new RerunChecks(Ledger, _queue, settings.CheckDeadline);
        _settlement = new BatchSettlement(input, Ledger, _leases, _queue, _missing, _writes);
        _finish = new RunFinish(settings.Checkpoint, Ledger, _writes,
            () => new MergeTables(Ledger, Input, CurrentStamp(), AlreadyDone, Progress!.Total, StartedAt, [.. _roster.NodeNames], _outputs));
    }

    public RunPhase Phase { get; private set; } = RunPhase.Waiting;
    public RunLedger Ledger { get; }
    public InputListing Input { get; }
    public RunProgress? Progress { get; private set; }
    /// <summary>Files of the input that earlier runs of this journal finished (skipped by this run).</summary>
    public int AlreadyDone => _checks.AlreadyDone;
    public DateTimeOffset StartedAt { get; private set; }
    public int WorkerCount => _roster.Workers;
    /// <summary>Files due and not handed out now.</summary>
    public int Pending => _queue.Waiting;
    /// <summary>Files the journal knows whose check has not come back yet.</summary>
    public int Unchecked => _checks.Unchecked;

    /// <summary>Recovery from a snapshot of an earlier release, before the events after it.</summary>
    public void Restore(CoordinatorSnapshot snapshot) => Ledger.Restore(snapshot);

    /// <summary>A durable event: on recovery and after every write of this run.</summary>
    public void Apply(ICoordinatorEvent evt)
    {
        if (Phase == RunPhase.Waiting)
        {
            Ledger.Apply(evt);
            return;
        }
        _journaledThisRun++;
        switch (evt)
        {
            case FilesCompleted completed:
                Ledger.Apply(evt, _settlement.IndicesOf(evt));
                Progress!.Completed(completed.Files.Length);
                break;
            case FilesQuarantined quarantined:
                Ledger.Apply(evt);
                Progress!.Quarantined(quarantined.Files.Length);
                break;
            case BatchesLost batches:
                var lost = Ledger.FilesOf(batches.BatchRefs);
                Ledger.Apply(evt);
                foreach (var index in lost) _queue.MakeDue(index);
                Progress!.Reopen(lost.Count);
                break;
            case LedgerCheckpointed part:
                Ledger.Checkpointed(part); // written from this very ledger: nothing to apply
                break;
        }
    }

    /// <summary>What to do about <paramref name="command"/>, decided at <paramref name="now"/>.</summary>
    public Decision Decide(ICoordinatorCommand command, Instant now)
    {
        var d = new DecisionBuilder(now);
        switch (command)
        {
            case JournalRecovered recovered: _sequenceAtStart = recovered.SequenceNr; break;
            case StartRun start: Begin(d, start); break;
            case VersionsChecked checks when Phase == RunPhase.Running: Progress!.Skip(_checks.Count(d, checks, now.Wall - StartedAt)); break;
            case FromWorker { Message: RequestWork request } from: HandOut(d, from.Worker, request); break;
            case FromWorker { Message: RenewLeases renew } from: _leases.Renew(from.Worker.Id, renew.BatchIds, now.Monotonic); break;
            case FromWorker { Message: ReportBatchCompleted report } from: _settlement.Settle(d, from.Worker.Id, report); break;
            case ExpireLeases: Expire(d); break;
            case NodeLeft left:
                if (Phase is RunPhase.Running or RunPhase.Waiting) d.Log(LogLevel.InfoLevel, $"Node {left.NodeAddress} left the cluster ({left.Status})");
                var gone = _roster.RemoveNode(left.NodeAddress).ToHashSet();
                _settlement.TakeBack(d, _leases.Release(gone.Contains), FailureKind.NodeLost, $"node {left.NodeAddress} left the cluster");
                break;
            case WorkerStopped stopped when _roster.RemoveWorker(stopped.WorkerId):
                _settlement.TakeBack(d, _leases.Release(id => id == stopped.WorkerId), FailureKind.WorkerLost, $"worker {stopped.WorkerId} stopped");
                break;
            case EnforceNodeDeadline deadline when Phase == RunPhase.Running && _roster.DeadlinePassed(deadline.Generation):
                var seconds = _settings.NodeJoinTimeout.TotalSeconds;
                Fail(d, _roster.NodeNames.Count > 0
                    ? $"every node left and none came back within {seconds:N0} s (form3.coordinator.node-join-timeout); what was journaled stays: " +
                      "start nodes with this run folder, or run the same command again"
                    : $"no node joined within {seconds:N0} s; check that node processes were started with this run folder and can reach this host");
                break;
            case EventsWritten written:
                _writes.Written(d, written.WriteId);
                if (Phase == RunPhase.Finishing) _finish.Written(d);
                break;
            case ResultsChecked results when Phase == RunPhase.Finishing: ResultsVerified(d, results); break;
            case MergeFinished merge when Phase == RunPhase.Finishing: MergeDone(d, merge); break;
            case TaskFailed failed:
                Fail(d, Phase == RunPhase.Running ? $"checking the input's files for changes failed: {failed.Cause.Message}" : $"merging the tables failed: {failed.Cause.Message}");
                break;
            case ReportProgress: ShowProgress(d); break;
            case StopRun stop: Stop(d, stop); break;
            case AbandonRun abandon: Fail(d, abandon.Reason); break;
        }
        AfterChange(d);
        return d.Build();
    }

    /// <summary>
    /// The run begins: files the journal never finished are due at once, unchecked; those it finished are checked on
    /// disk (<see cref="CheckVersions"/>) and due if their version changed.
    /// </summary>
    void Begin(DecisionBuilder d, StartRun start)
    {
        if (Phase != RunPhase.Waiting) return;
        (_previous, _outputs, StartedAt) = (start.Previous, start.Outputs, d.Now.Wall);
        var toCheck = _checks.Begin(Input.Count);
        Progress = new RunProgress(Input.Count, 0, d.Now.Wall, _settings.RateWindow);
        Phase = RunPhase.Running;
        d.Log(LogLevel.InfoLevel, $"Input {Input.Description}: {Input.Count:N0} files listed, {_queue.Due:N0} new to process, " +
            $"{toCheck.Count:N0} finished by earlier runs (checked for changes, {_settings.ChecksInFlight} at a time); " +
            $"{Input.BlankRows:N0} blank rows, {Input.DuplicateRows:N0} duplicate rows, {Input.SkippedRows:N0} index rows of other forms skipped");
        d.Do(new SetTimer(CoordinatorTimer.Progress, true));
        d.Do(new SetTimer(CoordinatorTimer.LeaseCheck, true));
        if (toCheck.Count > 0) d.Do(new CheckVersions(toCheck));
    }

    /// <summary>Registers a worker the first time it asks, and answers its request (a repeated request gets the batch it already got).</summary>
    void HandOut(DecisionBuilder d, WorkerRef worker, RequestWork request)
    {
        var (newWorker, newNode) = _roster.Register(worker);
        if (newWorker) d.Do(new WatchWorker(worker.Id));
        if (newNode) d.Log(LogLevel.InfoLevel, $"Node {worker.NodeName} asked for work ({worker.Name})");
        if (Phase == RunPhase.Finished) d.Reply(worker.Id, RunFinished.Instance);
        else if (_leases.Repeat(worker.Id, request.RequestId) is { } again) d.Reply(worker.Id, again);
        else if (Phase != RunPhase.Running || _queue.Take(FileQueue.SizeFor(_queue.Waiting, _roster.Workers, request.MaxFiles, _settings.Queue)) is not { Length: > 0 } files)
            d.Reply(worker.Id, new NoWorkYet(request.RequestId));
        else
            d.Reply(worker.Id, _leases.Grant(worker.Id, request.RequestId, files, id => _queue.Assignment(id, request.RequestId, files), d.Now.Monotonic).Assignment);
    }

    /// <summary>
    /// Takes back batches whose lease ran out. If far more time than the check interval passed since the last check,
    /// the coordinator itself was frozen (SIGSTOP, a long GC, swapped out) and nobody could renew: leases are extended instead.
    /// </summary>
    void Expire(DecisionBuilder d)
    {
        if (Phase != RunPhase.Running) return;
        var gap = _lastLeaseCheck is { } last ? d.Now.Monotonic - last : TimeSpan.Zero;
        _lastLeaseCheck = d.Now.Monotonic;
        if (gap > 2 * _settings.LeaseCheckInterval)
        {
            _leases.Extend(gap);
            return;
        }
        _settlement.TakeBack(d, _leases.Expire(d.Now.Monotonic), FailureKind.LeaseExpired,
            $"batch leases ran out (not renewed within form3.coordinator.batch-lease, {_settings.Queue.BatchLease.TotalSeconds:N0} s)");
        _leases.ForgetExpired(_queue.Settled);
    }

    /// <summary>What merged tables would be made of now: the journal as it is, this listing with the versions it holds, and the outputs asked for.</summary>
    public MergeStamp CurrentStamp() => new(_sequenceAtStart + _journaledThisRun, Input.Fingerprint(Ledger.VersionOf), _outputs.ToString());

    /// <summary>After any change: stop a run whose files are all missing, start finishing once everything is settled and durable.</summary>
    void AfterChange(DecisionBuilder d)
    {
        if (Phase == RunPhase.Running && _missing.AllMissing() is { } missing) Refuse(d, missing);
        if (Phase != RunPhase.Running) return;
        if (_checks.Unchecked > 0 || _queue.Due > 0 || _writes.InFlight > 0)
        {
            if (!_needsNodes) return;
            if (_roster.ArmDeadlineIfAlone() is > 0 and var generation) d.Do(new ArmNodeDeadline(generation));
            if (_roster.DisarmDeadlineIfJoined()) d.Do(new SetTimer(CoordinatorTimer.NodeDeadline, false));
            return;
        }
        Phase = RunPhase.Finishing;
        d.Do(new SetTimer(CoordinatorTimer.NodeDeadline, false));
        d.Do(new SetTimer(CoordinatorTimer.LeaseCheck, false));
        ShowProgress(d);
        if (_missing.TooMany() is { } warning) d.Log(LogLevel.WarningLevel, warning);
        if (_journaledThisRun == 0 && _previous?.Stamp is { } stamp && stamp == CurrentStamp())
        {
            d.Do(new VerifyResults(_previous, _outputs));
            return;
        }
        _finish.CheckpointAndMerge(d);
    }

    /// <summary>The files of an earlier run were checked: kept if intact, merged again if one is missing, cut short or changed.</summary>
    void ResultsVerified(DecisionBuilder d, ResultsChecked results)
    {
        if (results.Problem == null)
        {
            d.Log(LogLevel.InfoLevel, "Nothing changed since the tables in results/ were written (same journal, same input): kept as they are");
            Finish(d, _previous!);
            return;
        }
        d.Log(LogLevel.WarningLevel, $"The files in results/ are not as their manifest says ({results.Problem}): merging them again");
        _finish.CheckpointAndMerge(d);
    }

    /// <summary>The merge's outcome: damaged segments are journaled as lost batches, whose files are due again; otherwise the run is finished.</summary>
    void MergeDone(DecisionBuilder d, MergeFinished merge)
    {
        if (_finish.FoundDamage(d, merge.Result))
        {
            Phase = RunPhase.Running;
            d.Do(new SetTimer(CoordinatorTimer.LeaseCheck, true));
            return;
        }
        if (merge.UnusedPartsRemoved > 0)
            d.Log(LogLevel.InfoLevel, $"Removed {merge.UnusedPartsRemoved:N0} part files no journaled batch uses ({merge.UnusedPartBytes / 1048576.0:N1} MiB; workers stopped or abandoned before their batches were journaled)");
        if (merge.Manifest is { } manifest) Finish(d, manifest);
        else Fail(d, $"the tables are in results/, but its manifest.json could not be written ({merge.ManifestError}); check the run folder, then run the same command again");
    }

    void Finish(DecisionBuilder d, Manifest manifest)
    {
        Phase = RunPhase.Finished;
        d.Do(new SetTimer(CoordinatorTimer.Progress, false));
        ShowProgress(d, final: true);
        d.Do(new EndRun(new RunOutcome.Completed(manifest)));
    }

    void Stop(DecisionBuilder d, StopRun stop)
    {
        if (Phase is RunPhase.Finished or RunPhase.Stopped) return;
        Phase = RunPhase.Stopped;
        d.Do(new SetTimer(CoordinatorTimer.Progress, false));
        var report = Report(d.Now.Wall);
        d.Log(LogLevel.WarningLevel, $"Stopping ({stop.Reason}): {report.Done:N0}/{report.Total:N0} files done and journaled; run the same command again to resume");
        d.Do(new WriteStatus(report, Final: true));
        d.Do(new EndRun(new RunOutcome.Stopped(stop.Reason, report.Done, report.Total)));
    }

    void Fail(DecisionBuilder d, string reason) => End(d, new RunOutcome.Failed(reason));

    void Refuse(DecisionBuilder d, string reason) => End(d, new RunOutcome.Refused(reason));

    void End(DecisionBuilder d, RunOutcome outcome)
    {
        if (Phase is not (RunPhase.Finished or RunPhase.Stopped)) Phase = RunPhase.Stopped;
        d.Do(new SetTimer(CoordinatorTimer.Progress, false));
        d.Do(new EndRun(outcome));
    }

    void ShowProgress(DecisionBuilder d, bool final = false)
    {
        var report = Report(d.Now.Wall);
        d.Log(LogLevel.InfoLevel, report.LogLine);
        d.Do(new WriteStatus(report, final));
    }

    /// <summary>The progress reading for the log and status.json.</summary>
    public ProgressReport Report(DateTimeOffset now) => Progress == null
        ? new ProgressReport(Phase.ToString().ToLowerInvariant(), 0, 0, 0, 0, null, 0, 0, 0, 0, now, now)
        : Progress.Report(Phase.ToString().ToLowerInvariant(), now, _roster.Nodes, _roster.Workers, _queue.Retries);
}
