using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Form3Actors.Messages.WorkProtocol;

/// <summary>
/// A node worker asks the coordinator for up to <paramref name="MaxFiles"/> files (about a batch-time of work at its own
/// pace); sent only when it has capacity. A request that got no answer is sent again with the same
/// <paramref name="RequestId"/>; the coordinator answers a repeat with the batch it already gave, and every answer
/// names the request it answers.
/// </summary>
public sealed record RequestWork(string WorkerId, int MaxFiles, long RequestId = 0) : IWorkMessage;

/// <summary>A worker still works on these batches (running or waiting their turn): the coordinator renews their leases.</summary>
public sealed record RenewLeases(string WorkerId, ImmutableArray<long> BatchIds) : IWorkMessage;

/// <summary>
/// A worker reports a batch done: its rows are already durable in <paramref name="Segments"/> of its part file.
/// Files are named by their position in the batch. Safe to receive twice: the coordinator settles each file once.
/// </summary>
/// <param name="Completed">Files whose rows (or extraction error) are in the segments, each with the version the worker read.</param>
/// <param name="Failed">Files that could not be processed this time (I/O trouble); the coordinator retries them.</param>
public sealed record ReportBatchCompleted(
    long BatchId,
    string WorkerId,
    ImmutableArray<PartSegment> Segments,
    CompletedFiles Completed,
    ImmutableArray<FileFailure> Failed) : IWorkMessage;

/// <summary>
/// The files of a batch a worker finished: their positions in the batch and the size and modification time it read,
/// column by column (a report carries thousands).
/// </summary>
public sealed class CompletedFiles(int[] positions, long[] sizes, long[] modifiedUtcTicks)
{
    public static readonly CompletedFiles None = new([], [], []);

    public int Count => positions.Length;

    public int Position(int i) => positions[i];

    public long Size(int i) => sizes[i];

    public long ModifiedUtcTicks(int i) => modifiedUtcTicks[i];

    internal int[] Positions => positions;
    internal long[] Sizes => sizes;
    internal long[] Ticks => modifiedUtcTicks;

    /// <summary>Collects completed files one by one.</summary>
    public sealed class Builder(int capacity)
    {
        readonly List<int> _positions = new(capacity);
        readonly List<long> _sizes = new(capacity), _ticks = new(capacity);

        public void Add(int position, long size, long modifiedUtcTicks)
        {
            _positions.Add(position);
            _sizes.Add(size);
            _ticks.Add(modifiedUtcTicks);
        }

        public CompletedFiles Build() => new([.. _positions], [.. _sizes], [.. _ticks]);
    }
}

/// <summary>
/// Where a batch's rows of one table lie in a worker's part file, and their XXH3 checksum, which the merge verifies
/// (0: not recorded, in journals of earlier versions).
/// </summary>
public sealed record PartSegment(string PartFile, string Table, long Offset, long Length, ulong Checksum = 0);

/// <summary>A file of the batch, by its position, that a worker could not process this time, and why.</summary>
public sealed record FileFailure(int Position, FailureKind Kind, string Reason);

/// <summary>
/// Why an attempt at a file failed for a reason of the moment (a file's content never fails an attempt: it makes an
/// error row). On the wire and in reasons, in snake case (<c>io_error</c>).
/// </summary>
[JsonConverter(typeof(FailureKindJsonConverter))]
public enum FailureKind
{
    /// <summary>The file could not be read this time (I/O error, gone, no space for its part rows).</summary>
    IoError,
    /// <summary>Reading or extracting the file took longer than form3.node.file-deadline.</summary>
    Timeout,
    /// <summary>Given back unprocessed because a batch-mate timed out: re-queued without counting as an attempt.</summary>
    Abandoned,
    /// <summary>The worker's batch failed as a whole (its part file could not be written).</summary>
    WorkerError,
    /// <summary>The worker's report left the file out.</summary>
    NotReported,
    /// <summary>The batch was not renewed within its lease.</summary>
    LeaseExpired,
    /// <summary>The worker's node left the cluster while holding the file.</summary>
    NodeLost,
    /// <summary>The worker actor stopped while holding the file.</summary>
    WorkerLost,
    /// <summary>A rerun's look at the file on disk did not come back within form3.coordinator.check-deadline.</summary>
    CheckTimedOut,
}

public static class FailureKinds
{
    /// <summary>The kind as the protocol and the error tables spell it: <c>io_error</c>.</summary>
    public static string Name(this FailureKind kind) => JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());
}

/// <summary><see cref="FailureKind"/> in JSON, in snake case.</summary>
public sealed class FailureKindJsonConverter() : JsonStringEnumConverter<FailureKind>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);
