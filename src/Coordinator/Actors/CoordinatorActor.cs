using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Hosting;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.Actors;

/// <summary>
/// The run's coordinator. What to do is decided by <see cref="CoordinatorState"/>; this actor turns what arrives into
/// commands, journals the events of each decision, replies to workers and carries out the effects.
/// </summary>
/// <remarks>
/// The persistence id is fixed (not derived from host or job) so that a requeued job on other machines resumes the
/// same stream. Only completion is journaled; what is in flight is not, because after a crash it is simply redone:
/// its rows were never journaled, so the merge ignores them. The actor is made once the input is listed, so that its
/// recovery lays what the journal knows straight beside the listing.
/// </remarks>
public sealed class CoordinatorActor : ReceivePersistentActor, IWithTimers
{
    public const string Name = RunFolder.CoordinatorActorName;
    const string JournalId = "form3-coordinator";

    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly CoordinatorSettings _settings;
    readonly CoordinatorState _state;
    readonly RunFolder _folder;
    readonly TaskCompletionSource<RunOutcome> _outcome;
    readonly TimeProvider _clock;
    readonly StatusWriter _status;
    /// <summary>Every worker that sent something, by id, for the replies of decisions.</summary>
    readonly Dictionary<string, IActorRef> _workers = [];
    /// <summary>Ends a rerun's version checks when the run ends early.</summary>
    readonly CancellationTokenSource _stopChecks = new();
    readonly long _createdAt;
    TimeSpan _recovery;
    /// <summary>The sequence number of the first part of the checkpoint being journaled: what is before it goes once the last part is durable.</summary>
    long _checkpointFrom;
    /// <summary>Recovery began at an earlier release's snapshot, which goes with the events once a checkpoint replaces them.</summary>
    bool _recoveredFromSnapshot;
    string? _crash;

    public override string PersistenceId => JournalId;

    public ITimerScheduler Timers { get; set; } = null!;

    public CoordinatorActor(CoordinatorSettings settings, InputListing input, RunFolder folder, TaskCompletionSource<RunOutcome> outcome, TimeProvider clock,
        bool expectsExternalNodes)
    {
        _settings = settings;
        _state = new CoordinatorState(settings, input, needsNodes: expectsExternalNodes, firstBatchId: BatchLeases.NewEpoch());
        _folder = folder;
        _outcome = outcome;
        _clock = clock;
        _status = new StatusWriter(folder.Root, _log);
        _createdAt = clock.GetTimestamp();

        Recover<SnapshotOffer>(offer =>
        {
            _state.Restore(offer.Snapshot as CoordinatorSnapshot ?? throw new InvalidDataException(
                $"the journal holds a snapshot of type {offer.Snapshot.GetType().Name}, not a coordinator ledger"));
            _recoveredFromSnapshot = true;
        });
        Recover<ICoordinatorEvent>(_state.Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            _recovery = _clock.GetElapsedTime(_createdAt);
            _log.Info("Recovered journal {Journal}: {Finished:N0} finished files ({Quarantined:N0} quarantined) at sequence {Sequence} in {Seconds:F2} s",
                _folder.Journal, _state.Ledger.FileCount, _state.Ledger.QuarantinedCount, LastSequenceNr, _recovery.TotalSeconds);
            Decide(new JournalRecovered(LastSequenceNr, _recovery));
        });

        Command<RequestWork>(request => Decide(new FromWorker(Worker(request.WorkerId), request)));
        Command<RenewLeases>(renew => Decide(new FromWorker(Worker(renew.WorkerId), renew)));
        Command<ReportBatchCompleted>(report => Decide(new FromWorker(Worker(report.WorkerId), report)));
        Command<ClusterEvent.MemberRemoved>(removed =>
        {
            if (removed.Member.Address.Equals(Cluster.Get(Context.System).SelfAddress)) return;
            foreach (var gone in _workers.Where(w => w.Value.Path.Address.Equals(removed.Member.Address)).Select(w => w.Key).ToList()) _workers.Remove(gone);
            Decide(new NodeLeft(removed.Member.Address.ToString(), removed.PreviousStatus.ToString()));
        });
        Command<Terminated>(t =>
        {
            _workers.Remove(t.ActorRef.Path.ToString());
            Decide(new WorkerStopped(t.ActorRef.Path.ToString()));
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("Could not delete the journal's events before its checkpoint: {Reason}", f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("Could not delete snapshots of an earlier release: {Reason}", f.Cause.Message));
        Command<Status.Failure>(failure => Decide(new TaskFailed(failure.Cause)));
        Command<ICoordinatorCommand>(Decide);
    }

    public static Props Props(CoordinatorSettings settings, InputListing input, RunFolder folder, TaskCompletionSource<RunOutcome> outcome, TimeProvider clock,
        bool expectsExternalNodes) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(settings, input, folder, outcome, clock, expectsExternalNodes));

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
        Decide(new AbandonRun($"the journal {_folder.Journal} could not be written ({cause.GetBaseException().Message}); check that the run folder's " +
            "file system is writable and not full, then run the same command again: what was journaled before stays"));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        Decide(new AbandonRun($"the journal refused an event ({@event.GetType().Name}: {cause.GetBaseException().Message}); what was journaled before stays"));
        base.OnPersistRejected(cause, @event, sequenceNr);
        Context.Stop(Self);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Decide(new AbandonRun($"the journal {_folder.Journal} could not be read ({reason.GetBaseException().Message}); move it aside to start this run folder afresh"));
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
        _status.Last.Wait(_settings.ProgressInterval);
        // Whatever stopped this actor, the command waiting for the outcome must learn of it.
        _outcome.TrySetResult(new RunOutcome.Failed(_crash ?? "the coordinator stopped before the run ended; what was journaled stays: run the same command again to resume"));
        base.PostStop();
    }

    /// <summary>The worker that sent the message being handled, remembered for replies.</summary>
    WorkerRef Worker(string name)
    {
        var id = Sender.Path.ToString();
        _workers[id] = Sender;
        var address = Sender.Path.Address;
        var node = address.HasLocalScope ? $"{Environment.MachineName} (in-process)" : $"{address.Host}:{address.Port}";
        return new WorkerRef(id, name, address.ToString(), node);
    }

    /// <summary>
    /// Decides, then carries out the decision: replies at once, journals the events without waiting (PersistAllAsync:
    /// the journal writes the events of several reports in one transaction, and no worker waits for another's write),
    /// applying each once durable and reporting the write back, and carries out the effects.
    /// </summary>
    void Decide(ICoordinatorCommand command)
    {
        var decision = _state.Decide(command, new Instant(_clock.GetUtcNow(), _clock.GetElapsedTime(_createdAt)));
        foreach (var reply in decision.Replies)
            if (_workers.TryGetValue(reply.WorkerId, out var worker)) worker.Tell(reply.Message);
        if (decision.Events.Count > 0)
        {
            var remaining = decision.Events.Count;
            PersistAllAsync(decision.Events, evt =>
            {
                if (evt is LedgerCheckpointed { Part: 0 }) _checkpointFrom = LastSequenceNr;
                _state.Apply(evt);
                if (--remaining == 0) Decide(new EventsWritten(decision.WriteId));
            });
        }
        foreach (var effect in decision.Effects) Carry(effect);
    }

    void Carry(ICoordinatorEffect effect)
    {
        var self = Self;
        switch (effect)
        {
            case Log log:
                _log.Log(log.Level, log.Text);
                break;
            case SetTimer { On: false } timer:
                Timers.Cancel(timer.Timer);
                break;
            case SetTimer { Timer: CoordinatorTimer.Progress }:
                Timers.StartPeriodicTimer(CoordinatorTimer.Progress, ReportProgress.Instance, _settings.ProgressInterval);
                break;
            case SetTimer { Timer: CoordinatorTimer.LeaseCheck }:
                Timers.StartPeriodicTimer(CoordinatorTimer.LeaseCheck, ExpireLeases.Instance, _settings.LeaseCheckInterval);
                break;
            case ArmNodeDeadline deadline:
                Timers.StartSingleTimer(CoordinatorTimer.NodeDeadline, new EnforceNodeDeadline(deadline.Generation), _settings.NodeJoinTimeout);
                break;
            case WatchWorker watch:
                Context.Watch(_workers[watch.WorkerId]);
                break;
            case CheckVersions check:
                var input = _state.Input;
                VersionCheck.Run(check.Files, i => InputFile.FullPath(input.Root, input[i].SourcePath), _settings.ChecksInFlight, _settings.CheckDeadline,
                        checks => self.Tell(checks), _stopChecks.Token)
                    .ContinueWith(t => self.Tell(new Status.Failure(t.Exception!.GetBaseException())), TaskContinuationOptions.OnlyOnFaulted);
                break;
            case TrimJournal:
                DeleteMessages(_checkpointFrom - 1);
                if (_recoveredFromSnapshot) DeleteSnapshots(SnapshotSelectionCriteria.Latest);
                break;
            case VerifyResults verify:
                var results = _folder.Results;
                Task.Run(() => new ResultsChecked(verify.Previous.ProblemWithTables(results, verify.Outputs.Files()))).PipeTo(self);
                break;
            case MergeTables merge:
                MergeJob.Run(merge, _folder, MergeThreads(), _recovery, _clock).PipeTo(self);
                break;
            case WriteStatus status:
                _status.Write(status.Report, status.Final);
                break;
            case EndRun end:
                End(end.Outcome);
                break;
            default:
                throw new ArgumentException($"{effect.GetType().Name} is not a coordinator effect", nameof(effect));
        }
    }

    /// <summary>
    /// Every core, unless nodes of other processes are connected: then one core is left to the actor system, whose
    /// heartbeats they watch (a million-file merge on both cores of a 2-core machine delayed them for seconds, and
    /// nodes and coordinator marked each other unreachable, close to downing).
    /// </summary>
    int MergeThreads() =>
        _workers.Values.Any(w => !w.Path.Address.HasLocalScope) ? Math.Max(1, Environment.ProcessorCount - 1) : Environment.ProcessorCount;

    void End(RunOutcome outcome)
    {
        _stopChecks.Cancel();
        switch (outcome)
        {
            case RunOutcome.Completed completed:
                _log.Info("Run finished: tables in {Results} ({Rows}); errors by kind: {Errors}", _folder.Results,
                    string.Join(", ", completed.Manifest.RowsPerTable.Select(kv => $"{kv.Key} {kv.Value:N0}")),
                    completed.Manifest.ErrorsByKind.Count == 0 ? "none" : string.Join(", ", completed.Manifest.ErrorsByKind.Select(kv => $"{kv.Key} {kv.Value:N0}")));
                // The outcome first: in-process workers stop on RunFinished, and the command takes their stopping
                // before an outcome as a failure.
                _outcome.TrySetResult(outcome);
                foreach (var worker in _workers.Values) worker.Tell(RunFinished.Instance);
                break;
            case RunOutcome.Stopped:
                // Once "stopped" is on disk (or after a progress interval, if the storage hangs): `status` must agree with the exit.
                var result = _outcome;
                Task.WhenAny(_status.Last, Task.Delay(_settings.ProgressInterval)).ContinueWith(_ => result.TrySetResult(outcome), TaskScheduler.Default);
                break;
            case RunOutcome.Failed failed:
                _log.Error("Cannot go on: {Reason}", failed.Reason);
                _outcome.TrySetResult(outcome);
                break;
            case RunOutcome.Refused refused:
                _log.Error("Stopping: {Reason}", refused.Reason);
                _outcome.TrySetResult(outcome);
                break;
        }
    }
}
