using System.Collections.Immutable;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Node.Extraction;

namespace Form3Actors.Node.Output;

/// <summary>
/// Appends a worker's batches to its own part file and makes them durable (fsync) before the batch is reported,
/// so a segment the coordinator journals is always on disk.
/// </summary>
public sealed class PartFileWriter : IDisposable
{
    readonly FileStream _file;

    public PartFileWriter(string partsDirectory, string workerName)
    {
        Directory.CreateDirectory(partsDirectory);
        FileName = $"{workerName}{PartFormat.Extension}";
        _file = new FileStream(Path.Combine(partsDirectory, FileName), FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    public string FileName { get; }

    /// <summary>Appends one batch's rows (per table, keyed by file) and returns where each table's rows landed.</summary>
    public ImmutableArray<PartSegment> Append(IReadOnlyList<(string Key, FilingRows Rows)> filings, IReadOnlyList<(string Key, string[] ErrorRow)> errors)
    {
        var segments = ImmutableArray.CreateBuilder<PartSegment>();
        foreach (var table in TableSchema.All)
        {
            var rows = table == Table.Errors
                ? errors.Select(e => Prepend(e.Key, e.ErrorRow, null)).ToList()
                : filings.SelectMany(f => f.Rows[table].Select(r => Prepend(f.Key, r, table == Table.Submission ? f.Rows.FilingDateSource.ToString() : null))).ToList();
            if (rows.Count == 0) continue;
            var bytes = PartFormat.EncodeSegment(table, rows);
            var offset = _file.Position;
            _file.Write(bytes);
            segments.Add(new PartSegment(FileName, TableSchema.Name(table), offset, bytes.Length));
        }
        _file.Flush(flushToDisk: true);
        return segments.ToImmutable();
    }

    static string[] Prepend(string key, string[] row, string? extra)
    {
        var result = new string[row.Length + (extra == null ? 1 : 2)];
        result[0] = key;
        row.CopyTo(result, 1);
        if (extra != null) result[^1] = extra;
        return result;
    }

    public void Dispose() => _file.Dispose();
}
