namespace Form3Actors.Core.Output;

/// <summary>
/// The AS_FILED column of part files: a row's cells whose text as filed differs from the table's value (white space
/// kept, flags as written), for the SEC's layout. Empty for most rows; otherwise each such cell as its column index,
/// U+001F and its text, the cells separated by U+001E. XML cannot carry either character, so no text holds them.
/// </summary>
public static class AsFiledCells
{
    const char Unit = '\u001F';
    const char Record = '\u001E';

    public static string Encode(string?[]? asFiled)
    {
        if (asFiled == null) return "";
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < asFiled.Length; i++)
        {
            if (asFiled[i] is not { } value) continue;
            if (text.Length > 0) text.Append(Record);
            text.Append(i).Append(Unit).Append(value);
        }
        return text.ToString();
    }

    /// <summary>Puts the texts as filed that <paramref name="encoded"/> holds over the values in <paramref name="cells"/>.</summary>
    public static void Apply(string encoded, string[] cells)
    {
        if (encoded.Length == 0) return;
        foreach (var part in encoded.Split(Record))
        {
            var unit = part.IndexOf(Unit);
            if (unit > 0 && int.TryParse(part.AsSpan(0, unit), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var column)
                && column < cells.Length)
                cells[column] = part[(unit + 1)..];
        }
    }
}
