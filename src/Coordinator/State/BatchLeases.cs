using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>One batch handed out: who asked for it with which request, its files by listing index, and its lease.</summary>
public sealed class Lease(long batchId, string workerId, long requestId, int[] files, AssignBatch assignment, TimeSpan until)
{
    public long BatchId { get; } = batchId;
    public string WorkerId { get; } = workerId;
    public long RequestId { get; } = requestId;
    /// <summary>Listing indices, by position in the batch.</summary>
    public int[] Files { get; } = files;
    /// <summary>What the worker was sent, to send again when it repeats its request.</summary>
    public AssignBatch Assignment { get; } = assignment;
    /// <summary>Until when the batch is leased, on the coordinator's monotonic clock.</summary>
    public TimeSpan Until { get; internal set; } = until;
    /// <summary>Its lease ran out: its files went back to the queue, and only its report (if it ever comes) remains.</summary>
    public bool Expired { get; internal set; }
}

/// <summary>
/// The life of every batch handed out, in one place: granted under a lease to the worker that asked (a repeated
/// request gets the same batch), renewed while its worker works on it, expired when nobody renews it, and taken
/// exactly once: by its report, or by its worker's leaving. A report of an expired batch still finds it, so that
/// the work it did counts for the files nobody settled since (<see cref="FileQueue"/> decides which). Times are on a
/// monotonic clock: a change of the wall clock neither expires nor prolongs a lease.
/// </summary>
public sealed class BatchLeases(TimeSpan length, long firstBatchId)
{
    readonly Dictionary<long, Lease> _leases = [];
    /// <summary>Each worker's last grant, to answer a repeated request with the same batch.</summary>
    readonly Dictionary<string, Lease> _lastGrant = [];
    long _nextBatchId = firstBatchId;

    /// <summary>A batch id no earlier coordinator of the run folder gave out: a stray report of theirs matches nothing.</summary>
    public static long NewEpoch() => (long)Random.Shared.Next(1, int.MaxValue) << 32;

    public int Live => _leases.Values.Count(l => !l.Expired);

    /// <summary>Grants the next batch to <paramref name="workerId"/>, leased from <paramref name="now"/>.</summary>
    public Lease Grant(string workerId, long requestId, int[] files, Func<long, AssignBatch> assignment, TimeSpan now)
    {
        var batchId = _nextBatchId++;
        var lease = new Lease(batchId, workerId, requestId, files, assignment(batchId), now + length);
        _leases[batchId] = lease;
        if (requestId != 0) _lastGrant[workerId] = lease;
        return lease;
    }

    /// <summary>The batch granted for this very request, if the worker still holds it (its answer was lost or late).</summary>
    public AssignBatch? Repeat(string workerId, long requestId) =>
        requestId != 0 && _lastGrant.TryGetValue(workerId, out var last) && last.RequestId == requestId && _leases.TryGetValue(last.BatchId, out var lease)
        && !lease.Expired ? lease.Assignment : null;

    /// <summary>The worker still works on these batches: their leases run from <paramref name="now"/> again.</summary>
    public void Renew(string workerId, IEnumerable<long> batchIds, TimeSpan now)
    {
        foreach (var id in batchIds)
            if (_leases.TryGetValue(id, out var lease) && lease.WorkerId == workerId && !lease.Expired) lease.Until = now + length;
    }

    /// <summary>Every live lease runs <paramref name="by"/> longer: nobody could renew while the coordinator was frozen.</summary>
    public void Extend(TimeSpan by)
    {
        foreach (var lease in _leases.Values) lease.Until += by;
    }

    /// <summary>Marks every live batch whose lease ran out by <paramref name="now"/> expired, and returns them.</summary>
    public IReadOnlyList<Lease> Expire(TimeSpan now)
    {
        var expired = _leases.Values.Where(l => !l.Expired && l.Until <= now).ToList();
        foreach (var lease in expired) lease.Expired = true;
        return expired;
    }

    /// <summary>Takes the batch for its report, once: null if it was taken already (settled, or its worker left).</summary>
    public Lease? Take(long batchId) => _leases.Remove(batchId, out var lease) ? lease : null;

    /// <summary>Takes every live batch of the matching workers (their node left, or their actor stopped).</summary>
    public IReadOnlyList<Lease> Release(Func<string, bool> workerMatches)
    {
        var released = _leases.Values.Where(l => !l.Expired && workerMatches(l.WorkerId)).ToList();
        foreach (var lease in released) _leases.Remove(lease.BatchId);
        foreach (var worker in _lastGrant.Keys.Where(workerMatches).ToList()) _lastGrant.Remove(worker);
        return released;
    }

    /// <summary>Forgets expired batches whose report can no longer settle anything (every file of theirs is settled).</summary>
    public void ForgetExpired(Func<Lease, bool> settled)
    {
        foreach (var lease in _leases.Values.Where(l => l.Expired && settled(l)).ToList()) _leases.Remove(lease.BatchId);
    }
}
