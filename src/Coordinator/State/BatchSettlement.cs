using Akka.Event;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>
/// What a batch becomes in the journal when it comes back: reported by its worker (each file still due settled once,
/// as completed or, after its last attempt, quarantined) or taken back (its worker or node gone, its lease run out).
/// </summary>
public sealed class BatchSettlement(InputListing input, RunLedger ledger, BatchLeases leases, FileQueue queue, MissingFiles missing, JournalWrites writes)
{
    /// <summary>The listing indices of the completions this run journals, so that applying them looks nothing up.</summary>
    readonly Dictionary<ICoordinatorEvent, int[]> _indicesOf = new(ReferenceEqualityComparer.Instance);
    int _nextBatchRef;

    /// <summary>The listing indices of a completion journaled by this run (null for one of an earlier run).</summary>
    public int[]? IndicesOf(ICoordinatorEvent completed) => _indicesOf.Remove(completed, out var indices) ? indices : null;

    /// <summary>
    /// Each file of the reported batch still due is settled once, the worker acknowledged once that is durable. A batch
    /// taken already (or never given) journals nothing; its report is acknowledged at once, or with the first report if
    /// that one's events are still being written.
    /// </summary>
    public void Settle(DecisionBuilder d, string workerId, ReportBatchCompleted report)
    {
        if (leases.Take(report.BatchId) is not { } lease)
        {
            writes.Acknowledge(d, report.BatchId, workerId);
            return;
        }
        var settlement = queue.Settle(lease, report);
        foreach (var failure in report.Failed.Where(f => !lease.Expired && f.Position < lease.Files.Length))
            d.Log(LogLevel.WarningLevel, $"File {input[lease.Files[failure.Position]].SourcePath} failed on {report.WorkerId} ({failure.Kind.Name()}): {failure.Reason}");
        foreach (var (index, version) in settlement.Completed) missing.Count(index, version);
        var events = new List<ICoordinatorEvent>(2);
        if (settlement.Completed.Count > 0)
        {
            var batchRef = Math.Max(_nextBatchRef, ledger.NextBatchRef);
            _nextBatchRef = batchRef + 1;
            var completed = new FilesCompleted(batchRef, report.Segments,
                [.. settlement.Completed.Select(c => new FileStamp(input.KeyAt(c.Index), c.Version.Size, c.Version.ModifiedUtcTicks))], d.Now.Wall);
            _indicesOf[completed] = [.. settlement.Completed.Select(c => c.Index)];
            events.Add(completed);
        }
        if (settlement.Quarantined.Count > 0) events.Add(Quarantine(d, settlement.Quarantined));
        if (events.Count > 0) writes.Journal(d, events, report.BatchId, workerId);
        else d.Reply(workerId, new BatchAccepted(report.BatchId));
    }

    /// <summary>Batches taken back because <paramref name="what"/>: each of their files still due fails an attempt; files out of attempts are journaled as quarantined.</summary>
    public void TakeBack(DecisionBuilder d, IReadOnlyList<Lease> taken, FailureKind kind, string what)
    {
        if (taken.Count == 0) return;
        var quarantined = taken.SelectMany(l => queue.TakeBack(l, kind, what)).ToList();
        d.Log(LogLevel.WarningLevel, $"{what}: {taken.Sum(l => l.Files.Length):N0} files of {taken.Count} batches go back to the queue");
        if (quarantined.Count > 0) writes.Journal(d, [Quarantine(d, quarantined)]);
    }

    static FilesQuarantined Quarantine(DecisionBuilder d, IReadOnlyList<QuarantinedFile> files)
    {
        foreach (var q in files) d.Log(LogLevel.WarningLevel, $"Quarantined {q.SourcePath}: {q.Reason}");
        return new FilesQuarantined([.. files], d.Now.Wall);
    }
}
