using Form3Actors.Messages;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>
/// The coordinator's writes to its journal that are not durable yet, and the reports each settles. The actor
/// journals without waiting (a report never holds up the next request), so a report is acknowledged only once its
/// write is durable, and a report repeated meanwhile is acknowledged with it; the run ends only when none is in flight.
/// </summary>
public sealed class JournalWrites
{
    readonly Dictionary<long, (long BatchId, List<string> Workers)> _acks = [];
    readonly Dictionary<long, long> _writeOfBatch = [];
    long _lastWriteId;

    public int InFlight { get; private set; }

    /// <summary>Journals the events as the decision's write; a report of <paramref name="batchId"/> by <paramref name="workerId"/> is acknowledged once it is durable.</summary>
    public void Journal(DecisionBuilder d, IReadOnlyList<ICoordinatorEvent> events, long batchId = 0, string? workerId = null)
    {
        InFlight++;
        d.Journal(events, ++_lastWriteId);
        if (workerId == null) return;
        _acks[_lastWriteId] = (batchId, [workerId]);
        _writeOfBatch[batchId] = _lastWriteId;
    }

    /// <summary>A repeated report of a batch: acknowledged now, or with the first report if that one is still being written.</summary>
    public void Acknowledge(DecisionBuilder d, long batchId, string workerId)
    {
        if (_writeOfBatch.TryGetValue(batchId, out var pending)) _acks[pending].Workers.Add(workerId);
        else d.Reply(workerId, new BatchAccepted(batchId));
    }

    /// <summary>The write is durable: its reports are acknowledged.</summary>
    public void Written(DecisionBuilder d, long writeId)
    {
        InFlight--;
        if (!_acks.Remove(writeId, out var ack)) return;
        _writeOfBatch.Remove(ack.BatchId);
        foreach (var worker in ack.Workers) d.Reply(worker, new BatchAccepted(ack.BatchId));
    }
}
