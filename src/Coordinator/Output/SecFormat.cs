using System.Globalization;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// The tables in the SEC's own layout, that of its quarterly Insider Transactions Data Sets, so that a script written
/// for those files reads ours unchanged and a user can put our rows beside the SEC's: results/sec/, one tab-separated
/// file per table with the SEC's file name and its columns in its order; dates as <c>DD-MON-YYYY</c>; numbers as its
/// NUMBER(16,2) columns print them (rounded to two decimals, at least one decimal digit: <c>26.8</c>, <c>0.0</c>);
/// text as filed (runs of white space kept, flags as written); footnote ids as <c>F1, F2</c>; a field that holds a
/// <c>"</c> quoted CSV-style, as the SEC does. Written by the merge beside the CSV tables, from the same rows.
/// </summary>
public static class SecFormat
{
    public const string FolderName = "sec";

    /// <summary>The SEC's tables in the order of its readme; null columns: ours are the SEC's.</summary>
    static readonly Dictionary<Table, string[]?> Layout = new()
    {
        [Table.Submission] =
        [
            "ACCESSION_NUMBER", "FILING_DATE", "PERIOD_OF_REPORT", "DATE_OF_ORIG_SUB", "NO_SECURITIES_OWNED", "NOT_SUBJECT_SEC16",
            "FORM3_HOLDINGS_REPORTED", "FORM4_TRANS_REPORTED", "DOCUMENT_TYPE", "ISSUERCIK", "ISSUERNAME", "ISSUERTRADINGSYMBOL", "REMARKS",
        ],
        [Table.ReportingOwner] = null,
        [Table.NonDerivTrans] = null,
        [Table.NonDerivHolding] = null,
        [Table.DerivTrans] = null,
        [Table.DerivHolding] = null,
        [Table.Footnotes] = null,
        [Table.OwnerSignature] = null,
    };

    /// <summary>True for the tables the SEC's data sets have (not FORM3_SUMMARY or ERRORS).</summary>
    public static bool Has(Table table) => Layout.ContainsKey(table);

    public static string FileName(Table table) => TableSchema.Name(table) + ".tsv";

    /// <summary>The file's path under results/.</summary>
    public static string RelativePath(Table table) => $"{FolderName}/{FileName(table)}";

    /// <summary>The SEC's columns of the table, in its order.</summary>
    public static IReadOnlyList<string> Columns(Table table) => Layout[table] ?? TableSchema.Columns(table);

    /// <summary>One cell as the SEC writes it in <paramref name="column"/>, from the filing's text (as filed) or our value.</summary>
    public static string Cell(string column, string value)
    {
        var type = TableSchema.TypeOf(column);
        if (type == ColumnType.Date && value.Length >= 10
            && DateTime.TryParseExact(value[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            value = date.ToString("dd-MMM-yyyy", CultureInfo.InvariantCulture).ToUpperInvariant();
        else if (type == ColumnType.Number)
            value = Number(value);
        else if (column.EndsWith("_FN", StringComparison.Ordinal))
            value = value.Replace(",", ", ", StringComparison.Ordinal);
        // A line break or tab inside a field would end the line or the field: each becomes one space.
        value = value.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
        return value.Contains('"') ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>
    /// A number as the SEC's NUMBER(16,2) columns print it: rounded half away from zero to two decimals, trailing zeros
    /// dropped but one (<c>224.048</c> is <c>224.05</c>, <c>26.80</c> is <c>26.8</c>, <c>15733625</c> is
    /// <c>15733625.0</c>). Text that is no number is kept as filed.
    /// </summary>
    public static string Number(string value)
    {
        if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return value;
        var text = Math.Round(number, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture).TrimEnd('0');
        text = text.EndsWith('.') ? text + "0" : text;
        return text == "-0.0" ? "0.0" : text;
    }
}
