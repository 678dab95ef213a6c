using System.Collections.Immutable;
using System.IO.Hashing;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Core.Output;

/// <summary>
/// Appends a worker's batches to its own part file and makes them durable (fsync) before the batch is reported,
/// so a segment the coordinator journals is always on disk; each segment carries a checksum, so that the merge
/// finds one lost, cut short or altered since.
/// </summary>
/// <remarks>
/// Each filing's rows are encoded as soon as it is extracted, into one buffer per table, so the row strings die
/// young instead of surviving a batch's worth of collections; <see cref="Commit"/> then writes the buffers one after
/// the other, which keeps each table's rows of the batch in one segment.
/// </remarks>
public sealed class PartFileWriter : IDisposable
{
    readonly FileStream _file;
    readonly CsvRowWriter[] _tables = TableSchema.All.Select(_ => new CsvRowWriter()).ToArray();

    public PartFileWriter(string partsDirectory, string workerName)
    {
        Directory.CreateDirectory(partsDirectory);
        FileName = $"{workerName}{PartFormat.Extension}";
        _file = new FileStream(Path.Combine(partsDirectory, FileName), FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    public string FileName { get; }

    /// <summary>Adds one extracted filing's rows to the batch.</summary>
    public void Add(FileKey fileKey, FilingRows filing)
    {
        var key = fileKey.ToString();
        foreach (var table in TableSchema.All)
        {
            if (table == Table.Errors) continue;
            var extra = table == Table.Submission ? filing.FilingDateSource.ToString() : null;
            var rows = filing[table];
            var asFiled = filing.AsFiled(table);
            for (var i = 0; i < rows.Count; i++) PartFormat.WriteRow(_tables[(int)table], key, asFiled[i], rows[i], extra);
        }
    }

    /// <summary>Adds the ERRORS row of a filing that was refused.</summary>
    public void AddError(FileKey key, string[] errorRow) => PartFormat.WriteRow(_tables[(int)Table.Errors], key.ToString(), asFiled: null, errorRow, extra: null);

    /// <summary>Forgets what was added since the last commit (a batch that failed or was abandoned).</summary>
    public void Discard()
    {
        foreach (var rows in _tables) rows.Clear();
    }

    /// <summary>Appends the batch's rows, makes them durable, and returns where each table's rows landed.</summary>
    public ImmutableArray<PartSegment> Commit()
    {
        var segments = ImmutableArray.CreateBuilder<PartSegment>();
        var offset = _file.Position;
        foreach (var table in TableSchema.All)
        {
            var rows = _tables[(int)table];
            if (rows.Length == 0) continue;
            _file.Write(rows.Written);
            segments.Add(new PartSegment(FileName, TableSchema.Name(table), offset, rows.Length, XxHash3.HashToUInt64(rows.Written)));
            offset += rows.Length;
        }
        _file.Flush(flushToDisk: true);
        Discard();
        return segments.ToImmutable();
    }

    public void Dispose() => _file.Dispose();
}
