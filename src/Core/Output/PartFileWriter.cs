using System.Collections.Immutable;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Core.Output;

/// <summary>
/// Appends a worker's batches to its own part file and makes them durable (fsync) before the batch is reported,
/// so a segment the coordinator journals is always on disk.
/// </summary>
public sealed class PartFileWriter : IDisposable
{
    readonly FileStream _file;
    readonly CsvRowWriter _rows = new();

    public PartFileWriter(string partsDirectory, string workerName)
    {
        Directory.CreateDirectory(partsDirectory);
        FileName = $"{workerName}{PartFormat.Extension}";
        _file = new FileStream(Path.Combine(partsDirectory, FileName), FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    public string FileName { get; }

    /// <summary>Appends one batch's rows (per table, keyed by file) and returns where each table's rows landed.</summary>
    public ImmutableArray<PartSegment> Append(IReadOnlyList<(string Key, FilingRows Rows)> filings, IReadOnlyList<(string Key, string[] ErrorRow)> errors)
    {
        var segments = ImmutableArray.CreateBuilder<PartSegment>();
        var start = _file.Position;
        _rows.Clear();
        foreach (var table in TableSchema.All)
        {
            var offset = _rows.Length;
            if (table == Table.Errors)
            {
                foreach (var (key, row) in errors) PartFormat.WriteRow(_rows, key, row, extra: null);
            }
            else
            {
                foreach (var (key, filing) in filings)
                {
                    var extra = table == Table.Submission ? filing.FilingDateSource.ToString() : null;
                    foreach (var row in filing[table]) PartFormat.WriteRow(_rows, key, row, extra);
                }
            }
            if (_rows.Length > offset) segments.Add(new PartSegment(FileName, TableSchema.Name(table), start + offset, _rows.Length - offset));
        }
        _file.Write(_rows.Written);
        _file.Flush(flushToDisk: true);
        return segments.ToImmutable();
    }

    public void Dispose() => _file.Dispose();
}
