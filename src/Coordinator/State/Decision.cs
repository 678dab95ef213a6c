using Akka.Event;
using Form3Actors.Coordinator.Output;
using Form3Actors.Messages;
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

/// <summary>The periodic timers the state switches on and off; their intervals are in <see cref="CoordinatorSettings"/>.</summary>
public enum CoordinatorTimer { Progress, LeaseCheck, NodeDeadline }

/// <summary>Switch a periodic timer on, or any timer off.</summary>
public sealed record SetTimer(CoordinatorTimer Timer, bool On) : ICoordinatorEffect;

/// <summary>End the run unless a node connects within form3.coordinator.node-join-timeout: comes back as <see cref="EnforceNodeDeadline"/>.</summary>
public sealed record ArmNodeDeadline(int Generation) : ICoordinatorEffect;

/// <summary>A line for the person watching the job.</summary>
public sealed record Log(LogLevel Level, string Text) : ICoordinatorEffect;

/// <summary>Watch a worker actor, so that its stopping comes back as <see cref="WorkerStopped"/>.</summary>
public sealed record WatchWorker(string WorkerId) : ICoordinatorEffect;

/// <summary>Check on disk the versions of these listing indices, off the actor's thread; they come back as <see cref="VersionsChecked"/>.</summary>
public sealed record CheckVersions(IReadOnlyList<int> Files) : ICoordinatorEffect;

/// <summary>The last part of a checkpoint is durable: delete every event before its first part (and snapshots of earlier releases).</summary>
public sealed record TrimJournal : ICoordinatorEffect
{
    public static readonly TrimJournal Instance = new();
}

/// <summary>Check the files in results/ against this manifest, off the actor's thread; the verdict comes back as <see cref="ResultsChecked"/>.</summary>
public sealed record VerifyResults(Manifest Previous, ResultOutputs Outputs) : ICoordinatorEffect;

/// <summary>
/// Merge the tables from this ledger, frozen (the run is finishing: nothing is journaled until the merge reports),
/// then write the manifest, off the actor's thread; the outcome comes back as <see cref="MergeFinished"/>.
/// </summary>
public sealed record MergeTables(RunLedger Ledger, Inputs.InputListing Input, MergeStamp Stamp, int AlreadyDone, int Processed,
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

    /// <summary>The input cannot be used as it is (its files are not there): what was journaled stays.</summary>
    public sealed record Refused(string Reason) : RunOutcome;
}

/// <summary>Collects one decision: at most one write of events, replies, effects.</summary>
public sealed class DecisionBuilder(Instant now)
{
    readonly List<ICoordinatorEvent> _events = [];
    readonly List<Reply> _replies = [];
    readonly List<ICoordinatorEffect> _effects = [];

    public Instant Now { get; } = now;
    public long WriteId { get; private set; }

    public void Reply(string workerId, IWorkMessage message) => _replies.Add(new Reply(workerId, message));

    public void Do(ICoordinatorEffect effect) => _effects.Add(effect);

    public void Log(LogLevel level, string text) => _effects.Add(new Log(level, text));

    /// <summary>Events to journal as this decision's one write, numbered <paramref name="writeId"/>.</summary>
    public void Journal(IReadOnlyList<ICoordinatorEvent> events, long writeId)
    {
        if (WriteId != 0) throw new InvalidOperationException("a decision journals at most one write");
        _events.AddRange(events);
        WriteId = writeId;
    }

    public Decision Build() => _events.Count == 0 && _replies.Count == 0 && _effects.Count == 0
        ? Decision.None
        : new Decision(_events, _replies, _effects, WriteId);
}
