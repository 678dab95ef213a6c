using System.Collections.Immutable;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;

namespace Form3Actors.Core.Work;

/// <summary>
/// Does one batch: reads and extracts each file, appends the rows to the worker's part file, and says which files
/// are done and which failed for a reason worth retrying. Plain code; the worker actor runs it off its thread and
/// watches <see cref="CurrentFile"/> to abandon a file whose read never returns.
/// </summary>
/// <remarks>
/// A file rejected for its content gets ATTEMPTS=1 whichever try this was: its rejection is deterministic, and a
/// retry caused by someone else's crash must not change the tables.
/// </remarks>
public sealed class BatchProcessor(IFilingSource reader, PartFileWriter parts, string workerId) : IDisposable
{
    readonly Form3Extractor _extractor = new();
    int _currentIndex = -1;
    long _currentStarted;

    /// <summary>Kinds of failure that depend on the moment or the machine, not the file: retried elsewhere.</summary>
    static bool IsTransient(string kind) => kind is ErrorKind.IoError or ErrorKind.MissingFile;

    /// <summary>The index in its batch of the file being read or extracted now, and when that began; null between files.</summary>
    public (int Index, long StartedTimestamp)? CurrentFile =>
        Volatile.Read(ref _currentIndex) is >= 0 and var index ? (index, Volatile.Read(ref _currentStarted)) : null;

    /// <summary>
    /// Processes the batch. Once <paramref name="cancel"/> is cancelled (the worker abandoned the batch) nothing more is
    /// appended to the part file: a read that returns late cannot add rows for a batch that was handed to someone else.
    /// </summary>
    public ReportBatchCompleted Process(AssignBatch batch, CancellationToken cancel = default)
    {
        parts.Discard(); // rows of an earlier batch that failed inside the worker
        var completed = ImmutableArray.CreateBuilder<string>(batch.Files.Length);
        var failed = ImmutableArray.CreateBuilder<FileFailure>();
        try
        {
            for (var i = 0; i < batch.Files.Length; i++)
            {
                cancel.ThrowIfCancellationRequested();
                var item = batch.Files[i];
                Volatile.Write(ref _currentStarted, TimeProvider.System.GetTimestamp());
                Volatile.Write(ref _currentIndex, i);
                ExtractionOutcome outcome;
                try
                {
                    outcome = _extractor.Extract(reader.Read(item.Path), item.SourcePath);
                }
                catch (BadFilingException bad) when (IsTransient(bad.Error.Kind))
                {
                    failed.Add(new FileFailure(item.FileKey, bad.Error.Kind, bad.Error.Message));
                    continue;
                }
                catch (BadFilingException bad)
                {
                    outcome = new ExtractionOutcome(null, bad.Error);
                }
                if (outcome.Rows is { } rows) parts.Add(item.FileKey, rows);
                else parts.AddError(item.FileKey, TableSchema.ErrorRow(item.SourcePath, outcome.Error!, attempts: 1));
                completed.Add(item.FileKey);
            }
        }
        finally
        {
            Volatile.Write(ref _currentIndex, -1);
        }
        cancel.ThrowIfCancellationRequested();
        var segments = parts.Commit();
        return new ReportBatchCompleted(batch.BatchId, workerId, segments, completed.ToImmutable(), failed.ToImmutable());
    }

    public void Dispose() => parts.Dispose();
}
