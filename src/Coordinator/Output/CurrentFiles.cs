using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Messages;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// Which files' rows the merge keeps, batch by batch: a listed file whose current batch (the ledger's) is that batch,
/// and that is no second copy of a filing. Laid out once per merge as each batch's keys, sorted, so that the test a
/// merge makes for every filing of every table (and of every file kind: CSV, Parquet) is a search in a few thousand
/// keys that stay in the cache, not a lookup in the whole listing's index.
/// </summary>
public sealed class CurrentFiles
{
    readonly Dictionary<int, UInt128[]> _keysByBatch;

    public CurrentFiles(RunLedger ledger, InputListing input, IReadOnlySet<int> dropped)
    {
        var lists = new Dictionary<int, List<UInt128>>();
        for (var i = 0; i < input.Count; i++)
        {
            if (ledger.BatchOf(i) is not { } batch || dropped.Contains(i)) continue;
            if (!lists.TryGetValue(batch, out var keys)) lists[batch] = keys = [];
            keys.Add(input.KeyAt(i).Value);
        }
        _keysByBatch = lists.ToDictionary(l => l.Key, l =>
        {
            var keys = l.Value.ToArray();
            Array.Sort(keys);
            return keys;
        });
    }

    /// <summary>True if rows of <paramref name="key"/> from batch <paramref name="batchRef"/> belong in the tables.</summary>
    public bool Contains(FileKey key, int batchRef) =>
        _keysByBatch.TryGetValue(batchRef, out var keys) && Array.BinarySearch(keys, key.Value) >= 0;
}
