namespace Form3Actors.Core.Work;

/// <summary>The last <c>capacity</c> ids seen, to recognise one that arrives again; older ones are forgotten.</summary>
public sealed class RecentIds(int capacity)
{
    readonly HashSet<long> _ids = [];
    readonly Queue<long> _order = new();

    /// <summary>Remembers the id; false if it was seen already.</summary>
    public bool Add(long id)
    {
        if (!_ids.Add(id)) return false;
        _order.Enqueue(id);
        if (_order.Count > capacity) _ids.Remove(_order.Dequeue());
        return true;
    }
}
