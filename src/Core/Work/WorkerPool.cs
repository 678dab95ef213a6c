using Akka.Actor;
using Akka.Event;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Core.Work;

/// <summary>
/// The workers of one node (one per core it was given) and the reads they share. Stops itself when every worker has
/// stopped, which happens when the coordinator says the run is finished or goes away, and then completes
/// <c>finished</c> with which of the two it was, so the node process can exit with the right code.
/// </summary>
public sealed class WorkerPool : ReceiveActor
{
    /// <summary>The pool's actor name under /user, in the coordinator's embedded mode and in `join` alike.</summary>
    public const string Name = "workers";

    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly FileFetcher _fetcher;
    int _running;
    bool _runFinished;

    public WorkerPool(IActorRef coordinator, WorkerSettings settings, int workers, string nodeName, TaskCompletionSource<bool>? finished = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        _fetcher = new FileFetcher(new FilingReader(settings.MaxFileBytes), settings.ReadsInFlight);
        for (var i = 1; i <= workers; i++)
        {
            var id = $"{nodeName}-w{i}-{suffix}";
            Context.Watch(Context.ActorOf(WorkerActor.Props(coordinator, settings, id, _fetcher), $"w{i}"));
        }
        _running = workers;
        _log.Info("Node {Node}: {Workers} workers pulling from {Coordinator}, up to {Reads} reads in flight", nodeName, workers, coordinator.Path,
            settings.ReadsInFlight);

        Receive<Terminated>(_ =>
        {
            if (--_running > 0) return;
            Context.Stop(Self);
        });
        _nodeName = nodeName;
        Receive<RunFinished>(_ => _runFinished = true);
        _finished = finished;
    }

    readonly TaskCompletionSource<bool>? _finished;
    readonly string _nodeName;

    /// <summary>
    /// A worker that throws is stopped, not restarted: a restarted worker would forget the batches it holds while
    /// the coordinator still counts them as its. Stopped, it is seen to stop (the coordinator watches it) and what
    /// it held goes back to the queue; the node goes on with its other workers.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(cause =>
    {
        _log.Error("Node {Node}: a worker failed ({Reason}) and is stopped; its batches go back to the coordinator's queue, {Left} workers go on",
            _nodeName, cause.Message, _running - 1);
        return Directive.Stop;
    });

    /// <summary>However the pool stops (its workers are done, or it failed), the node process learns of it.</summary>
    protected override void PostStop()
    {
        _fetcher.Dispose();
        _finished?.TrySetResult(_runFinished);
    }

    public static Props Props(IActorRef coordinator, WorkerSettings settings, int workers, string nodeName, TaskCompletionSource<bool>? finished = null) =>
        Akka.Actor.Props.Create(() => new WorkerPool(coordinator, settings, workers, nodeName, finished));
}
