using System.Text;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Node.Extraction;
using Form3Actors.Node.Output;
using Sylvan.Data.Csv;

namespace Form3Actors.Coordinator.Output;

/// <summary>What a merge wrote: rows per table, errors by kind, and where FILING_DATE came from.</summary>
public sealed record MergeResult(
    IReadOnlyDictionary<string, int> RowsPerTable,
    IReadOnlyDictionary<string, int> ErrorsByKind,
    IReadOnlyDictionary<string, int> FilingDateSources);

/// <summary>
/// Builds the final tables, one CSV per table, from the journaled part segments: a row counts only if its file is
/// in this run's input and the ledger names this very batch as the file's current one. That is what makes the tables
/// exactly-once whatever crashed: segments never journaled, a batch done twice, or an older version of a changed
/// file are all left out. Each table is written to a temporary name and renamed into place.
/// </summary>
public sealed class TableMerger(string partsDirectory, string resultsDirectory)
{
    public MergeResult Merge(RunLedger ledger, IReadOnlySet<UInt128> inputKeys, IReadOnlyList<MissingInput> missing)
    {
        Directory.CreateDirectory(resultsDirectory);
        var rowsPerTable = new Dictionary<string, int>();
        var errorsByKind = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var dateSources = new SortedDictionary<string, int>(StringComparer.Ordinal);

        foreach (var table in TableSchema.All)
        {
            var rows = CurrentRows(ledger, inputKeys, table, dateSources);
            if (table == Table.Errors) rows = rows.Concat(QuarantinedRows(ledger, inputKeys)).Concat(MissingRows(missing));
            var count = 0;
            var counted = rows.Select(row =>
            {
                count++;
                if (table == Table.Errors) Increment(errorsByKind, row[2]);
                return row;
            });
            Write(table, counted);
            rowsPerTable[TableSchema.Name(table)] = count;
        }
        return new MergeResult(rowsPerTable, errorsByKind, dateSources);
    }

    IEnumerable<string[]> CurrentRows(RunLedger ledger, IReadOnlySet<UInt128> inputKeys, Table table, IDictionary<string, int> dateSources)
    {
        var name = TableSchema.Name(table);
        var width = TableSchema.Columns(table).Count;
        foreach (var (batchRef, segments) in ledger.Batches)
        {
            foreach (var segment in segments)
            {
                if (segment.Table != name) continue;
                foreach (var row in PartFormat.ReadSegment(segment, table, partsDirectory))
                {
                    var key = FileKeys.Parse(row[0]);
                    if (!inputKeys.Contains(key) || ledger.BatchOf(key) != batchRef) continue;
                    if (table == Table.Submission) Increment(dateSources, row[^1]);
                    yield return row.AsSpan(1, width).ToArray();
                }
            }
        }
    }

    static IEnumerable<string[]> QuarantinedRows(RunLedger ledger, IReadOnlySet<UInt128> inputKeys) =>
        ledger.Quarantined
            .Where(q => inputKeys.Contains(q.Key))
            .OrderBy(q => q.File.SourcePath, StringComparer.Ordinal)
            .Select(q => TableSchema.ErrorRow(q.File.SourcePath, new ExtractionError(Stage.Process, q.File.Kind, q.File.Reason), q.File.Attempts));

    static IEnumerable<string[]> MissingRows(IReadOnlyList<MissingInput> missing) =>
        missing.Select(m => TableSchema.ErrorRow(m.SourcePath, new ExtractionError(Stage.Input, ErrorKind.MissingFile, $"file not found: {m.Path}"), 0));

    void Write(Table table, IEnumerable<string[]> rows)
    {
        var path = Path.Combine(resultsDirectory, TableSchema.FileName(table));
        var temp = path + ".tmp";
        using (var writer = CsvDataWriter.Create(new StreamWriter(temp, false, new UTF8Encoding(false)), new CsvDataWriterOptions { NewLine = "\n" }))
        {
            writer.Write(new StringRowsDataReader(TableSchema.Columns(table), rows, CsvCells.GuardFormula));
        }
        File.Move(temp, path, overwrite: true);
    }

    static void Increment(IDictionary<string, int> counts, string key) => counts[key] = counts.TryGetValue(key, out var n) ? n + 1 : 1;
}
