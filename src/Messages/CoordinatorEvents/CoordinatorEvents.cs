using System.Collections.Immutable;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Messages.CoordinatorEvents;

/// <summary>
/// A batch's files were completed: their rows are in <paramref name="Segments"/>. Journaled once per batch, never
/// once per file. <paramref name="BatchRef"/> numbers batches across all runs of one journal.
/// </summary>
public sealed record FilesCompleted(
    int BatchRef,
    ImmutableArray<PartSegment> Segments,
    ImmutableArray<FileStamp> Files,
    DateTimeOffset OccurredAt) : ICoordinatorEvent;

/// <summary>Files that failed too many times: reported in ERRORS.csv, not retried until they change.</summary>
public sealed record FilesQuarantined(ImmutableArray<QuarantinedFile> Files, DateTimeOffset OccurredAt) : ICoordinatorEvent;

/// <summary>
/// The merge found segments of these batches lost, cut short or altered (<paramref name="Reason"/>): their files are
/// no longer finished, and are extracted again.
/// </summary>
public sealed record BatchesLost(ImmutableArray<int> BatchRefs, string Reason, DateTimeOffset OccurredAt) : ICoordinatorEvent;

/// <summary>Identifies one version of an input file: its key (hash of the full path), size and modification time.</summary>
public sealed record FileStamp(FileKey FileKey, long Size, long ModifiedUtcTicks);

public sealed record QuarantinedFile(FileStamp File, string SourcePath, string Kind, string Reason, int Attempts);

/// <summary>The coordinator's whole ledger in a compact binary form (see Coordinator's RunLedger).</summary>
/// <param name="Version">The ledger's byte format; recovery refuses a version it does not read rather than misread it.</param>
public sealed record CoordinatorSnapshot(int Version, byte[] Ledger) : IForm3Message
{
    public const int CurrentVersion = 1;
}
