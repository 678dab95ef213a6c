using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;
using Form3Actors.Messages;

namespace Form3Actors.Coordinator.Output;

/// <summary>What a merge wrote: rows per table, errors by kind, where FILING_DATE came from, and duplicates dropped.</summary>
public sealed record MergeResult(
    IReadOnlyDictionary<string, int> RowsPerTable,
    IReadOnlyDictionary<string, int> ErrorsByKind,
    IReadOnlyDictionary<string, int> FilingDateSources,
    int DuplicateFilings,
    IReadOnlyDictionary<string, TableFile> Tables,
    IReadOnlyDictionary<int, string> DamagedBatches)
{
    /// <summary>Cells that did not fit their column's type, null in the Parquet tables (kept as filed in the CSV), by TABLE.COLUMN.</summary>
    public IReadOnlyDictionary<string, int> ParquetNulls { get; init; } = new Dictionary<string, int>();

    /// <summary>A merge that found damaged segments wrote no table: the batches' files must be extracted again first.</summary>
    public static MergeResult Damaged(IReadOnlyDictionary<int, string> batches) =>
        new(new Dictionary<string, int>(), new Dictionary<string, int>(), new Dictionary<string, int>(), 0, new Dictionary<string, TableFile>(), batches);
}

/// <summary>
/// Builds the final tables, one CSV per table, from the journaled part segments: a row counts only if its file is
/// in this run's input and the ledger names this very batch as the file's current one. That is what makes the tables
/// exactly-once whatever crashed: segments never journaled, a batch done twice, or an older version of a changed
/// file are all left out. Each table is written to a temporary name, fsynced and renamed into place, and the folder
/// is fsynced, so that the manifest written after the merge never names a table that a crash could still take away;
/// each table's size and checksum go into the manifest, so that a rerun finds a table changed since. A segment lost,
/// cut short or altered since its worker wrote it (<see cref="DamagedSegmentException"/>) leaves the tables as they
/// were and names its batch in <see cref="MergeResult.DamagedBatches"/>, for its files to be extracted again.
/// </summary>
/// <remarks>
/// EDGAR files one filing under every filer's CIK folder, so a mirror (and any list or index made from it) can hold
/// the same accession number at several paths. Such copies are counted once: the copy with the smallest source path
/// keeps its rows, whatever order the batches ran in, so every mode of running gives the same tables.
/// </remarks>
/// <param name="threads">How many tables are written at once (at least 1).</param>
/// <param name="outputs">What is written besides the CSV tables (the SEC's layout); an earlier run's files of an output not asked for are removed.</param>
public sealed class TableMerger(string partsDirectory, string resultsDirectory, int threads = 1, ResultOutputs? outputs = null)
{
    static readonly int ErrorKindColumn = TableSchema.Columns(Table.Errors).ToList().IndexOf("ERROR_KIND");
    const int AccessionLength = 20;

    readonly ResultOutputs _outputs = outputs ?? ResultOutputs.CsvOnly;

    public MergeResult Merge(RunLedger ledger, InputListing input)
    {
        Directory.CreateDirectory(resultsDirectory);
        var duplicates = DuplicateCopies(ledger, input);
        // A row counts if its file is listed, the ledger names this very batch as the file's, and it is no second copy.
        var current = new CurrentFiles(ledger, input, duplicates.ToHashSet());

        // Tables are independent, and so are a table's CSV and its Parquet file: they are written side by side (the
        // ledger and listing are only read), the costliest first, so that no thread is left with a large one at the end.
        var bytes = TableSchema.All.ToDictionary(t => t, t => ledger.Batches.SelectMany(b => b.Value).Where(s => s.Table == TableSchema.Name(t)).Sum(s => s.Length));
        var jobs = TableSchema.All.SelectMany(t => _outputs.Jobs(t).Select(kinds => (Table: t, Kinds: kinds)))
            .OrderByDescending(j => bytes[j.Table] * ResultOutputs.Cost(j.Kinds)).ToList();
        var written = new TableWritten[jobs.Count];
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(Enumerable.Range(0, jobs.Count), System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            i => written[i] = WriteTable(jobs[i].Table, jobs[i].Kinds, ledger, input, current.Contains));
        var files = written.SelectMany(t => t.Outputs).ToList();
        if (!_damaged.IsEmpty)
        {
            foreach (var output in files) output.Discard();
            return MergeResult.Damaged(_damaged);
        }
        foreach (var output in files) output.Commit();
        AtomicFile.SyncDirectory(resultsDirectory);
        foreach (var folder in _outputs.Folders(resultsDirectory)) AtomicFile.SyncDirectory(folder);
        _outputs.RemoveOthers(resultsDirectory);
        var rowsPerTable = new Dictionary<string, int>();
        var misfits = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var errorsByKind = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var dateSources = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var table in written.Where(t => t.Counted).OrderBy(t => t.Table))
        {
            rowsPerTable[TableSchema.Name(table.Table)] = table.Rows;
            foreach (var (kind, n) in table.ErrorsByKind) Increment(errorsByKind, kind, n);
            foreach (var (source, n) in table.FilingDateSources) Increment(dateSources, source, n);
        }
        foreach (var table in written)
            foreach (var parquet in table.Outputs.OfType<ParquetTableOutput>())
                foreach (var (column, n) in parquet.Misfits) misfits[$"{TableSchema.Name(table.Table)}.{column}"] = n;
        return new MergeResult(rowsPerTable, errorsByKind, dateSources, duplicates.Count,
            written.SelectMany(t => t.Files).ToDictionary(f => f.Key, f => f.Value), new Dictionary<int, string>()) { ParquetNulls = misfits };
    }

    /// <summary>
    /// Files of one table as written: its rows, the counts taken on the way (errors by kind, filing-date sources; only
    /// <paramref name="Counted"/> by the job that writes the CSV), and each file's size and checksum.
    /// </summary>
    sealed record TableWritten(Table Table, bool Counted, int Rows, Dictionary<string, int> ErrorsByKind, Dictionary<string, int> FilingDateSources,
        IReadOnlyList<TableOutput> Outputs, IReadOnlyDictionary<string, TableFile> Files);

    /// <summary>Batches with a damaged segment, and what is wrong with it; filled from every table's thread.</summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> _damaged = new();

    TableWritten WriteTable(Table table, OutputKinds kinds, RunLedger ledger, InputListing input, Func<FileKey, int, bool> current)
    {
        var errorsByKind = new Dictionary<string, int>(StringComparer.Ordinal);
        var dateSources = new Dictionary<string, int>(StringComparer.Ordinal);
        var outputs = _outputs.For(resultsDirectory, table, kinds);
        var counted = kinds.HasFlag(OutputKinds.Csv);
        var count = 0;
        ForEachCurrentRow(ledger, current, table, (row, withAsFiled) =>
        {
            var cells = PartFormat.TableCells(row, table, withAsFiled);
            var asFiled = PartFormat.AsFiled(row, withAsFiled);
            if (counted && table == Table.Submission) Increment(dateSources, PartFormat.FilingDateSource(row));
            if (counted && table == Table.Errors) Increment(errorsByKind, CsvRecords.Fields(cells)[ErrorKindColumn]);
            foreach (var output in outputs) output.Add(cells, asFiled);
            count++;
        });
        if (table == Table.Errors)
        {
            foreach (var row in QuarantinedRows(ledger, input))
            {
                if (counted) Increment(errorsByKind, row[ErrorKindColumn]);
                foreach (var output in outputs) output.Add(row);
                count++;
            }
        }
        var files = outputs.ToDictionary(o => o.RelativePath, o => o.Complete());
        return new TableWritten(table, counted, count, errorsByKind, dateSources, outputs, files);
    }

    /// <summary>
    /// Listing indices of files whose accession number another listed file with a smaller source path also has. Each
    /// filing's accession number (as a number) and index go into two flat arrays, 12 bytes a filing, sorted together:
    /// copies end up side by side, whatever the order the batches ran in.
    /// </summary>
    List<int> DuplicateCopies(RunLedger ledger, InputListing input)
    {
        var accessions = new List<long>();
        var indices = new List<int>();
        ForEachCurrentRow(ledger, (key, batchRef) => input.IndexOf(key) is >= 0 and var i && ledger.BatchOf(i) == batchRef, Table.Submission, (row, withAsFiled) =>
        {
            if (AccessionNumber(PartFormat.TableCells(row, Table.Submission, withAsFiled)) is not { } accession) return;
            accessions.Add(accession);
            indices.Add(input.IndexOf(FileKey.Parse(PartFormat.Key(row))));
        });
        var (keys, items) = (accessions.ToArray(), indices.ToArray());
        accessions.Clear();
        indices.Clear();
        Array.Sort(keys, items);
        var losers = new List<int>();
        for (var start = 0; start < keys.Length;)
        {
            var end = start + 1;
            while (end < keys.Length && keys[end] == keys[start]) end++;
            if (end - start > 1)
            {
                var winner = items[start..end].MinBy(i => input[i].SourcePath, StringComparer.Ordinal);
                losers.AddRange(items[start..end].Where(i => i != winner));
            }
            start = end;
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
        return OwnershipExtractor.IsAccessionNumber(text) ? long.Parse(text.Replace("-", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : null;
    }

    /// <summary>A part row (key first, LF last), and whether it has the AS_FILED column.</summary>
    delegate void RowHandler(ReadOnlySpan<byte> row, bool withAsFiled);

    /// <summary>Hands each current row of a table to <paramref name="onRow"/> as part-file bytes.</summary>
    /// <remarks>
    /// A filing's rows of one table lie together in its segment, so the decision is taken once per filing, when the
    /// key changes: parsing the key and looking it up for every row made this loop a tenth of a large run's CPU. The
    /// loop runs once per merge, over millions of rows, so it is compiled optimized from the start instead of waiting
    /// for tiered compilation to notice it (a plain loop, not an iterator, so that the attribute applies to it).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void ForEachCurrentRow(RunLedger ledger, Func<FileKey, int, bool> isCurrent, Table table, RowHandler onRow)
    {
        var name = TableSchema.Name(table);
        var width = PartFormat.SegmentColumns(table).Count;
        var buffer = Array.Empty<byte>();
        foreach (var (batchRef, segments) in ledger.Batches)
        {
            foreach (var segment in segments)
            {
                if (segment.Table != name) continue;
                try
                {
                    var bytes = PartFormat.ReadSegment(segment, partsDirectory, ref buffer).Span;
                    var lastKey = ReadOnlySpan<byte>.Empty;
                    var current = false;
                    for (var position = 0; position < bytes.Length;)
                    {
                        var row = bytes.Slice(position, PartFormat.RowLength(bytes, position, segment, width, out var withAsFiled));
                        position += row.Length;
                        var key = PartFormat.Key(row);
                        if (lastKey.IsEmpty || !key.SequenceEqual(lastKey))
                        {
                            lastKey = key;
                            current = isCurrent(FileKey.Parse(key), batchRef);
                        }
                        if (current) onRow(row, withAsFiled);
                    }
                }
                catch (DamagedSegmentException damaged)
                {
                    _damaged.TryAdd(batchRef, damaged.Message);
                }
            }
        }
    }

    static IEnumerable<string[]> QuarantinedRows(RunLedger ledger, InputListing input) =>
        ledger.Quarantined
            .OrderBy(q => q.File.SourcePath, StringComparer.Ordinal)
            .Select(q => TableSchema.ErrorRow(q.File.SourcePath, new ExtractionError(Stage.Process, q.File.Kind, q.File.Reason), q.File.Attempts));

    static void Increment(IDictionary<string, int> counts, string key, int by = 1) => counts[key] = counts.TryGetValue(key, out var n) ? n + by : by;
}
