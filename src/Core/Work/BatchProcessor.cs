using System.Collections.Immutable;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;
using Form3Actors.Messages;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Core.Work;

/// <summary>
/// Does one batch: keeps up to <c>readAhead</c> of its files being read by the node's <see cref="FileFetcher"/> (or,
/// while reads are quick, reads them itself: <see cref="ReadPace"/>), extracts each as it arrives, appends the rows
/// to the worker's part file, and says which files are done (with the version read) and which failed for a reason
/// worth retrying. Plain code; the worker actor runs it on a thread of its own and watches <see cref="CurrentStep"/>
/// to abandon a file whose read never returns.
/// </summary>
/// <remarks>
/// A file rejected for its content gets ATTEMPTS=1 whichever try this was: its rejection is deterministic, and a
/// retry caused by someone else's crash must not change the tables. A missing file is finished too, as an error
/// row of the version <see cref="FileVersion.Missing"/>: a later run that finds the file there counts it as changed.
/// </remarks>
public sealed class BatchProcessor(FileFetcher fetcher, int readAhead, ReadPace pace, PartFileWriter parts, string workerId) : IDisposable
{
    /// <summary>The extractor for the forms of the last batch (every batch of a run has the same).</summary>
    OwnershipExtractor _extractor = new(FormSelection.Default);
    int _currentIndex = -1;
    long _currentStarted;

    /// <summary>The <see cref="CurrentStep"/> index while the batch's rows are written to the part file and made durable.</summary>
    public const int WritingParts = int.MaxValue;

    /// <summary>
    /// The index in its batch of the file waited for or extracted now (or <see cref="WritingParts"/>), and when that
    /// began; null between batches.
    /// </summary>
    public (int Index, long StartedTimestamp)? CurrentStep =>
        Volatile.Read(ref _currentIndex) is >= 0 and var index ? (index, Volatile.Read(ref _currentStarted)) : null;

    /// <summary>
    /// Processes the batch. Once <paramref name="cancel"/> is cancelled (the worker abandoned the batch) nothing more is
    /// appended to the part file: a read that returns late cannot add rows for a batch that was handed to someone else.
    /// </summary>
    public ReportBatchCompleted Process(AssignBatch batch, CancellationToken cancel = default)
    {
        parts.Discard(); // rows of an earlier batch that failed inside the worker
        if (_extractor.Forms.ToString() != batch.Forms) _extractor = new OwnershipExtractor(FormSelection.Parse(batch.Forms));
        var files = Items(batch);
        var fetches = new Fetch?[files.Length];
        var issued = 0;
        var inline = pace.ReadsInline;
        var completed = new CompletedFiles.Builder(files.Length);
        var failed = ImmutableArray.CreateBuilder<FileFailure>();
        try
        {
            for (var i = 0; i < files.Length; i++)
            {
                cancel.ThrowIfCancellationRequested();
                for (; !inline && issued < files.Length && issued <= i + readAhead; issued++) fetches[issued] = fetcher.Enqueue(files[issued].Path);
                var item = files[i];
                Volatile.Write(ref _currentStarted, TimeProvider.System.GetTimestamp());
                Volatile.Write(ref _currentIndex, i);
                var fetch = fetches[i];
                fetches[i] = null;
                var outcome = Outcome(item, fetch, cancel);
                if (outcome.Version is { } version) completed.Add(i, version.Size, version.ModifiedUtcTicks);
                else failed.Add(new FileFailure(i, FailureKind.IoError, outcome.TransientReason!));
            }
        }
        finally
        {
            Volatile.Write(ref _currentIndex, -1);
            foreach (var pending in fetches) pending?.Abandon();
        }
        cancel.ThrowIfCancellationRequested();
        Volatile.Write(ref _currentStarted, TimeProvider.System.GetTimestamp());
        Volatile.Write(ref _currentIndex, WritingParts);
        ImmutableArray<PartSegment> segments;
        try
        {
            segments = parts.Commit();
        }
        finally
        {
            Volatile.Write(ref _currentIndex, -1);
        }
        return new ReportBatchCompleted(batch.BatchId, workerId, segments, completed.Build(), failed.ToImmutable());
    }

    /// <summary>One file of a batch, as the worker reads and extracts it.</summary>
    readonly record struct WorkItem(FileKey FileKey, string Path, string SourcePath);

    static WorkItem[] Items(AssignBatch batch)
    {
        var items = new WorkItem[batch.Files.Count];
        for (var p = 0; p < items.Length; p++)
        {
            var source = batch.Files.SourcePath(p);
            items[p] = new WorkItem(batch.Files.Key(p), BatchFiles.FullPath(batch.Root, source), source);
        }
        return items;
    }

    /// <summary>A file done (its rows or error row added, of this version), or failed for a reason of the moment.</summary>
    readonly record struct FileOutcome(FileVersion? Version, string? TransientReason);

    /// <summary>Reads one file (itself, or from its <paramref name="fetch"/>) and extracts it into the part file.</summary>
    FileOutcome Outcome(WorkItem item, Fetch? fetch, CancellationToken cancel)
    {
        FileRead read;
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            read = fetch?.Wait(cancel) ?? fetcher.Source.Read(item.Path);
        }
        catch (BadFilingException bad) when (bad.Version is null || bad.Error.Kind == ErrorKind.IoError)
        {
            return new FileOutcome(null, bad.Error.Message);
        }
        catch (BadFilingException bad)
        {
            parts.AddError(item.FileKey, TableSchema.ErrorRow(item.SourcePath, bad.Error, attempts: 1));
            return new FileOutcome(bad.Version, null);
        }
        finally
        {
            pace.Observe(fetch?.ReadTime ?? TimeProvider.System.GetElapsedTime(started));
        }
        try
        {
            var outcome = _extractor.Extract(read.Bytes, item.SourcePath);
            if (outcome.Rows is { } rows) parts.Add(item.FileKey, rows);
            else parts.AddError(item.FileKey, TableSchema.ErrorRow(item.SourcePath, outcome.Error!, attempts: 1));
        }
        catch (BadFilingException bad)
        {
            parts.AddError(item.FileKey, TableSchema.ErrorRow(item.SourcePath, bad.Error, attempts: 1));
        }
        finally
        {
            read.Release();
        }
        return new FileOutcome(read.Version, null);
    }

    public void Dispose() => parts.Dispose();
}
