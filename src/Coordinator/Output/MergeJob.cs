using System.Runtime;
using Form3Actors.Core.Hosting;
using Form3Actors.Coordinator.State;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// Carries out <see cref="MergeTables"/> off the coordinator's thread: merges the tables, then writes the manifest
/// durably, only once the tables are (a merge that finds damaged segments writes neither), then removes the part
/// files no journaled batch uses.
/// </summary>
public static class MergeJob
{
    public static Task<MergeFinished> Run(MergeTables merge, RunFolder folder, int threads, TimeSpan recovery, TimeProvider clock) => Task.Run(() =>
    {
        // What the run's hand-out and journaling left behind goes back to the system before the merge takes its own:
        // the collector would otherwise keep it, and a ten-million-file run would peak at both at once.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var result = new TableMerger(folder.Parts, folder.Results, threads, merge.Outputs).Merge(merge.Ledger, merge.Input);
        if (result.DamagedBatches.Count > 0) return new MergeFinished(result, null, null);
        var manifest = Manifest.Of(merge.Input, merge.AlreadyDone, merge.Processed, result, merge.StartedAt, clock.GetUtcNow(), merge.Nodes,
            folder.Journal, recovery, merge.Stamp);
        try
        {
            manifest.Write(folder.Results);
            var (removed, bytes) = UnusedPartFiles.Remove(folder.Parts, merge.Ledger);
            return new MergeFinished(result, manifest, null, removed, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new MergeFinished(result, null, e.Message);
        }
    });
}
