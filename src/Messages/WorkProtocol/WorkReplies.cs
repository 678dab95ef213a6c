using System.Collections.Immutable;

namespace Form3Actors.Messages.WorkProtocol;

/// <summary>
/// The coordinator hands a batch of files to the worker that asked. <paramref name="Forms"/> are the forms the run
/// takes (<c>3,4,5</c>): a filing of another form becomes an error row.
/// </summary>
public sealed record AssignBatch(long BatchId, ImmutableArray<WorkItem> Files, string Forms) : IWorkMessage;

/// <summary>One file to extract.</summary>
/// <param name="FileKey">The coordinator's key for the file (hash of its full path), echoed back in results.</param>
/// <param name="Path">Where to read it.</param>
/// <param name="SourcePath">The path as the input listed it, written to the tables.</param>
/// <param name="Attempt">1 for a first try; higher for a retry.</param>
public sealed record WorkItem(FileKey FileKey, string Path, string SourcePath, int Attempt);

/// <summary>Nothing to hand out now (the rest is in flight elsewhere); ask again after a pause.</summary>
public sealed record NoWorkYet : IWorkMessage
{
    public static readonly NoWorkYet Instance = new();
}

/// <summary>The coordinator accepted (journaled, or recognised as already done) a batch.</summary>
public sealed record BatchAccepted(long BatchId) : IWorkMessage;

/// <summary>The run is complete and merged: stop asking, leave the cluster and exit.</summary>
public sealed record RunFinished : IWorkMessage
{
    public static readonly RunFinished Instance = new();
}
