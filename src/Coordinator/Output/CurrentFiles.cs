using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Messages;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// Which files' rows the merge keeps, batch by batch: a listed file whose current batch (the ledger's) is that batch,
/// and that is no second copy of a filing. Laid out once per merge as each batch's keys, sorted, in one array (16
/// bytes a file), so that the test a merge makes for every filing of every table (and of every file kind: CSV,
/// Parquet) is a search in a few thousand keys that stay in the cache, not a lookup in the whole listing's index.
/// </summary>
public sealed class CurrentFiles
{
    readonly UInt128[] _keys;
    readonly Dictionary<int, (int Start, int Length)> _ranges = [];

    public CurrentFiles(RunLedger ledger, InputListing input, IReadOnlySet<int> dropped)
    {
        bool Kept(int index, out int batch)
        {
            batch = ledger.BatchOf(index) ?? -1;
            return batch >= 0 && !dropped.Contains(index);
        }

        var counts = new Dictionary<int, int>();
        for (var i = 0; i < input.Count; i++)
            if (Kept(i, out var batch)) counts[batch] = counts.GetValueOrDefault(batch) + 1;
        var next = new Dictionary<int, int>(counts.Count);
        var total = 0;
        foreach (var (batch, count) in counts)
        {
            _ranges[batch] = (total, count);
            next[batch] = total;
            total += count;
        }
        _keys = new UInt128[total];
        for (var i = 0; i < input.Count; i++)
            if (Kept(i, out var batch)) _keys[next[batch]++] = input.KeyAt(i).Value;
        foreach (var (start, length) in _ranges.Values) Array.Sort(_keys, start, length);
    }

    /// <summary>True if rows of <paramref name="key"/> from batch <paramref name="batchRef"/> belong in the tables.</summary>
    public bool Contains(FileKey key, int batchRef) =>
        _ranges.TryGetValue(batchRef, out var range) && Array.BinarySearch(_keys, range.Start, range.Length, key.Value) >= 0;
}
