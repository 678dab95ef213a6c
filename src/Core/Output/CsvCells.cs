using System.Text.RegularExpressions;

namespace Form3Actors.Core.Output;

/// <summary>Cell rules of the final tables (the README's data dictionary).</summary>
public static partial class CsvCells
{
    /// <summary>
    /// A cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR, and not a plain number) gets a
    /// leading apostrophe, which spreadsheets show as text. Numbers such as -5 or +1.5 are left alone.
    /// </summary>
    public static string GuardFormula(string cell)
    {
        if (cell.Length == 0) return cell;
        var first = cell[0];
        if (first is not ('=' or '+' or '-' or '@' or '\t' or '\r')) return cell;
        return PlainNumber().IsMatch(cell) ? cell : "'" + cell;
    }

    /// <summary>The cell as it was before <see cref="GuardFormula"/>: for readers that execute nothing (the SEC layout).</summary>
    public static string Unguard(string cell) => cell.StartsWith('\'') && GuardFormula(cell[1..]) == cell ? cell[1..] : cell;

    [GeneratedRegex(@"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex PlainNumber();
}
