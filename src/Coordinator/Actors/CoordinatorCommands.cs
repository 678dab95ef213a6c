using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;

namespace Form3Actors.Coordinator.Actors;

/// <summary>Tells the recovered coordinator what this run's input is; it then skips what the journal has finished.</summary>
public sealed record StartRun(InputListing Input);

/// <summary>Stop handing out work (SIGTERM, preemption): what is journaled stays; in-flight work is redone next time.</summary>
public sealed record StopRun(string Reason)
{
    public static readonly StopRun OnSignal = new("SIGTERM");
}

/// <summary>How a run ended, for the host program's exit code.</summary>
public abstract record RunOutcome
{
    public sealed record Completed(Manifest Manifest) : RunOutcome;

    public sealed record Stopped(string Reason, int Done, int Total) : RunOutcome;

    public sealed record Failed(string Reason) : RunOutcome;
}
