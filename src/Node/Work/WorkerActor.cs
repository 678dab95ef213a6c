using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Node.Extraction;
using Form3Actors.Node.Output;

namespace Form3Actors.Node.Work;

/// <summary>
/// Pulls batches from the coordinator one at a time: asks only when idle, so nothing queues up unbounded on either
/// side. Extraction runs on the thread pool and comes back as a message; the actor itself never blocks.
/// </summary>
public sealed class WorkerActor : ReceiveActor, IWithTimers
{
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly IActorRef _coordinator;
    readonly WorkerSettings _settings;
    readonly string _workerId;
    readonly BatchProcessor _processor;

    sealed record AskAgain
    {
        public static readonly AskAgain Instance = new();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public WorkerActor(IActorRef coordinator, WorkerSettings settings, string workerId)
    {
        _coordinator = coordinator;
        _settings = settings;
        _workerId = workerId;
        _processor = new BatchProcessor(new FilingReader(settings.MaxFileBytes), new PartFileWriter(settings.PartsDirectory, workerId), workerId);

        Receive<AssignBatch>(HandleAssignBatch);
        Receive<ReportBatchCompleted>(report =>
        {
            _coordinator.Tell(report);
            AskForWork();
        });
        Receive<Status.Failure>(HandleProcessingFailure);
        Receive<NoWorkYet>(_ => Timers.StartSingleTimer(nameof(AskAgain), AskAgain.Instance, _settings.NoWorkRetry));
        Receive<AskAgain>(_ => AskForWork());
        Receive<BatchAccepted>(_ => { });
        Receive<RunFinished>(finished =>
        {
            Context.Parent.Tell(finished);
            Context.Stop(Self);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_coordinator), _ =>
        {
            _log.Warning("Worker {0}: coordinator is gone; stopping", _workerId);
            Context.Stop(Self);
        });
    }

    public static Props Props(IActorRef coordinator, WorkerSettings settings, string workerId) =>
        Akka.Actor.Props.Create(() => new WorkerActor(coordinator, settings, workerId));

    protected override void PreStart()
    {
        Context.Watch(_coordinator);
        AskForWork();
    }

    protected override void PostStop() => _processor.Dispose();

    void AskForWork() => _coordinator.Tell(new RequestWork(_workerId, _settings.RequestSize));

    AssignBatch? _current;

    void HandleAssignBatch(AssignBatch batch)
    {
        _current = batch;
        var processor = _processor;
        Task.Run(() => processor.Process(batch)).PipeTo(Self);
    }

    /// <summary>
    /// A fault in our own code, not in a filing (those become error rows): report every file of the batch as failed
    /// so the coordinator retries it elsewhere and, if it keeps failing, quarantines it with this reason.
    /// </summary>
    void HandleProcessingFailure(Status.Failure failure)
    {
        var batch = _current;
        if (batch == null) return;
        _log.Error(failure.Cause, "Worker {0}: batch {1} failed inside the worker", _workerId, batch.BatchId);
        var reason = $"worker fault: {failure.Cause.GetBaseException().Message}";
        _coordinator.Tell(new ReportBatchCompleted(batch.BatchId, _workerId, [], [],
            batch.Files.Select(f => new FileFailure(f.FileKey, "worker_error", reason)).ToImmutableArray()));
        AskForWork();
    }
}
