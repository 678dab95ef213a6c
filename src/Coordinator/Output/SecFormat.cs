using System.Globalization;
using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;
using Sylvan.Data.Csv;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// The tables in the SEC's own layout, that of its quarterly Insider Transactions Data Sets, so that a script written
/// for those files reads ours unchanged: results/sec/, one tab-separated file per table with the SEC's file name,
/// its columns in its order, dates as <c>DD-MON-YYYY</c>, footnote ids as <c>F1, F2</c>, and a field that holds a
/// <c>"</c> quoted CSV-style, as the SEC does. Made from the finished CSV tables, so both always agree.
/// </summary>
public static class SecFormat
{
    public const string FolderName = "sec";

    /// <summary>The SEC's tables in the order of its readme; null columns: ours are the SEC's.</summary>
    static readonly (Table Table, string[]? Columns)[] Layout =
    [
        (Table.Submission,
        [
            "ACCESSION_NUMBER", "FILING_DATE", "PERIOD_OF_REPORT", "DATE_OF_ORIG_SUB", "NO_SECURITIES_OWNED", "NOT_SUBJECT_SEC16",
            "FORM3_HOLDINGS_REPORTED", "FORM4_TRANS_REPORTED", "DOCUMENT_TYPE", "ISSUERCIK", "ISSUERNAME", "ISSUERTRADINGSYMBOL", "REMARKS",
        ]),
        (Table.ReportingOwner, null),
        (Table.NonDerivTrans, null),
        (Table.NonDerivHolding, null),
        (Table.DerivTrans, null),
        (Table.DerivHolding, null),
        (Table.Footnotes, null),
        (Table.OwnerSignature, null),
    ];

    static readonly HashSet<string> DateColumns =
    [
        "FILING_DATE", "PERIOD_OF_REPORT", "DATE_OF_ORIG_SUB", "TRANS_DATE", "DEEMED_EXECUTION_DATE", "EXERCISE_DATE", "EXCERCISE_DATE",
        "EXPIRATION_DATE", "OWNERSIGNATUREDATE",
    ];

    public static string FileName(Table table) => TableSchema.Name(table) + ".tsv";

    /// <summary>
    /// Writes results/sec/ from the CSV tables in <paramref name="resultsDirectory"/>, row by row (tables of millions of
    /// rows never sit in memory), each file under a temporary name, fsynced and renamed: whole or not at all.
    /// </summary>
    public static void Write(string resultsDirectory)
    {
        var target = Directory.CreateDirectory(Path.Combine(resultsDirectory, FolderName)).FullName;
        foreach (var (table, secColumns) in Layout)
        {
            var path = Path.Combine(target, FileName(table));
            using (var csv = CsvDataReader.Create(Path.Combine(resultsDirectory, TableSchema.FileName(table))))
            using (var file = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None, WriteBuffer))
            using (var tsv = new StreamWriter(file, new UTF8Encoding(false), WriteBuffer))
            {
                var columns = secColumns ?? [.. TableSchema.Columns(table)];
                var ordinals = columns.Select(csv.GetOrdinal).ToArray();
                tsv.Write(string.Join('\t', columns));
                tsv.Write('\n');
                while (csv.Read())
                {
                    for (var i = 0; i < columns.Length; i++)
                    {
                        if (i > 0) tsv.Write('\t');
                        tsv.Write(Cell(columns[i], CsvCells.Unguard(csv.GetString(ordinals[i]))));
                    }
                    tsv.Write('\n');
                }
                tsv.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(path + ".tmp", path, overwrite: true);
        }
        DurableFiles.SyncDirectory(target);
    }

    const int WriteBuffer = 1 << 20;

    /// <summary>One of our cells as the SEC writes it in <paramref name="column"/>.</summary>
    public static string Cell(string column, string value)
    {
        if (DateColumns.Contains(column) && value.Length >= 10
            && DateTime.TryParseExact(value[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            value = date.ToString("dd-MMM-yyyy", CultureInfo.InvariantCulture).ToUpperInvariant();
        else if (column.EndsWith("_FN", StringComparison.Ordinal))
            value = value.Replace(",", ", ", StringComparison.Ordinal);
        value = value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
        return value.Contains('"') ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
