using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;
using Akka.Remote.Transport;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// Fault injection for tests (form3.testing.drop-remote-messages): has Akka's failure-injector transport adapter
/// drop a share of the remote messages to and from every other member of the cluster. The adapter keeps its mode per
/// remote address, and resets it to pass-through whenever a new outbound connection is made, so the mode is set
/// again for every member at every tick.
/// </summary>
sealed class Gremlins : ReceiveActor, IWithTimers
{
    sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    static readonly TimeSpan Every = TimeSpan.FromMilliseconds(500);

    public ITimerScheduler Timers { get; set; } = null!;

    public Gremlins(double dropRate)
    {
        var cluster = Cluster.Get(Context.System);
        var transport = ((IRemoteActorRefProvider)((ExtendedActorSystem)Context.System).Provider).Transport;
        var drop = new FailureInjectorTransportAdapter.Drop(dropRate, dropRate);
        Receive<Tick>(_ =>
        {
            foreach (var member in cluster.State.Members.Where(m => !m.Address.Equals(cluster.SelfAddress)))
                transport.ManagementCommand(new FailureInjectorTransportAdapter.One(member.Address, drop));
        });
        Context.GetLogger().Warning("FAULT INJECTION (form3.testing.drop-remote-messages): {Percent:P1} of remote messages are dropped each way", dropRate);
    }

    public static Props Props(double dropRate) => Akka.Actor.Props.Create(() => new Gremlins(dropRate));

    protected override void PreStart() => Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, Every);
}
