using System.Text;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Node.Extraction;
using Form3Actors.Node.Output;
using Sylvan.Data.Csv;

namespace Form3Actors.Coordinator.Output;

/// <summary>What a merge wrote: rows per table, errors by kind, where FILING_DATE came from, and duplicates dropped.</summary>
public sealed record MergeResult(
    IReadOnlyDictionary<string, int> RowsPerTable,
    IReadOnlyDictionary<string, int> ErrorsByKind,
    IReadOnlyDictionary<string, int> FilingDateSources,
    int DuplicateFilings);

/// <summary>
/// Builds the final tables, one CSV per table, from the journaled part segments: a row counts only if its file is
/// in this run's input and the ledger names this very batch as the file's current one. That is what makes the tables
/// exactly-once whatever crashed: segments never journaled, a batch done twice, or an older version of a changed
/// file are all left out. Each table is written to a temporary name and renamed into place.
/// </summary>
/// <remarks>
/// EDGAR files one filing under every filer's CIK folder, so a mirror (and any list or index made from it) can hold
/// the same accession number at several paths. Such copies are counted once: the copy with the smallest source path
/// keeps its rows, whatever order the batches ran in, so every mode of running gives the same tables.
/// </remarks>
public sealed class TableMerger(string partsDirectory, string resultsDirectory)
{
    public MergeResult Merge(RunLedger ledger, IReadOnlySet<UInt128> inputKeys, IReadOnlyList<MissingInput> missing)
    {
        Directory.CreateDirectory(resultsDirectory);
        var rowsPerTable = new Dictionary<string, int>();
        var errorsByKind = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var dateSources = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var duplicates = DuplicateCopies(ledger, inputKeys);
        var keep = inputKeys.Except(duplicates).ToHashSet();

        foreach (var table in TableSchema.All)
        {
            var rows = CurrentRows(ledger, keep, table, dateSources);
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
        return new MergeResult(rowsPerTable, errorsByKind, dateSources, duplicates.Count);
    }

    /// <summary>Keys of files whose accession number another input file with a smaller source path also has.</summary>
    HashSet<UInt128> DuplicateCopies(RunLedger ledger, IReadOnlySet<UInt128> inputKeys)
    {
        var accession = TableSchema.Columns(Table.Submission).ToList().IndexOf("ACCESSION_NUMBER") + 1;
        var source = TableSchema.Columns(Table.Submission).ToList().IndexOf("SOURCE_PATH") + 1;
        var winners = new Dictionary<string, (string Source, UInt128 Key)>(StringComparer.Ordinal);
        var losers = new HashSet<UInt128>();
        foreach (var row in CurrentRows(ledger, inputKeys, Table.Submission, new Dictionary<string, int>(), keyed: true))
        {
            if (!Form3Extractor.IsAccessionNumber(row[accession])) continue;
            var key = FileKeys.Parse(row[0]);
            if (!winners.TryGetValue(row[accession], out var winner))
            {
                winners[row[accession]] = (row[source], key);
                continue;
            }
            if (string.CompareOrdinal(row[source], winner.Source) < 0)
            {
                losers.Add(winner.Key);
                winners[row[accession]] = (row[source], key);
            }
            else
            {
                losers.Add(key);
            }
        }
        return losers;
    }

    /// <summary>The current rows of a table, without the key column unless <paramref name="keyed"/>.</summary>
    IEnumerable<string[]> CurrentRows(RunLedger ledger, IReadOnlySet<UInt128> inputKeys, Table table, IDictionary<string, int> dateSources, bool keyed = false)
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
                    yield return keyed ? row : row.AsSpan(1, width).ToArray();
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
