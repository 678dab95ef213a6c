using System.Collections.Immutable;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>The batching and retry rules, from form3.coordinator in hocon/coordinator.conf.</summary>
public sealed record QueueSettings(int BatchSize, int MinBatchSize, int MaxAttempts, int IsolateAfterFailures, TimeSpan BatchLease);

/// <summary>
/// This run's unfinished files: what is pending, what each worker holds, and how often each file failed.
/// Not journaled: after a restart it is rebuilt from the input minus the ledger, so in-flight work is simply redone.
/// </summary>
/// <remarks>
/// Every batch handed out is held under a lease (<see cref="QueueSettings.BatchLease"/>) that its worker renews
/// while it works; a batch whose lease runs out (its assignment was lost, its worker froze or died unseen) goes back
/// to the queue like one whose node left. Its late report still counts for the files nobody has settled since: the
/// first report that arrives wins, and the later copy of a file is left out.
/// A file whose batch failed (its node died, or the file could not be read) goes back to the queue. After
/// <see cref="QueueSettings.IsolateAfterFailures"/> failures it travels alone, so a file that kills its worker
/// cannot take innocent batch-mates down with it; after <see cref="QueueSettings.MaxAttempts"/> it is quarantined.
/// </remarks>
public sealed class WorkQueue
{
    /// <summary>A batch a worker holds: its files by key text, as listing indices, the assignment (sent again when the
    /// worker repeats its request) and until when it is leased.</summary>
    sealed class InFlight(string workerId, Dictionary<FileKey, int> files, AssignBatch assignment, DateTimeOffset leasedUntil)
    {
        public string WorkerId { get; } = workerId;
        public Dictionary<FileKey, int> Files { get; } = files;
        public AssignBatch Assignment { get; } = assignment;
        public DateTimeOffset LeasedUntil { get; set; } = leasedUntil;
    }

    readonly InputListing _listing;
    readonly QueueSettings _settings;
    readonly Queue<int> _queued;
    readonly Queue<int> _isolated = new();
    /// <summary>Failures so far, only for files that failed (most never do, and a million entries would cost).</summary>
    readonly Dictionary<int, int> _failures = [];
    readonly Dictionary<long, InFlight> _inFlight = [];
    /// <summary>Batches whose lease ran out, kept so that their late report can still settle what nobody else has.</summary>
    readonly Dictionary<long, InFlight> _expired = [];
    /// <summary>Files an expired lease put back in the queue and that are still there.</summary>
    readonly HashSet<int> _requeuedByExpiry = [];
    /// <summary>Queued files a late report settled: skipped when they come up.</summary>
    readonly HashSet<int> _settledWhileQueued = [];
    long _nextBatchId = 1;

    /// <summary>A queue of the files of <paramref name="listing"/> at the given <paramref name="pending"/> indices.</summary>
    public WorkQueue(InputListing listing, IEnumerable<int> pending, QueueSettings settings)
    {
        _listing = listing;
        _settings = settings;
        _queued = new Queue<int>(pending);
    }

    public int PendingCount => _queued.Count + _isolated.Count - _settledWhileQueued.Count;

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

    /// <summary>A batch of up to <paramref name="maxFiles"/> for the worker, leased from <paramref name="now"/>; null if nothing is pending.</summary>
    public AssignBatch? TryTake(string workerId, int maxFiles, int activeWorkers, DateTimeOffset now)
    {
        var taken = new Dictionary<FileKey, int>();
        if (TryDequeue(_isolated, out var alone))
        {
            taken[_listing.KeyAt(alone)] = alone;
        }
        else
        {
            var size = SizeFor(PendingCount, activeWorkers, maxFiles, _settings);
            while (taken.Count < size && TryDequeue(_queued, out var next)) taken[_listing.KeyAt(next)] = next;
        }
        if (taken.Count == 0) return null;
        var batchId = _nextBatchId++;
        var assignment = new AssignBatch(batchId, taken.Select(kv => Item(kv.Key, kv.Value)).ToImmutableArray(), _listing.Forms.ToString());
        _inFlight[batchId] = new InFlight(workerId, taken, assignment, now + _settings.BatchLease);
        return assignment;
    }

    /// <summary>The next file of <paramref name="queue"/> that no late report has settled meanwhile.</summary>
    bool TryDequeue(Queue<int> queue, out int index)
    {
        while (queue.TryDequeue(out index))
        {
            if (_requeuedByExpiry.Count == 0) return true;
            _requeuedByExpiry.Remove(index);
            if (!_settledWhileQueued.Remove(index)) return true;
        }
        return false;
    }

    /// <summary>The assignment of a batch still in flight for this worker (to send again), or null.</summary>
    public AssignBatch? InFlightAssignment(long batchId, string workerId) =>
        _inFlight.TryGetValue(batchId, out var batch) && batch.WorkerId == workerId ? batch.Assignment : null;

    /// <summary>The worker still works on these batches: their leases run from <paramref name="now"/> again. Says how many it still held.</summary>
    public int Renew(string workerId, IEnumerable<long> batchIds, DateTimeOffset now)
    {
        var renewed = 0;
        foreach (var id in batchIds)
        {
            if (!_inFlight.TryGetValue(id, out var batch) || batch.WorkerId != workerId) continue;
            batch.LeasedUntil = now + _settings.BatchLease;
            renewed++;
        }
        return renewed;
    }

    /// <summary>Every lease runs <paramref name="by"/> longer: nobody could renew while the coordinator was frozen.</summary>
    public void ExtendLeases(TimeSpan by)
    {
        foreach (var batch in _inFlight.Values) batch.LeasedUntil += by;
    }

    /// <summary>Takes back every batch whose lease ran out by <paramref name="now"/>; each of its files counts an attempt.</summary>
    public Released ExpireLeases(DateTimeOffset now)
    {
        var quarantined = new List<QuarantinedFile>();
        var files = 0;
        foreach (var (batchId, batch) in _inFlight.Where(kv => kv.Value.LeasedUntil <= now).ToList())
        {
            _inFlight.Remove(batchId);
            _expired[batchId] = batch;
            files += batch.Files.Count;
            var reason = $"batch {batchId} was not renewed by worker {batch.WorkerId} within its lease ({_settings.BatchLease.TotalSeconds:N0} s)";
            foreach (var file in batch.Files.Values)
                if (!Fail(file, FailureKind.LeaseExpired, reason, quarantined)) _requeuedByExpiry.Add(file);
        }
        return new Released(files, quarantined);
    }

    /// <summary>The outcome of a reported batch: files to journal as completed, and files that ran out of attempts.</summary>
    public sealed record Settlement(IReadOnlyList<FileStamp> Completed, IReadOnlyList<QuarantinedFile> Quarantined);

    /// <summary>
    /// Settles a reported batch; null if the batch is not in flight (already settled, or taken back when its node
    /// left), in which case the report must be ignored. Files the report leaves out count as failed.
    /// </summary>
    public Settlement? Settle(long batchId, IReadOnlyCollection<FileStamp> completed, IReadOnlyList<FileFailure> failed)
    {
        if (_expired.Remove(batchId, out var expired)) return SettleLate(expired, completed);
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
        foreach (var file in batch.Files.Values) Fail(file, FailureKind.NotReported, $"batch {batchId} report left the file out", quarantined);
        return new Settlement(done, quarantined);
    }

    /// <summary>
    /// The report of a batch whose lease ran out: its completed files count where nobody settled them since, whether
    /// they wait in the queue or another worker holds them now (that worker's copy is then left out). Failures are
    /// ignored: the expiry already counted them.
    /// </summary>
    Settlement SettleLate(InFlight expired, IReadOnlyCollection<FileStamp> completed)
    {
        var done = new List<FileStamp>();
        foreach (var stamp in completed)
        {
            if (!expired.Files.TryGetValue(stamp.FileKey, out var file)) continue;
            var holder = _inFlight.Values.FirstOrDefault(b => b.Files.ContainsKey(stamp.FileKey));
            if (holder != null) holder.Files.Remove(stamp.FileKey);
            else if (_requeuedByExpiry.Contains(file)) _settledWhileQueued.Add(file);
            else continue; // settled by another report already, or quarantined
            _failures.Remove(file);
            done.Add(stamp);
        }
        return new Settlement(done, []);
    }

    /// <summary>What <see cref="Release"/> took back: how many files, and which of them ran out of attempts.</summary>
    public sealed record Released(int Files, IReadOnlyList<QuarantinedFile> Quarantined);

    /// <summary>Takes back every batch held by workers that match (their node left or their actor died).</summary>
    public Released Release(Func<string, bool> workerMatches, FailureKind kind, string reason)
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

    WorkItem Item(FileKey key, int index)
    {
        var file = _listing[index];
        return new WorkItem(key, file.Path, file.SourcePath, _failures.GetValueOrDefault(index) + 1);
    }

    /// <summary>Counts a failed attempt: the file goes back to the queue, or is quarantined (true) after the last attempt.</summary>
    bool Fail(int index, FailureKind kind, string reason, List<QuarantinedFile> quarantined)
    {
        var failures = _failures[index] = _failures.GetValueOrDefault(index) + 1;
        Retries++;
        if (failures >= _settings.MaxAttempts)
        {
            _failures.Remove(index);
            var file = _listing[index];
            // Of no known version: the next run checks it and finds it due again, so a fault of the moment heals.
            quarantined.Add(new QuarantinedFile(
                new FileStamp(file.Key, FileVersion.Unknown.Size, FileVersion.Unknown.ModifiedUtcTicks), file.SourcePath, ErrorKind.RetriesExhausted,
                $"gave up after {failures} attempts; last failure ({kind.Name()}): {reason}", failures));
            return true;
        }
        (failures >= _settings.IsolateAfterFailures ? _isolated : _queued).Enqueue(index);
        return false;
    }
}
