using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// Downing for a run's cluster, which is a star: every node works for the one coordinator and is useless without it.
/// The coordinator downs a node that has stayed unreachable for form3.cluster.down-unreachable-after, and is never
/// downed by anyone; a node whose coordinator stays unreachable for form3.cluster.coordinator-unreachable-after
/// downs itself (it cannot work alone), and a node the coordinator removed (it learns so when the coordinator
/// quarantines it) leaves at once: both end the node process with "coordinator lost".
/// </summary>
/// <remarks>
/// Akka's split-brain resolver was tried first (keep-oldest): with nodes joining and being stopped in quick
/// succession it downed every member, the coordinator included, both on "unstable" reachability and on "indirectly
/// connected" members, which ended a healthy run. In a star nothing needs that safety: a node partitioned from the
/// coordinator cannot do any work, so downing it on the coordinator's side is always the right decision.
/// </remarks>
public sealed class CoordinatorDowningProvider(ActorSystem system, Cluster cluster) : IDowningProvider
{
    /// <summary>The role of the coordinator's actor system (akka.cluster.roles in hocon/coordinator.conf).</summary>
    public const string CoordinatorRole = "coordinator";

    readonly bool _onCoordinator = cluster.SelfRoles.Contains(CoordinatorRole);

    TimeSpan UnreachableAfter => system.Settings.Config.GetTimeSpan(_onCoordinator
        ? "form3.cluster.down-unreachable-after"
        : "form3.cluster.coordinator-unreachable-after");

    public TimeSpan DownRemovalMargin => TimeSpan.Zero;

    public Props DowningActorProps => Props.Create(() => new UnreachableDowning(UnreachableAfter, _onCoordinator));
}

/// <summary>
/// On the coordinator: downs a node that stays unreachable, so its work goes back to the queue. On a node: leaves
/// (downs itself) when the coordinator stays unreachable.
/// </summary>
sealed class UnreachableDowning : ReceiveActor, IWithTimers
{
    sealed record DownIfStillUnreachable(Member Member);

    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly Cluster _cluster = Cluster.Get(Context.System);

    public ITimerScheduler Timers { get; set; } = null!;

    public UnreachableDowning(TimeSpan unreachableAfter, bool onCoordinator)
    {
        Receive<ClusterEvent.UnreachableMember>(m =>
        {
            var mine = onCoordinator ? !m.Member.UniqueAddress.Equals(_cluster.SelfUniqueAddress) : m.Member.HasRole(CoordinatorDowningProvider.CoordinatorRole);
            if (mine) Timers.StartSingleTimer(m.Member.UniqueAddress, new DownIfStillUnreachable(m.Member), unreachableAfter);
        });
        Receive<ClusterEvent.ReachableMember>(m => Timers.Cancel(m.Member.UniqueAddress));
        Receive<DownIfStillUnreachable>(d =>
        {
            if (!_cluster.State.Unreachable.Any(m => m.UniqueAddress.Equals(d.Member.UniqueAddress))) return;
            if (onCoordinator)
            {
                _log.Warning("Node {Node} has been unreachable for {Seconds:N0} s: removing it from the run", d.Member.Address, unreachableAfter.TotalSeconds);
                _cluster.Down(d.Member.Address);
            }
            else
            {
                _log.Warning("The coordinator {Coordinator} has been unreachable for {Seconds:N0} s: leaving", d.Member.Address, unreachableAfter.TotalSeconds);
                Leave();
            }
        });
        // The coordinator removed this node (it was frozen or cut off for longer than the coordinator waits) and
        // will not talk to it again: its batches are someone else's now.
        Receive<ThisActorSystemQuarantinedEvent>(_ =>
        {
            if (onCoordinator) return;
            _log.Warning("The coordinator removed this node from the run (it was unreachable for too long); its batches went to other nodes: leaving");
            Leave();
        });
    }

    /// <summary>Downs this node and shuts its actor system down now: a removed node cannot rely on the cluster to tell it so.</summary>
    void Leave()
    {
        _cluster.Down(_cluster.SelfAddress);
        CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterDowningReason.Instance);
    }

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IReachabilityEvent));
        Context.System.EventStream.Subscribe(Self, typeof(ThisActorSystemQuarantinedEvent));
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }
}
