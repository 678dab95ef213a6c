using System.Buffers.Text;
using System.Globalization;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// A table cell (its UTF-8 bytes) as its column's type (<see cref="ColumnType"/>), for the Parquet tables. The CSV
/// keeps every cell as filed; a typed table holds a value only when it is exactly the one written: a date that is no
/// calendar date (<c>2024-13-01</c>), a price that is no number (<c>n/a</c>) or a number a double cannot give back
/// digit for digit is null there instead, and counted.
/// </summary>
public static class TypedCells
{
    public delegate bool Parser<T>(ReadOnlySpan<byte> text, out T value);

    /// <summary>Every decimal with at most this many significant digits comes back unchanged from the nearest double.</summary>
    const int ExactDoubleDigits = 15;

    /// <summary><c>yyyy-MM-dd</c>, a day of the calendar.</summary>
    public static bool TryDate(ReadOnlySpan<byte> text, out DateOnly date)
    {
        date = default;
        if (text.Length != 10 || text[4] != '-' || text[7] != '-') return false;
        if (!Digits(text[..4], out var year) || !Digits(text[5..7], out var month) || !Digits(text[8..], out var day)) return false;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        date = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>An ISO date and time without offset (<c>yyyy-MM-ddTHH:mm:ss</c>), as EDGAR's clock wrote it (US Eastern); kept as that wall-clock time.</summary>
    public static bool TryTimestamp(ReadOnlySpan<byte> text, out DateTime time)
    {
        time = default;
        if (text.Length != 19 || text[10] != 'T' || text[13] != ':' || text[16] != ':' || !TryDate(text[..10], out var date)) return false;
        if (!Digits(text[11..13], out var hour) || !Digits(text[14..16], out var minute) || !Digits(text[17..], out var second)) return false;
        if (hour > 23 || minute > 59 || second > 59) return false;
        time = date.ToDateTime(new TimeOnly(hour, minute, second));
        return true;
    }

    public static bool TryFlag(ReadOnlySpan<byte> text, out bool flag)
    {
        flag = text.Length == 1 && text[0] == '1';
        return text.Length == 1 && text[0] is (byte)'1' or (byte)'0';
    }

    public static bool TryCount(ReadOnlySpan<byte> text, out int count) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count);

    /// <summary>
    /// A number as a double, only if the double gives the written number back: every number of up to 15 significant
    /// digits does (all that real filings hold); a longer one only if it happens to be exact.
    /// </summary>
    public static bool TryNumber(ReadOnlySpan<byte> text, out double number)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) || !double.IsFinite(number)) return false;
        if (SignificantDigits(text) <= ExactDoubleDigits) return true;
        Span<byte> back = stackalloc byte[32];
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var written)
            && number.TryFormat(back, out var length, "R", CultureInfo.InvariantCulture)
            && decimal.TryParse(back[..length], NumberStyles.Float, CultureInfo.InvariantCulture, out var exact)
            && written == exact;
    }

    /// <summary>Digits from the first non-zero one to the last non-zero one of the mantissa.</summary>
    static int SignificantDigits(ReadOnlySpan<byte> text)
    {
        var end = text.IndexOfAny((byte)'e', (byte)'E');
        var mantissa = end < 0 ? text : text[..end];
        int first = -1, last = -1, digits = 0;
        foreach (var c in mantissa)
        {
            if (c is < (byte)'0' or > (byte)'9') continue;
            if (c != '0')
            {
                if (first < 0) first = digits;
                last = digits;
            }
            digits++;
        }
        return first < 0 ? 0 : last - first + 1;
    }

    static bool Digits(ReadOnlySpan<byte> text, out int value) =>
        Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length && text[0] is >= (byte)'0' and <= (byte)'9';
}
