using System.Text.Json;
using Form3Actors.Core.Extraction;
using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// `run --parquet` through the real executable: every table as typed Parquet beside its CSV, read back by DuckDB's
/// engine and by Parquet.Net's reader (neither shares code with the writer, Apache Arrow's C++ through ParquetSharp) and compared value for value with the
/// CSV, on the samples, on real filings with values that fit no type, and on a generated mixed corpus written in many
/// row groups; damaged Parquet files are rewritten by the next run.
/// </summary>
public sealed class ParquetTablesTests : IDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    readonly string _root = Directory.CreateTempSubdirectory("form3-parquet-").FullName;

    string Logs => Path.Combine(_root, "logs");

    [Fact]
    public async Task The_samples_read_back_in_DuckDB_and_Parquet_Net_typed_and_equal_to_the_CSVs()
    {
        var form3 = await Run("form3", [Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv")]);
        var mixed = await Run("mixed", [Path.Combine(TestData.RepoRoot, "data", "input", "mixed_forms.csv"), "--forms", "3,4,5"]);

        foreach (var runDir in new[] { form3, mixed })
        {
            var nulled = CheckEveryTable(runDir);
            Assert.Empty(nulled);
        }
        // The mixed sample has transactions: dates, numbers and flags of every table came through typed.
        var trans = ParquetTables.DuckDbRows(ParquetTables.PathOf(mixed, "NONDERIV_TRANS"));
        Assert.Equal(14, trans.Count);
    }

    [Fact]
    public async Task Values_that_fit_no_type_are_null_in_Parquet_as_filed_in_the_CSV_and_counted_in_the_manifest()
    {
        var mirror = Path.Combine(_root, "mirror");
        Directory.CreateDirectory(mirror);
        var filing = File.ReadAllText(Path.Combine(TestData.RepoRoot, "tests", "data", "form45-filings", "0000320193-19-000059.txt"));
        // As real filings have them: a month 13 and a price in words.
        var damaged = ReplaceFirst(ReplaceFirst(filing, "<value>2019-02-19</value>", "<value>2019-13-01</value>"),
            "<transactionPricePerShare>\n                    <value>0</value>", "<transactionPricePerShare>\n                    <value>n/a</value>");
        Assert.NotEqual(filing, damaged);
        File.WriteAllText(Path.Combine(mirror, "0000320193-19-000059.txt"), damaged);
        var csv = Path.Combine(mirror, "list.csv");
        File.WriteAllLines(csv, ["filepath", "0000320193-19-000059.txt"]);

        var runDir = await Run("misfits", [csv, "--forms", "3,4,5"]);

        var nulled = CheckEveryTable(runDir);
        Assert.Equal(new Dictionary<string, int> { ["NONDERIV_TRANS.TRANS_DATE"] = 1, ["NONDERIV_TRANS.TRANS_PRICEPERSHARE"] = 1 }, nulled);
        var transactions = File.ReadAllText(Path.Combine(runDir, "results", "NONDERIV_TRANS.csv"));
        Assert.Contains("2019-13-01", transactions);
        Assert.Contains("n/a", transactions);
    }

    [Fact]
    public async Task A_generated_mixed_corpus_is_written_in_many_row_groups_with_statistics_and_reads_back_equal()
    {
        var corpus = CorpusGenerator.Generate(Path.Combine(_root, "corpus"), 1500, seed: 7, mixed: true);
        Assert.True(corpus.Transactions > 1000, $"only {corpus.Transactions} transactions");
        // Row groups far smaller than the tables, closed by rows and by bytes, so that every table crosses several.
        var config = Path.Combine(_root, "small-row-groups.conf");
        File.WriteAllText(config, "form3.coordinator.parquet { row-group-rows = 97, row-group-bytes = 16 KiB }");
        var runDir = await Run("generated", [corpus.InputCsv, "--forms", "3,4,5"], new Dictionary<string, string> { ["FORM3_CONFIG"] = config });

        CheckEveryTable(runDir);
        using var db = ParquetTables.DuckDb();
        using var command = db.CreateCommand();
        var transactions = ParquetTables.PathOf(runDir, "NONDERIV_TRANS");
        command.CommandText = $"SELECT count(DISTINCT row_group_id), count(*) FILTER (WHERE stats_min_value IS NULL OR stats_max_value IS NULL) " +
            $"FROM parquet_metadata('{transactions}') WHERE path_in_schema IN ('TRANS_DATE', 'ACCESSION_NUMBER')";
        using (var reader = command.ExecuteReader())
        {
            Assert.True(reader.Read());
            Assert.True(reader.GetInt64(0) > 10, $"{reader.GetInt64(0)} row groups");
            Assert.Equal(0, reader.GetInt64(1));
        }
        // A filter on a date skips row groups by their statistics: a date before every transaction reads none.
        command.CommandText = $"SELECT count(*) FROM read_parquet('{transactions}') WHERE TRANS_DATE < DATE '1990-01-01'";
        Assert.Equal(0L, (long)command.ExecuteScalar()!);
    }

    [Fact]
    public async Task A_cut_altered_or_deleted_Parquet_table_is_written_again_by_the_next_run_and_dropped_when_not_asked_for()
    {
        var input = Path.Combine(TestData.RepoRoot, "data", "input", "mixed_forms.csv");
        var runDir = await Run("heal", [input, "--forms", "3,4,5"]);
        var cut = ParquetTables.PathOf(runDir, "NONDERIV_TRANS");
        var altered = ParquetTables.PathOf(runDir, "SUBMISSION");
        var deleted = ParquetTables.PathOf(runDir, "FOOTNOTES");
        var bytes = File.ReadAllBytes(cut);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var middle = File.ReadAllBytes(altered);
        middle[middle.Length / 2] ^= 0x5A;
        File.WriteAllBytes(altered, middle);
        File.Delete(deleted);

        using (var rerun = Form3Process.Start("form3-coordinator", "heal-again", Logs, null, "run", input, "--run-dir", runDir, "--forms", "3,4,5", "--parquet"))
        {
            Assert.True(await rerun.WaitForExitAsync(Timeout) == 0, rerun.Tail());
            var log = rerun.Log();
            Assert.Contains("parquet/NONDERIV_TRANS.parquet has", log);
            Assert.Contains("parquet/SUBMISSION.parquet was changed", log);
            Assert.Contains("parquet/FOOTNOTES.parquet is missing", log);
        }
        Assert.Empty(CheckEveryTable(runDir));

        using (var without = Form3Process.Start("form3-coordinator", "no-parquet", Logs, null, "run", input, "--run-dir", runDir, "--forms", "3,4,5"))
            Assert.True(await without.WaitForExitAsync(Timeout) == 0, without.Tail());
        Assert.False(Directory.Exists(Path.Combine(runDir, "results", "parquet")));
        Assert.DoesNotContain(Manifest(runDir).GetProperty("tables").EnumerateObject(), t => t.Name.StartsWith("parquet/", StringComparison.Ordinal));
    }

    /// <summary>
    /// Checks every table's Parquet file against its CSV with both readers, its column types against the data
    /// dictionary, and the cells it left null against the manifest's count; returns those counts by TABLE.COLUMN.
    /// </summary>
    static Dictionary<string, int> CheckEveryTable(string runDir)
    {
        var manifest = Manifest(runDir);
        var files = manifest.GetProperty("tables");
        var nulled = new Dictionary<string, int>();
        foreach (var name in RunTables.Names)
        {
            var file = ParquetTables.PathOf(runDir, name);
            Assert.True(files.TryGetProperty($"parquet/{name}.parquet", out var listed), $"the manifest does not list {name}.parquet");
            Assert.Equal(new FileInfo(file).Length, listed.GetProperty("bytes").GetInt64());

            var columns = ParquetTables.DuckDbColumns(file);
            var table = TableSchema.All.Single(t => TableSchema.Name(t) == name);
            Assert.Equal(TableSchema.Columns(table).Select(c => (c, DuckDbType(TableSchema.TypeOf(c)))), columns);

            var csv = Path.Combine(runDir, "results", name + ".csv");
            var byDuckDb = new Dictionary<string, int>();
            var byParquetNet = new Dictionary<string, int>();
            Assert.Null(ParquetTables.Difference(csv, columns.Select(c => c.Name).ToList(), ParquetTables.DuckDbRows(file), byDuckDb));
            Assert.Null(ParquetTables.Difference(csv, columns.Select(c => c.Name).ToList(), ParquetTables.ParquetNetRows(file), byParquetNet));
            Assert.Equal(byDuckDb, byParquetNet);
            foreach (var (column, n) in byDuckDb) nulled[$"{name}.{column}"] = n;
        }
        var counted = manifest.GetProperty("parquetNulls").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(counted, nulled);
        return nulled;
    }

    static string DuckDbType(ColumnType type) => type switch
    {
        ColumnType.Date => "DATE",
        ColumnType.Timestamp => "TIMESTAMP",
        ColumnType.Number => "DOUBLE",
        ColumnType.Flag => "BOOLEAN",
        ColumnType.Count => "INTEGER",
        _ => "VARCHAR",
    };

    async Task<string> Run(string name, string[] input, IReadOnlyDictionary<string, string>? environment = null)
    {
        var runDir = Path.Combine(_root, name);
        using var run = Form3Process.Start("form3-coordinator", name, Logs, environment, ["run", .. input, "--run-dir", runDir, "--parquet"]);
        Assert.True(await run.WaitForExitAsync(Timeout) == 0, run.Tail());
        return runDir;
    }

    static JsonElement Manifest(string runDir) => RunTables.Manifest(runDir);

    static string ReplaceFirst(string text, string what, string with)
    {
        var at = text.IndexOf(what, StringComparison.Ordinal);
        return at < 0 ? text : text[..at] + with + text[(at + what.Length)..];
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
