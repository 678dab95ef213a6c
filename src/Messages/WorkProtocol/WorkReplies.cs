namespace Form3Actors.Messages.WorkProtocol;

/// <summary>
/// The coordinator hands a batch of files to the worker that asked with <paramref name="RequestId"/>.
/// <paramref name="Forms"/> are the forms the run takes (<c>3,4,5</c>): a filing of another form becomes an error row.
/// A file's path is <paramref name="Root"/> joined with its source path (or the source path alone, when absolute).
/// </summary>
public sealed record AssignBatch(long BatchId, long RequestId, string Forms, string Root, BatchFiles Files) : IWorkMessage;

/// <summary>Nothing to hand out now for request <paramref name="RequestId"/> (the rest is in flight elsewhere); ask again after a pause.</summary>
public sealed record NoWorkYet(long RequestId) : IWorkMessage;

/// <summary>The coordinator accepted (journaled, or recognised as already done) a batch.</summary>
public sealed record BatchAccepted(long BatchId) : IWorkMessage;

/// <summary>The run is complete and merged: stop asking, leave the cluster and exit.</summary>
public sealed record RunFinished : IWorkMessage
{
    public static readonly RunFinished Instance = new();
}
