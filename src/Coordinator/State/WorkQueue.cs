using System.Collections.Immutable;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Coordinator.State;

/// <summary>The batching and retry rules, from form3.coordinator in hocon/coordinator.conf.</summary>
public sealed record QueueSettings(int BatchSize, int MinBatchSize, int MaxAttempts, int IsolateAfterFailures);

/// <summary>
/// This run's unfinished files: what is pending, what each worker holds, and how often each file failed.
/// Not journaled: after a restart it is rebuilt from the input minus the ledger, so in-flight work is simply redone.
/// </summary>
/// <remarks>
/// A file whose batch failed (its node died, or the file could not be read) goes back to the queue. After
/// <see cref="QueueSettings.IsolateAfterFailures"/> failures it travels alone, so a file that kills its worker
/// cannot take innocent batch-mates down with it; after <see cref="QueueSettings.MaxAttempts"/> it is quarantined.
/// </remarks>
public sealed class WorkQueue
{
    /// <summary>A batch a worker holds: its files by key text, as listing indices.</summary>
    sealed record InFlight(string WorkerId, Dictionary<string, int> Files);

    readonly InputListing _listing;
    readonly QueueSettings _settings;
    readonly Queue<int> _queued;
    readonly Queue<int> _isolated = new();
    /// <summary>Failures so far, only for files that failed (most never do, and a million entries would cost).</summary>
    readonly Dictionary<int, int> _failures = [];
    readonly Dictionary<long, InFlight> _inFlight = [];
    long _nextBatchId = 1;

    /// <summary>A queue of the files of <paramref name="listing"/> at the given <paramref name="pending"/> indices.</summary>
    public WorkQueue(InputListing listing, IEnumerable<int> pending, QueueSettings settings)
    {
        _listing = listing;
        _settings = settings;
        _queued = new Queue<int>(pending);
    }

    public int PendingCount => _queued.Count + _isolated.Count;

    /// <summary>Queues a file found due after the queue was made (a rerun's check found it changed).</summary>
    public void Add(int index) => _queued.Enqueue(index);
    public int Retries { get; private set; }
    public bool IsDrained => PendingCount == 0 && _inFlight.Count == 0;

    /// <summary>
    /// Batch size: the configured size while there is plenty of work, smaller near the end so the last files spread
    /// over every worker instead of waiting behind one large batch.
    /// </summary>
    public static int SizeFor(int pending, int activeWorkers, int requested, QueueSettings settings)
    {
        var share = pending / Math.Max(1, 2 * activeWorkers);
        return Math.Min(requested, Math.Clamp(share, settings.MinBatchSize, settings.BatchSize));
    }

    public AssignBatch? TryTake(string workerId, int maxFiles, int activeWorkers)
    {
        var taken = new Dictionary<string, int>();
        if (_isolated.Count > 0)
        {
            var alone = _isolated.Dequeue();
            taken[FileKeys.ToText(_listing.KeyAt(alone))] = alone;
        }
        else
        {
            var size = SizeFor(_queued.Count, activeWorkers, maxFiles, _settings);
            while (taken.Count < size && _queued.TryDequeue(out var next)) taken[FileKeys.ToText(_listing.KeyAt(next))] = next;
        }
        if (taken.Count == 0) return null;
        var batchId = _nextBatchId++;
        _inFlight[batchId] = new InFlight(workerId, taken);
        return new AssignBatch(batchId, taken.Select(kv => Item(kv.Key, kv.Value)).ToImmutableArray());
    }

    /// <summary>The outcome of a reported batch: files to journal as completed, and files that ran out of attempts.</summary>
    public sealed record Settlement(IReadOnlyList<FileStamp> Completed, IReadOnlyList<QuarantinedFile> Quarantined);

    /// <summary>
    /// Settles a reported batch; null if the batch is not in flight (already settled, or taken back when its node
    /// left), in which case the report must be ignored. Files the report leaves out count as failed.
    /// </summary>
    public Settlement? Settle(long batchId, IReadOnlyCollection<FileStamp> completed, IReadOnlyList<FileFailure> failed)
    {
        if (!_inFlight.Remove(batchId, out var batch)) return null;
        var done = new List<FileStamp>(completed.Count);
        foreach (var stamp in completed)
            if (batch.Files.Remove(stamp.FileKey, out var file))
            {
                done.Add(stamp);
                _failures.Remove(file);
            }
        var quarantined = new List<QuarantinedFile>();
        foreach (var failure in failed)
        {
            if (!batch.Files.Remove(failure.FileKey, out var file)) continue;
            if (failure.Kind == FailureKind.Abandoned) _queued.Enqueue(file); // not its fault: no attempt counted
            else Fail(file, failure.Kind, failure.Reason, quarantined);
        }
        foreach (var file in batch.Files.Values) Fail(file, "not_reported", $"batch {batchId} report left the file out", quarantined);
        return new Settlement(done, quarantined);
    }

    /// <summary>What <see cref="Release"/> took back: how many files, and which of them ran out of attempts.</summary>
    public sealed record Released(int Files, IReadOnlyList<QuarantinedFile> Quarantined);

    /// <summary>Takes back every batch held by workers that match (their node left or their actor died).</summary>
    public Released Release(Func<string, bool> workerMatches, string kind, string reason)
    {
        var quarantined = new List<QuarantinedFile>();
        var files = 0;
        foreach (var (batchId, batch) in _inFlight.Where(kv => workerMatches(kv.Value.WorkerId)).ToList())
        {
            _inFlight.Remove(batchId);
            files += batch.Files.Count;
            foreach (var file in batch.Files.Values) Fail(file, kind, reason, quarantined);
        }
        return new Released(files, quarantined);
    }

    WorkItem Item(string key, int index)
    {
        var file = _listing[index];
        return new WorkItem(key, file.Path, file.SourcePath, _failures.GetValueOrDefault(index) + 1);
    }

    void Fail(int index, string kind, string reason, List<QuarantinedFile> quarantined)
    {
        var failures = _failures[index] = _failures.GetValueOrDefault(index) + 1;
        Retries++;
        if (failures >= _settings.MaxAttempts)
        {
            _failures.Remove(index);
            var file = _listing[index];
            // Of no known version: the next run checks it and finds it due again, so a fault of the moment heals.
            quarantined.Add(new QuarantinedFile(
                new FileStamp(FileKeys.ToText(file.Key), FileVersion.Unknown.Size, FileVersion.Unknown.ModifiedUtcTicks), file.SourcePath, ErrorKind.RetriesExhausted,
                $"gave up after {failures} attempts; last failure ({kind}): {reason}", failures));
            return;
        }
        (failures >= _settings.IsolateAfterFailures ? _isolated : _queued).Enqueue(index);
    }
}
