using System.Buffers;
using System.Text;

namespace Form3Actors.Core.Output;

/// <summary>
/// Reads back, over bytes, the CSV that <see cref="CsvRowWriter"/> writes: where a record ends (LF outside quotes)
/// and, only when asked, its fields as strings. The merge copies most records without ever decoding them.
/// </summary>
public static class CsvRecords
{
    static readonly SearchValues<byte> Stops = SearchValues.Create(",\"\n"u8);

    /// <summary>
    /// Length of the record at the start of <paramref name="csv"/>, its LF included, and how many fields it has;
    /// -1 if it does not end.
    /// </summary>
    public static int Length(ReadOnlySpan<byte> csv, out int fields)
    {
        // Most records quote nothing: then the record ends at the first LF and its commas are its field separators,
        // found by two vectorized passes instead of a search per field (the merge reads every record of a run).
        var stop = csv.IndexOfAny((byte)'\n', (byte)'"');
        if (stop >= 0 && csv[stop] == '\n')
        {
            fields = 1 + csv[..stop].Count((byte)',');
            return stop + 1;
        }
        fields = 1;
        var position = 0;
        while (true)
        {
            var next = csv[position..].IndexOfAny(Stops);
            if (next < 0) return -1;
            position += next;
            switch (csv[position])
            {
                case (byte)'\n':
                    return position + 1;
                case (byte)',':
                    fields++;
                    position++;
                    break;
                default:
                    position = ClosingQuote(csv, position);
                    if (position < 0) return -1;
                    break;
            }
        }
    }

    /// <summary>The fields of one record (its LF optional), quotes removed.</summary>
    public static string[] Fields(ReadOnlySpan<byte> record)
    {
        if (record.Length > 0 && record[^1] == '\n') record = record[..^1];
        var fields = new List<string>();
        var position = 0;
        while (true)
        {
            if (position < record.Length && record[position] == '"')
            {
                var end = ClosingQuote(record, position);
                if (end < 0) throw new InvalidDataException("a quoted CSV field has no closing quote");
                fields.Add(Encoding.UTF8.GetString(record[(position + 1)..(end - 1)]).Replace("\"\"", "\"", StringComparison.Ordinal));
                position = end;
            }
            else
            {
                var comma = record[position..].IndexOf((byte)',');
                var end = comma < 0 ? record.Length : position + comma;
                fields.Add(Encoding.UTF8.GetString(record[position..end]));
                position = end;
            }
            if (position >= record.Length) return [.. fields];
            if (record[position] != ',') throw new InvalidDataException("a quoted CSV field is followed by something other than a comma");
            position++;
        }
    }

    /// <summary>Length of the first field of <paramref name="csv"/> as written (quotes included): where its comma, LF or the end is.</summary>
    public static int FieldLength(ReadOnlySpan<byte> csv)
    {
        if (csv.IsEmpty || csv[0] != '"')
        {
            var stop = csv.IndexOfAny((byte)',', (byte)'\n');
            return stop < 0 ? csv.Length : stop;
        }
        var end = ClosingQuote(csv, 0);
        if (end < 0) throw new InvalidDataException("a quoted CSV field has no closing quote");
        return end;
    }

    /// <summary>One field as written (quoted or not) as its text.</summary>
    public static string Unquote(ReadOnlySpan<byte> field) => field.Length >= 2 && field[0] == '"'
        ? Encoding.UTF8.GetString(field[1..^1]).Replace("\"\"", "\"", StringComparison.Ordinal)
        : Encoding.UTF8.GetString(field);

    /// <summary>Position just past the quote that closes the quoted field opening at <paramref name="open"/>; -1 if none.</summary>
    static int ClosingQuote(ReadOnlySpan<byte> csv, int open)
    {
        var position = open + 1;
        while (true)
        {
            var quote = csv[position..].IndexOf((byte)'"');
            if (quote < 0) return -1;
            position += quote + 1;
            if (position < csv.Length && csv[position] == '"') position++; // "" is a quote inside the field
            else return position;
        }
    }
}
