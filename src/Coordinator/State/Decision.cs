using Akka.Event;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>
/// What the coordinator does about one command: events to journal (applied through <see cref="CoordinatorState.Apply"/>
/// once durable, then reported back as <see cref="EventsWritten"/> with <paramref name="WriteId"/>), replies to
/// send to workers now, and effects to carry out.
/// </summary>
public sealed record Decision(IReadOnlyList<ICoordinatorEvent> Events, IReadOnlyList<Reply> Replies, IReadOnlyList<ICoordinatorEffect> Effects, long WriteId)
{
    public static readonly Decision None = new([], [], [], 0);

    public T? Effect<T>() where T : class, ICoordinatorEffect => Effects.OfType<T>().FirstOrDefault();
}

/// <summary>A message for the worker with this id.</summary>
public sealed record Reply(string WorkerId, IWorkMessage Message);

/// <summary>Something the actor carries out for the state: I/O, timers, the log, the run's end.</summary>
public interface ICoordinatorEffect;

/// <summary>The timers the state switches on and off; their intervals are in <see cref="CoordinatorSettings"/>.</summary>
public enum CoordinatorTimer { Progress, LeaseCheck, NodeDeadline }

/// <summary>Switch a timer on (periodic, or once for the node deadline) or off.</summary>
public sealed record SetTimer(CoordinatorTimer Timer, bool On) : ICoordinatorEffect;

/// <summary>A line for the person watching the job.</summary>
public sealed record Log(LogLevel Level, string Text) : ICoordinatorEffect;

/// <summary>Watch a worker actor, so that its stopping comes back as <see cref="WorkerStopped"/>.</summary>
public sealed record WatchWorker(string WorkerId) : ICoordinatorEffect;

/// <summary>Check on disk the versions of these listing indices, off the actor's thread; they come back as <see cref="VersionsChecked"/>.</summary>
public sealed record CheckVersions(IReadOnlyList<int> Files, InputListing Input) : ICoordinatorEffect;

/// <summary>Save this snapshot; the outcome comes back as <see cref="SnapshotSettled"/>.</summary>
public sealed record TakeSnapshot(CoordinatorSnapshot Snapshot) : ICoordinatorEffect;

/// <summary>Check the tables in results/ against this manifest, off the actor's thread; the verdict comes back as <see cref="ResultsChecked"/>.</summary>
public sealed record VerifyResults(Manifest Previous, ResultOutputs Outputs) : ICoordinatorEffect;

/// <summary>
/// Merge the tables from this ledger, frozen (the run is finishing: nothing is journaled until the merge reports),
/// then write the manifest, off the actor's thread; the outcome comes back as <see cref="MergeFinished"/>.
/// </summary>
public sealed record MergeTables(RunLedger Ledger, InputListing Input, MergeStamp Stamp, int AlreadyDone, int Processed,
    DateTimeOffset StartedAt, IReadOnlyList<string> Nodes, ResultOutputs Outputs) : ICoordinatorEffect;

/// <summary>Write this progress reading to status.json, off the actor's thread; a final one is never skipped.</summary>
public sealed record WriteStatus(ProgressReport Report, bool Final) : ICoordinatorEffect;

/// <summary>The run is over: tell the host (and, when it completed, every worker).</summary>
public sealed record EndRun(RunOutcome Outcome) : ICoordinatorEffect;

/// <summary>How a run ended, for the host program's exit code.</summary>
public abstract record RunOutcome
{
    public sealed record Completed(Manifest Manifest) : RunOutcome;

    public sealed record Stopped(string Reason, int Done, int Total) : RunOutcome;

    public sealed record Failed(string Reason) : RunOutcome;
}
