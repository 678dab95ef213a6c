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

/// <summary>
/// One part of a checkpoint of the ledger: everything the journal knew when the checkpoint began, written in
/// <paramref name="Parts"/> parts that are journaled one after the other with no other event between them; once the
/// last is durable, every event before the first is deleted. Replayed, the parts rebuild that ledger, and what was
/// journaled after them applies on top. A checkpoint costs what the ledger holds, once: no part is ever rewritten.
/// </summary>
/// <param name="Files">Files the journal finished (extracted, or quarantined with <see cref="FileEntry.QuarantinedBatch"/>).</param>
/// <param name="Batches">The part segments of batches that hold current rows.</param>
/// <param name="Quarantined">What the ERRORS table says of each quarantined file.</param>
public sealed record LedgerCheckpointed(
    int Part,
    int Parts,
    int NextBatchRef,
    ImmutableArray<FileEntry> Files,
    ImmutableArray<BatchSegments> Batches,
    ImmutableArray<QuarantinedFile> Quarantined,
    DateTimeOffset OccurredAt) : ICoordinatorEvent;

/// <summary>Identifies one version of an input file: its key (hash of the full path), size and modification time.</summary>
public readonly record struct FileStamp(FileKey FileKey, long Size, long ModifiedUtcTicks);

/// <summary>A file the journal finished: the version it finished and the batch whose segments hold its rows.</summary>
public readonly record struct FileEntry(FileKey FileKey, long Size, long ModifiedUtcTicks, int BatchRef)
{
    /// <summary>The batch reference of a quarantined file: its only row is the one the merge writes into ERRORS.</summary>
    public const int QuarantinedBatch = -1;
}

/// <summary>Where the rows of one batch lie.</summary>
public sealed record BatchSegments(int BatchRef, ImmutableArray<PartSegment> Segments);

public sealed record QuarantinedFile(FileStamp File, string SourcePath, string Kind, string Reason, int Attempts);

/// <summary>
/// The coordinator's whole ledger in a compact binary form, as versions before checkpoints journaled it: still read
/// on recovery, never written.
/// </summary>
/// <param name="Version">The ledger's byte format; recovery refuses a version it does not read rather than misread it.</param>
public sealed record CoordinatorSnapshot(int Version, byte[] Ledger) : IForm3Message
{
    public const int CurrentVersion = 1;
}
