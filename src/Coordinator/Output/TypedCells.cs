using System.Globalization;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// A table cell as its column's type (<see cref="ColumnType"/>), for the Parquet tables. The CSV keeps every cell as
/// filed; a typed table holds a value only when it is exactly the one written: a date that is no calendar date
/// (<c>2024-13-01</c>), a price that is no number (<c>n/a</c>) or a number a double cannot give back digit for digit
/// is null there instead, and counted.
/// </summary>
public static class TypedCells
{
    /// <summary>Every decimal with at most this many significant digits comes back unchanged from the nearest double.</summary>
    const int ExactDoubleDigits = 15;

    public static bool TryDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>An ISO date and time without offset, as EDGAR's clock wrote it (US Eastern); kept as that wall-clock time.</summary>
    public static bool TryTimestamp(string text, out DateTime time) =>
        DateTime.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    public static bool TryFlag(string text, out bool flag)
    {
        flag = text == "1";
        return text is "1" or "0";
    }

    public static bool TryCount(string text, out int count) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count);

    /// <summary>
    /// A number as a double, only if the double gives the written number back: every number of up to 15 significant
    /// digits does (all that real filings hold); a longer one only if it happens to be exact.
    /// </summary>
    public static bool TryNumber(string text, out double number)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) || !double.IsFinite(number)) return false;
        if (SignificantDigits(text) <= ExactDoubleDigits) return true;
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var written)
            && decimal.TryParse(number.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var back)
            && written == back;
    }

    /// <summary>Digits from the first non-zero one to the last non-zero one of the mantissa.</summary>
    static int SignificantDigits(string text)
    {
        var end = text.IndexOfAny(['e', 'E']);
        var mantissa = end < 0 ? text.AsSpan() : text.AsSpan(0, end);
        int first = -1, last = -1, digits = 0;
        for (var i = 0; i < mantissa.Length; i++)
        {
            if (!char.IsAsciiDigit(mantissa[i])) continue;
            if (mantissa[i] != '0')
            {
                if (first < 0) first = digits;
                last = digits;
            }
            digits++;
        }
        return first < 0 ? 0 : last - first + 1;
    }
}
