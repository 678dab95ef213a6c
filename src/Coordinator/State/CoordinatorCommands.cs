using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>
/// What <see cref="CoordinatorState.Decide"/> decides on: a worker's request or report, a timer, a node leaving, or
/// what became of an effect the actor carried out (a write, a snapshot, a merge).
/// </summary>
public interface ICoordinatorCommand;

/// <summary>A worker as the state knows it: its id (actor path), its own name, its node's cluster address, and its node's name for the log and manifest.</summary>
public sealed record WorkerRef(string Id, string Name, string NodeAddress, string NodeName);

/// <summary>
/// Begin the run on its input, after recovery: <paramref name="JournalSequenceNr"/> is the recovered journal's
/// position, <paramref name="Previous"/> the manifest of the tables a finished run left in results/, if any,
/// <paramref name="Outputs"/> what the merge writes besides the CSV tables.
/// </summary>
public sealed record BeginRun(InputListing Input, long JournalSequenceNr, Manifest? Previous, ResultOutputs Outputs) : ICoordinatorCommand;

/// <summary>Answer a worker that asks for up to <paramref name="MaxFiles"/> files; a repeated <paramref name="RequestId"/> gets the same batch.</summary>
public sealed record HandOutWork(WorkerRef Worker, int MaxFiles, long RequestId) : ICoordinatorCommand;

/// <summary>Renew the leases of batches a worker still works on.</summary>
public sealed record RenewWorkerLeases(string WorkerId, IReadOnlyList<long> BatchIds) : ICoordinatorCommand;

/// <summary>Settle a batch a worker reported done.</summary>
public sealed record SettleBatch(string WorkerId, ReportBatchCompleted Report) : ICoordinatorCommand;

/// <summary>Take back batches whose lease ran out (every form3.coordinator.lease-check-interval).</summary>
public sealed record ExpireLeases : ICoordinatorCommand
{
    public static readonly ExpireLeases Instance = new();
}

/// <summary>A node left the cluster: its workers are gone.</summary>
public sealed record NodeLeft(string NodeAddress, string Status) : ICoordinatorCommand;

/// <summary>A worker actor stopped.</summary>
public sealed record WorkerStopped(string WorkerId) : ICoordinatorCommand;

/// <summary>The node deadline passed: end the run if no node is connected.</summary>
public sealed record EnforceNodeDeadline : ICoordinatorCommand
{
    public static readonly EnforceNodeDeadline Instance = new();
}

/// <summary>The events of the decision numbered <paramref name="WriteId"/> are durable and applied.</summary>
public sealed record EventsWritten(long WriteId) : ICoordinatorCommand;

/// <summary>A snapshot was saved or failed (the journal alone still recovers everything).</summary>
public sealed record SnapshotSettled(string? Failure) : ICoordinatorCommand;

/// <summary>The tables of an earlier run were checked against their manifest: <paramref name="Problem"/> is null if intact.</summary>
public sealed record ResultsChecked(string? Problem) : ICoordinatorCommand;

/// <summary>The merge's outcome: damaged segments, or the manifest written after the tables (or why it could not be).</summary>
public sealed record MergeFinished(MergeResult Result, Manifest? Manifest, string? ManifestError) : ICoordinatorCommand;

/// <summary>A background task of the run (version checks, the merge) failed.</summary>
public sealed record TaskFailed(Exception Cause) : ICoordinatorCommand;

/// <summary>Report progress to the log and status.json (every form3.coordinator.progress-interval).</summary>
public sealed record ReportProgress : ICoordinatorCommand
{
    public static readonly ReportProgress Instance = new();
}

/// <summary>Stop handing out work (SIGTERM, preemption, the lock lost): what is journaled stays; in-flight work is redone next time.</summary>
public sealed record StopRun(string Reason) : ICoordinatorCommand
{
    public static readonly StopRun OnSignal = new("SIGTERM");
}

/// <summary>The run cannot go on (the journal failed, the coordinator crashed): end it with this reason.</summary>
public sealed record AbandonRun(string Reason) : ICoordinatorCommand;
