using Akka.Event;
using Form3Actors.Coordinator.Output;
using Form3Actors.Messages.CoordinatorEvents;

namespace Form3Actors.Coordinator.State;

/// <summary>
/// The end of a run once every file is settled and durable: a journal grown to several times what it holds is compacted
/// into a checkpoint (journaled part by part), then the tables are merged; a merge that found part segments damaged
/// journals their batches as lost, so that their files are extracted again.
/// </summary>
public sealed class RunFinish(CheckpointSettings settings, RunLedger ledger, JournalWrites writes, Func<MergeTables> merge)
{
    RunLedger.Checkpoint? _checkpoint;

    /// <summary>Checkpoints the journal if it is due, then merges.</summary>
    public void CheckpointAndMerge(DecisionBuilder d)
    {
        var journaled = ledger.JournaledSinceCheckpoint;
        if (journaled < settings.MinFiles || journaled <= settings.WhenJournalExceeds * ledger.FileCount)
        {
            d.Log(LogLevel.InfoLevel, "All files done; merging the tables");
            d.Do(merge());
            return;
        }
        _checkpoint = ledger.CheckpointParts(settings.PartFiles, d.Now.Wall);
        d.Log(LogLevel.InfoLevel, $"All files done; the journal holds {journaled:N0} files' events for {ledger.FileCount:N0} files: " +
            $"checkpointing it in {_checkpoint.Parts} parts, then merging the tables");
        writes.Journal(d, [_checkpoint.Next()]);
    }

    /// <summary>A write is durable: if it was a part of the checkpoint, journal the next part, or merge after the last.</summary>
    public void Written(DecisionBuilder d)
    {
        if (_checkpoint is not { } checkpoint) return;
        if (!checkpoint.Done)
        {
            writes.Journal(d, [checkpoint.Next()]);
            return;
        }
        _checkpoint = null;
        d.Log(LogLevel.InfoLevel, $"Checkpoint of {ledger.FileCount:N0} files journaled in {checkpoint.Parts} parts; earlier events deleted");
        d.Do(TrimJournal.Instance);
        d.Do(merge());
    }

    /// <summary>True if the merge found damaged part segments: their batches are journaled as lost, and the run goes on.</summary>
    public bool FoundDamage(DecisionBuilder d, MergeResult result)
    {
        if (result.DamagedBatches is not { Count: > 0 } damaged) return false;
        var first = damaged.OrderBy(kv => kv.Key).First();
        var reason = $"{damaged.Count} batches with damaged part segments, the first {first.Key}: {first.Value}";
        d.Log(LogLevel.WarningLevel, $"The merge found part segments lost, cut short or altered since they were written ({reason}); " +
            "the tables were left as they were, and the files of those batches are extracted again");
        writes.Journal(d, [new BatchesLost([.. damaged.Keys.Order()], reason, d.Now.Wall)]);
        return true;
    }
}
