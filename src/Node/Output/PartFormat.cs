using System.Collections.Immutable;
using System.Text;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Node.Extraction;
using Sylvan.Data.Csv;

namespace Form3Actors.Node.Output;

/// <summary>
/// The format of part files: what a worker appends per batch and the coordinator merges into the final tables.
/// A part file belongs to one worker process and grows by one segment per table per batch. Each segment is
/// headerless CSV whose rows are the table's columns preceded by the file key (so the merge can drop rows of a
/// superseded version of a file); SUBMISSION rows also end with the filing-date source, counted in the manifest.
/// Bytes past the last journaled segment (a crash mid-write) are never read.
/// </summary>
public static class PartFormat
{
    public const string Extension = ".part";

    /// <summary>Columns of a segment of <paramref name="table"/> as written (key first, extras last).</summary>
    public static IReadOnlyList<string> SegmentColumns(Table table)
    {
        var columns = new List<string> { "FILE_KEY" };
        columns.AddRange(TableSchema.Columns(table));
        if (table == Table.Submission) columns.Add("FILING_DATE_SOURCE");
        return columns;
    }

    static readonly CsvDataWriterOptions WriterOptions = new() { WriteHeaders = false, NewLine = "\n" };

    public static byte[] EncodeSegment(Table table, IEnumerable<string[]> rows)
    {
        using var buffer = new MemoryStream();
        using (var text = new StreamWriter(buffer, new UTF8Encoding(false), leaveOpen: true))
        using (var csv = CsvDataWriter.Create(text, WriterOptions))
        {
            csv.Write(new StringRowsDataReader(SegmentColumns(table), rows));
        }
        return buffer.ToArray();
    }

    /// <summary>Reads one segment's rows back: key first, then the table's columns, then any extras.</summary>
    public static IEnumerable<string[]> ReadSegment(PartSegment segment, Table table, string partsDirectory)
    {
        var bytes = new byte[segment.Length];
        using (var handle = File.OpenHandle(Path.Combine(partsDirectory, segment.PartFile)))
        {
            var read = 0;
            while (read < bytes.Length)
            {
                var n = RandomAccess.Read(handle, bytes.AsSpan(read), segment.Offset + read);
                if (n == 0) throw new IOException($"part file {segment.PartFile} ends before its journaled segment ({segment.Offset}+{segment.Length})");
                read += n;
            }
        }
        var width = SegmentColumns(table).Count;
        using var csv = CsvDataReader.Create(new StringReader(Encoding.UTF8.GetString(bytes)), new CsvDataReaderOptions { HasHeaders = false });
        while (csv.Read())
        {
            if (csv.RowFieldCount != width)
                throw new InvalidDataException($"part file {segment.PartFile} segment at {segment.Offset} has a row of {csv.RowFieldCount} fields, expected {width}");
            var row = new string[width];
            for (var i = 0; i < width; i++) row[i] = csv.GetString(i);
            yield return row;
        }
    }

    public static ImmutableArray<PartSegment> NoSegments => [];
}
