using System.Globalization;
using System.Text;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;

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
    /// <summary>Bytes gathered before each write to a table file.</summary>
    const int WriteChunkBytes = 1 << 20;

    static readonly int ErrorKindColumn = TableSchema.Columns(Table.Errors).ToList().IndexOf("ERROR_KIND");
    const int AccessionLength = 20;

    readonly CsvRowWriter _output = new(2 * WriteChunkBytes);

    public MergeResult Merge(RunLedger ledger, InputListing input)
    {
        Directory.CreateDirectory(resultsDirectory);
        var rowsPerTable = new Dictionary<string, int>();
        var errorsByKind = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var dateSources = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var duplicates = DuplicateCopies(ledger, input);
        bool Keep(UInt128 key) => input.Contains(key) && !duplicates.Contains(key);

        foreach (var table in TableSchema.All)
        {
            var path = Path.Combine(resultsDirectory, TableSchema.FileName(table));
            var temp = path + ".tmp";
            var count = 0;
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                _output.Clear();
                _output.Row(TableSchema.Columns(table));
                foreach (var row in CurrentRows(ledger, Keep, table))
                {
                    var cells = PartFormat.TableCells(row.Span, table);
                    if (table == Table.Submission) Increment(dateSources, PartFormat.FilingDateSource(row.Span));
                    if (table == Table.Errors) Increment(errorsByKind, CsvRecords.Fields(cells)[ErrorKindColumn]);
                    _output.Raw(cells);
                    _output.EndRow();
                    count++;
                    if (_output.Length >= WriteChunkBytes) _output.FlushTo(file);
                }
                if (table == Table.Errors)
                {
                    foreach (var row in QuarantinedRows(ledger, input).Concat(UnusableRows(input.Unusable)))
                    {
                        Increment(errorsByKind, row[ErrorKindColumn]);
                        _output.Row(row.Select(CsvCells.GuardFormula));
                        count++;
                    }
                }
                _output.FlushTo(file);
            }
            File.Move(temp, path, overwrite: true);
            rowsPerTable[TableSchema.Name(table)] = count;
        }
        return new MergeResult(rowsPerTable, errorsByKind, dateSources, duplicates.Count);
    }

    /// <summary>Keys of files whose accession number another input file with a smaller source path also has.</summary>
    HashSet<UInt128> DuplicateCopies(RunLedger ledger, InputListing input)
    {
        // By accession number as a number and file key: 40 bytes a filing, where strings would take 200.
        var winners = new Dictionary<long, UInt128>();
        var losers = new HashSet<UInt128>();
        foreach (var row in CurrentRows(ledger, input.Contains, Table.Submission))
        {
            if (AccessionNumber(PartFormat.TableCells(row.Span, Table.Submission)) is not { } accession) continue;
            var key = FileKeys.Parse(PartFormat.Key(row.Span));
            if (winners.TryAdd(accession, key)) continue;
            var winner = winners[accession];
            var keyFirst = string.CompareOrdinal(input[input.IndexOf(key)].SourcePath, input[input.IndexOf(winner)].SourcePath) < 0;
            losers.Add(keyFirst ? winner : key);
            winners[accession] = keyFirst ? key : winner;
        }
        return losers;
    }

    /// <summary>The accession number in the first cell of a SUBMISSION row as its 18 digits, or null if it is not one.</summary>
    static long? AccessionNumber(ReadOnlySpan<byte> cells)
    {
        var comma = cells.IndexOf((byte)',');
        var cell = comma < 0 ? cells : cells[..comma];
        if (cell.Length != AccessionLength) return null;
        var text = Encoding.ASCII.GetString(cell);
        return Form3Extractor.IsAccessionNumber(text) ? long.Parse(text.Replace("-", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The current rows of a table as part-file bytes (key first, LF last).</summary>
    IEnumerable<ReadOnlyMemory<byte>> CurrentRows(RunLedger ledger, Func<UInt128, bool> keep, Table table)
    {
        var name = TableSchema.Name(table);
        foreach (var (batchRef, segments) in ledger.Batches)
        {
            foreach (var segment in segments)
            {
                if (segment.Table != name) continue;
                var bytes = PartFormat.ReadSegment(segment, partsDirectory);
                foreach (var row in PartFormat.Rows(bytes, segment, table))
                {
                    var key = FileKeys.Parse(PartFormat.Key(row.Span));
                    if (keep(key) && ledger.BatchOf(key) == batchRef) yield return row;
                }
            }
        }
    }

    static IEnumerable<string[]> QuarantinedRows(RunLedger ledger, InputListing input) =>
        ledger.Quarantined
            .Where(q => input.Contains(q.Key))
            .OrderBy(q => q.File.SourcePath, StringComparer.Ordinal)
            .Select(q => TableSchema.ErrorRow(q.File.SourcePath, new ExtractionError(Stage.Process, q.File.Kind, q.File.Reason), q.File.Attempts));

    static IEnumerable<string[]> UnusableRows(IReadOnlyList<UnusableInput> unusable) =>
        unusable.Select(u => TableSchema.ErrorRow(u.SourcePath, new ExtractionError(Stage.Input, u.Kind, u.Message), 0));

    static void Increment(IDictionary<string, int> counts, string key) => counts[key] = counts.TryGetValue(key, out var n) ? n + 1 : 1;
}
