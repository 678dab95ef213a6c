using System.IO.Hashing;
using System.Text;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Core.Output;

/// <summary>
/// The format of part files: what a worker appends per batch and the coordinator merges into the final tables.
/// A part file belongs to one worker process and grows by one segment per table per batch. Each segment is
/// headerless CSV whose rows are the table's cells, already as the final table shows them (formula-guarded),
/// preceded by the file key (so the merge can drop rows of a superseded version of a file) and by the cells' text
/// as filed where it differs (<see cref="AsFiledCells"/>, for the SEC's layout); SUBMISSION rows also end with the
/// filing-date source, counted in the manifest. The merge copies a row's table cells into the table as they are.
/// Rows written before the AS_FILED column existed are still read (as having none). Bytes past the last journaled
/// segment (a crash mid-write) are never read.
/// </summary>
public static class PartFormat
{
    public const string Extension = ".part";

    /// <summary>Columns of a segment of <paramref name="table"/> as written (key first, extras last).</summary>
    public static IReadOnlyList<string> SegmentColumns(Table table)
    {
        var columns = new List<string> { "FILE_KEY", "AS_FILED" };
        columns.AddRange(TableSchema.Columns(table));
        if (table == Table.Submission) columns.Add("FILING_DATE_SOURCE");
        return columns;
    }

    /// <summary>Writes one segment row: the key, the cells as filed where they differ, the table's cells, and the extra column if there is one.</summary>
    public static void WriteRow(CsvRowWriter writer, string key, string?[]? asFiled, string[] cells, string? extra)
    {
        writer.Field(key);
        writer.Field(AsFiledCells.Encode(asFiled));
        foreach (var cell in cells) writer.Field(CsvCells.GuardFormula(cell));
        if (extra != null) writer.Field(extra);
        writer.EndRow();
    }

    /// <summary>
    /// Reads one journaled segment into <paramref name="buffer"/>, growing it when the segment is larger, and returns
    /// the segment's bytes, once they match the segment's checksum: a part file lost, cut short or altered since
    /// throws <see cref="DamagedSegmentException"/>. One buffer for a whole merge: a new array per segment (most are larger than 85 KB) put
    /// thousands of arrays on the large-object heap and made the GC collect it over and over.
    /// </summary>
    public static ReadOnlyMemory<byte> ReadSegment(PartSegment segment, string partsDirectory, ref byte[] buffer)
    {
        if (buffer.Length < segment.Length) buffer = new byte[Math.Max(segment.Length, 2L * buffer.Length)];
        var bytes = buffer.AsMemory(0, checked((int)segment.Length));
        using var handle = OpenPart(partsDirectory, segment.PartFile);
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(handle, bytes.Span[read..], segment.Offset + read);
            if (n == 0) throw new DamagedSegmentException($"part file {segment.PartFile} ends before its journaled segment ({segment.Offset}+{segment.Length})");
            read += n;
        }
        if (segment.Checksum != 0 && XxHash3.HashToUInt64(bytes.Span) != segment.Checksum)
            throw new DamagedSegmentException($"part file {segment.PartFile} was altered in its segment at {segment.Offset} (checksum differs)");
        return bytes;
    }

    /// <summary>Opens a part file for a segment's read; a missing one is a damaged segment, found without a stat of its own.</summary>
    static Microsoft.Win32.SafeHandles.SafeFileHandle OpenPart(string partsDirectory, string partFile)
    {
        try
        {
            return File.OpenHandle(Path.Combine(partsDirectory, partFile));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DamagedSegmentException($"part file {partFile} is missing");
        }
    }

    /// <summary>
    /// Length of the segment row at <paramref name="position"/> of bytes read by <see cref="ReadSegment"/>, its LF
    /// included, and whether it has the AS_FILED column; throws if it does not end or has another number of fields
    /// than <paramref name="width"/>, the segment's <see cref="SegmentColumns"/> (counted once by the caller, not once
    /// per row), or one less (a row written before AS_FILED).
    /// </summary>
    public static int RowLength(ReadOnlySpan<byte> bytes, int position, PartSegment segment, int width, out bool withAsFiled)
    {
        var length = CsvRecords.Length(bytes[position..], out var fields);
        if (length < 0) throw new DamagedSegmentException($"part file {segment.PartFile} segment at {segment.Offset} ends inside a row");
        withAsFiled = fields == width;
        if (fields != width && fields != width - 1)
            throw new InvalidDataException($"part file {segment.PartFile} segment at {segment.Offset} has a row of {fields} fields, expected {width}; " +
                "if an older version of Form3Actors began this run (tables gained columns since), finish it with that version or start a new run folder");
        return length;
    }

    /// <summary>The file key at the start of a segment row.</summary>
    public static ReadOnlySpan<byte> Key(ReadOnlySpan<byte> row) => row[..KeyEnd(row)];

    /// <summary>The AS_FILED field of a segment row, as written (empty for a row without it).</summary>
    public static ReadOnlySpan<byte> AsFiled(ReadOnlySpan<byte> row, bool withAsFiled)
    {
        if (!withAsFiled) return [];
        var rest = row[(KeyEnd(row) + 1)..];
        return rest[..CsvRecords.FieldLength(rest)];
    }

    /// <summary>The row's cells as the final table holds them: without the key, AS_FILED, the extra column or the LF.</summary>
    public static ReadOnlySpan<byte> TableCells(ReadOnlySpan<byte> row, Table table, bool withAsFiled)
    {
        var end = table == Table.Submission ? row.LastIndexOf((byte)',') : row.Length - 1;
        var start = KeyEnd(row) + 1;
        if (withAsFiled) start += CsvRecords.FieldLength(row[start..]) + 1;
        return row[start..end];
    }

    /// <summary>The extra column of a SUBMISSION row (plain ASCII, never quoted).</summary>
    public static string FilingDateSource(ReadOnlySpan<byte> row) =>
        Encoding.ASCII.GetString(row[(row.LastIndexOf((byte)',') + 1)..^1]);

    static int KeyEnd(ReadOnlySpan<byte> row)
    {
        var comma = row.IndexOf((byte)',');
        return comma < 0 ? throw new InvalidDataException("a part row has no file key") : comma;
    }
}

/// <summary>A journaled segment that is not as its worker wrote it: its batch's files must be extracted again.</summary>
public sealed class DamagedSegmentException(string message) : IOException(message);
