using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;
using Akka.Remote.Transport;

namespace Form3Actors.FaultInjection;

/// <summary>
/// Drops a share of remote messages (form3-testing.drop-remote-messages), started by <see cref="GremlinsExtension"/>: has Akka's failure-injector transport adapter
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
        Context.GetLogger().Warning("FAULT INJECTION (form3-testing.drop-remote-messages): {Percent:P1} of remote messages are dropped each way", dropRate);
    }

    internal static Props Props(double dropRate) => Akka.Actor.Props.Create(() => new Gremlins(dropRate));

    protected override void PreStart() => Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, Every);
}

/// <summary>
/// Starts <see cref="Gremlins"/> in a test process whose configuration lists this extension in <c>akka.extensions</c>
/// and applies Akka's failure-injector adapter (<c>akka.remote.dot-netty.tcp.applied-adapters = [gremlin]</c>).
/// </summary>
public sealed class GremlinsExtension : ExtensionIdProvider<GremlinsExtension.Started>
{
    public const string DropRateKey = "form3-testing.drop-remote-messages";

    public sealed class Started : IExtension;

    public override Started CreateExtension(ExtendedActorSystem system)
    {
        var dropRate = system.Settings.Config.GetDouble(DropRateKey, 0);
        if (dropRate > 0) system.SystemActorOf(Gremlins.Props(dropRate), "gremlins");
        return new Started();
    }
}
