using Akka.Actor;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// The supervisor of our top-level actors (akka.actor.guardian-supervisor-strategy in hocon/shared.conf): an actor
/// that throws is stopped, never restarted. A restarted coordinator would recover its journal but not the run it was
/// given and wait for ever; stopped, it ends the run with the reason.
/// </summary>
public sealed class StopOnFailureStrategy : SupervisorStrategyConfigurator
{
    public override SupervisorStrategy Create() => SupervisorStrategy.StoppingStrategy;
}
