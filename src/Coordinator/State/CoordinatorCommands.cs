using Form3Actors.Coordinator.Output;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>
/// What <see cref="CoordinatorState.Decide"/> decides on: the host's start and stop, a worker's message, a timer, a
/// node leaving, or what became of an effect the actor carried out (a write, a check, a merge).
/// </summary>
public interface ICoordinatorCommand;

/// <summary>A reading of the coordinator's clocks: the wall clock for what people read, a monotonic one for leases.</summary>
public readonly record struct Instant(DateTimeOffset Wall, TimeSpan Monotonic);

/// <summary>The journal is recovered up to <paramref name="SequenceNr"/>, in <paramref name="Took"/>.</summary>
public sealed record JournalRecovered(long SequenceNr, TimeSpan Took) : ICoordinatorCommand;

/// <summary>
/// Begins the run on the recovered journal. <paramref name="Previous"/> is the manifest of the tables a finished run
/// left in results/, if any (read by the host, off the coordinator's thread): unchanged and intact, they are kept.
/// <paramref name="Outputs"/>: what the merge writes besides the CSV tables.
/// </summary>
public sealed record StartRun(Manifest? Previous, ResultOutputs Outputs) : ICoordinatorCommand;

/// <summary>A message of a worker: <see cref="RequestWork"/>, <see cref="RenewLeases"/> or <see cref="ReportBatchCompleted"/>.</summary>
public sealed record FromWorker(WorkerRef Worker, IWorkMessage Message) : ICoordinatorCommand;

/// <summary>A node left the cluster: its workers are gone.</summary>
public sealed record NodeLeft(string NodeAddress, string Status) : ICoordinatorCommand;

/// <summary>A worker actor stopped.</summary>
public sealed record WorkerStopped(string WorkerId) : ICoordinatorCommand;

/// <summary>Take back batches whose lease ran out (every form3.coordinator.lease-check-interval).</summary>
public sealed record ExpireLeases : ICoordinatorCommand
{
    public static readonly ExpireLeases Instance = new();
}

/// <summary>The node deadline of this generation passed: end the run if still no node is connected.</summary>
public sealed record EnforceNodeDeadline(int Generation) : ICoordinatorCommand;

/// <summary>Report progress to the log and status.json (every form3.coordinator.progress-interval).</summary>
public sealed record ReportProgress : ICoordinatorCommand
{
    public static readonly ReportProgress Instance = new();
}

/// <summary>
/// Versions found on disk for some files the journal finished, by listing index; <paramref name="TimedOut"/>: the
/// paths among them whose check did not come back within form3.coordinator.check-deadline (their version is unknown).
/// </summary>
public sealed record VersionsChecked(int[] Indices, FileVersion[] Versions, IReadOnlyList<string> TimedOut) : ICoordinatorCommand;

/// <summary>The events of the decision numbered <paramref name="WriteId"/> are durable and applied.</summary>
public sealed record EventsWritten(long WriteId) : ICoordinatorCommand;

/// <summary>The tables of an earlier run were checked against their manifest: <paramref name="Problem"/> is null if intact.</summary>
public sealed record ResultsChecked(string? Problem) : ICoordinatorCommand;

/// <summary>The merge's outcome: damaged segments, or the manifest written after the tables (or why it could not be).</summary>
public sealed record MergeFinished(MergeResult Result, Manifest? Manifest, string? ManifestError, int UnusedPartsRemoved = 0, long UnusedPartBytes = 0) : ICoordinatorCommand;

/// <summary>A background task of the run (version checks, the merge) failed.</summary>
public sealed record TaskFailed(Exception Cause) : ICoordinatorCommand;

/// <summary>Stop handing out work (SIGTERM, preemption, the lock lost): what is journaled stays; in-flight work is redone next time.</summary>
public sealed record StopRun(string Reason) : ICoordinatorCommand;

/// <summary>The run cannot go on (the journal failed, the coordinator crashed): end it with this reason.</summary>
public sealed record AbandonRun(string Reason) : ICoordinatorCommand;
