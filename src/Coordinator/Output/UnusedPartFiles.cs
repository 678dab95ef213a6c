using Form3Actors.Coordinator.State;
using Form3Actors.Core.Output;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// Part files no journaled batch uses: those of workers that were abandoned, stopped or killed before any of their
/// batches was journaled. Removed once the tables are merged, so that the parts folder holds only what the tables are
/// made of (a rerun merges again from the files the ledger names, never from these).
/// </summary>
public static class UnusedPartFiles
{
    /// <returns>How many files were removed and their bytes.</returns>
    public static (int Files, long Bytes) Remove(string partsDirectory, RunLedger ledger)
    {
        if (!Directory.Exists(partsDirectory)) return (0, 0);
        var used = ledger.Batches.SelectMany(b => b.Value).Select(s => s.PartFile).ToHashSet(StringComparer.Ordinal);
        var (files, bytes) = (0, 0L);
        foreach (var part in new DirectoryInfo(partsDirectory).EnumerateFiles("*" + PartFormat.Extension))
        {
            if (used.Contains(part.Name)) continue;
            try
            {
                var length = part.Length;
                part.Delete();
                (files, bytes) = (files + 1, bytes + length);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next merge: removing it is tidiness, not correctness.
            }
        }
        return (files, bytes);
    }
}
