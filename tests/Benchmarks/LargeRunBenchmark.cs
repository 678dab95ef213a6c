using System.Diagnostics;
using System.Globalization;
using Form3Actors.Core.Extraction;
using Form3Actors.Testing;

namespace Form3Actors.Benchmarks;

/// <summary>
/// The run at the scale of EDGAR's whole insider history, and its fixed cost at the other end, through the real
/// command line: the ten-filing sample and 20,000 filings against the Python script, listings of files that do not
/// exist (the coordinator's own work alone) up to ten million, the coordinator table of `scale`, and a generated
/// mixed corpus of a million filings end to end, rerun, and merged again with its Parquet tables, which DuckDB then loads.
/// </summary>
public static class LargeRunBenchmark
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    static readonly TimeSpan Timeout = TimeSpan.FromHours(1);
    const int SampleRuns = 11;

    public static async Task Run(int mixedFiles, IReadOnlyList<int> listed, IReadOnlyList<int> scale, int pairs, bool sweep, string work)
    {
        Directory.CreateDirectory(work);
        BenchmarkReport.Machine();
        await FixedCost(work, pairs);
        await MissingFiles(listed, work);
        await BenchmarkReport.Scale(scale, work);
        if (mixedFiles > 0) await MixedCorpus(mixedFiles, sweep, work);
    }

    static async Task FixedCost(string work, int pairs)
    {
        Console.Error.WriteLine("[bench] fixed cost");
        var sample = Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv");
        var seconds = new List<double>();
        for (var i = 0; i < SampleRuns; i++) seconds.Add(await Whole(sample, Path.Combine(work, "fixed-sample"), "fixed-sample"));

        var corpusDir = Path.Combine(work, "corpus-v2-20000");
        var csv = Path.Combine(corpusDir, "form_3_20000.csv");
        if (!File.Exists(csv)) CorpusGenerator.Generate(corpusDir, 20_000, seed: 1);
        ParseBenchmark.ReadFloor(Paths(csv), 2); // warm the page cache
        var ours = new List<double>();
        var python = new List<double>();
        for (var i = 0; i < pairs; i++)
        {
            ours.Add(await Whole(csv, Path.Combine(work, "fixed-20000"), "fixed-20000"));
            var output = Path.Combine(work, "fixed-python");
            if (await EndToEndBenchmark.PythonScript(corpusDir, csv, 20_000, output) is { } rate) python.Add(20_000 / rate);
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }

        Console.WriteLine("## Fixed cost (whole process, from start to exit)");
        Console.WriteLine();
        Console.WriteLine("| measure | median | min | max | target |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine(string.Create(Invariant, $"| ten-filing sample (`run data/input/form_3_10.csv`), {SampleRuns} runs | {Median(seconds):F2} s | {seconds.Min():F2} s | {seconds.Max():F2} s | under 1 s |"));
        Console.WriteLine(string.Create(Invariant, $"| 20,000 generated Form 3 filings in the page cache, embedded, {pairs} runs | {Median(ours):F2} s | {ours.Min():F2} s | {ours.Max():F2} s | |"));
        if (python.Count == pairs)
        {
            Console.WriteLine(string.Create(Invariant, $"| the same, `py_extract.py --procs 2`, paired with the runs above | {Median(python):F2} s | {python.Min():F2} s | {python.Max():F2} s | |"));
            var ratios = ours.Zip(python, (o, p) => p / o).ToList();
            Console.WriteLine(string.Create(Invariant, $"| embedded against the script (script / embedded, per pair) | {Median(ratios):F2}x | {ratios.Min():F2}x | {ratios.Max():F2}x | at least 2x |"));
        }
        Console.WriteLine();
    }

    /// <summary>
    /// Listings of EDGAR-like paths that do not exist: each file is one failed open, so the run is the coordinator's own
    /// work (listing, hand-out, journal, merge of one ERRORS row per file). The stop for all-missing listings is off.
    /// </summary>
    static async Task MissingFiles(IReadOnlyList<int> listed, string work)
    {
        if (listed.Count == 0) return;
        var config = Path.Combine(work, "missing-no-stop.conf");
        await File.WriteAllTextAsync(config, "form3.coordinator.all-missing-stop-after = 0\n");
        var environment = new Dictionary<string, string> { ["FORM3_CONFIG"] = config };
        Console.WriteLine("## Listings of files that do not exist (the real command line; the coordinator's own work)");
        Console.WriteLine();
        Console.WriteLine("| files listed | whole command | x the first row | peak memory (per file) | ERRORS rows | unacknowledged-report warnings |");
        Console.WriteLine("|---|---|---|---|---|---|");
        double? first = null;
        foreach (var n in listed)
        {
            Console.Error.WriteLine($"[bench] missing files, {n:N0}");
            var csv = Path.Combine(work, $"missing-{n}.csv");
            if (!File.Exists(csv)) WriteMissingListing(csv, n);
            var runDir = Path.Combine(work, $"missing-run-{n}");
            if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
            var watch = Stopwatch.StartNew();
            string log;
            using (var run = Form3Process.Start("form3-coordinator", $"missing-{n}", Path.Combine(work, "logs"), environment, "run", csv, "--run-dir", runDir))
            {
                var code = await run.WaitForExitAsync(Timeout);
                if (code != 0) throw new InvalidOperationException($"the missing-files run of {n:N0} exited with {code}:\n{run.Tail()}");
                log = run.Log();
            }
            var seconds = watch.Elapsed.TotalSeconds;
            first ??= seconds;
            var manifest = RunTables.Manifest(runDir);
            var peak = manifest.GetProperty("coordinatorPeakMemoryBytes").GetInt64();
            var errors = manifest.GetProperty("rowsPerTable").GetProperty("ERRORS").GetInt32();
            var unacknowledged = log.Split('\n').Count(l => l.Contains("not acknowledged", StringComparison.Ordinal));
            Console.WriteLine(string.Create(Invariant,
                $"| {n:N0} | {seconds:F1} s | {seconds / first.Value:F1}x | {peak / 1048576.0:N0} MB ({(double)peak / n:F0} B) | {errors:N0} | {unacknowledged} |"));
            Directory.Delete(runDir, recursive: true);
        }
        Console.WriteLine();
    }

    static void WriteMissingListing(string csv, int n)
    {
        var random = new Random(n);
        using var writer = new StreamWriter(csv);
        writer.WriteLine("filepath");
        for (var i = 0; i < n; i++)
            writer.WriteLine(string.Create(Invariant, $"not-mounted/edgar/data/{random.Next(1000, 2_000_000)}/{random.Next(1, 2_000_000):D10}-{random.Next(3, 26):D2}-{i:D6}.txt"));
    }

    static async Task MixedCorpus(int files, bool sweep, string work)
    {
        var corpusDir = Path.Combine(work, $"mixed-{files}");
        var csv = Path.Combine(corpusDir, $"form_3_{files}.csv");
        if (!File.Exists(csv))
        {
            Console.Error.WriteLine($"[bench] generating a mixed corpus of {files:N0}");
            CorpusGenerator.Generate(corpusDir, files, seed: 11, mixed: true);
        }
        var paths = Paths(csv);
        Console.Error.WriteLine("[bench] mixed corpus: page cache, ceiling");
        ParseBenchmark.ReadFloor(paths, 2);
        var ceiling = ParseBenchmark.ReadExtractEncode(paths, 2, FormSelection.All);
        var runs = Path.Combine(work, $"mixed-runs-{files}");
        if (Directory.Exists(runs)) Directory.Delete(runs, recursive: true);
        var runDir = Path.Combine(runs, "embedded");
        Console.Error.WriteLine("[bench] mixed corpus: embedded run");
        var embedded = await EndToEndBenchmark.Embedded(csv, files, runDir, "mixed", "--forms", "3,4,5");
        var firstMerge = MergeSeconds(Path.Combine(runs, "logs", "mixed.log"));
        // "In the page cache" for a rerun means the files' metadata too, which the first run's reads and writes push out.
        var statFloor = ParseBenchmark.StatFloor(paths, 64);
        var rerun = await EndToEndBenchmark.Rerun(csv, files, runDir, "mixed-rerun", "--forms", "3,4,5");
        Console.Error.WriteLine("[bench] mixed corpus: merged again with Parquet, then without");
        var withParquet = await EndToEndBenchmark.Rerun(csv, files, runDir, "mixed-parquet", "--forms", "3,4,5", "--parquet");
        var parquetMerge = MergeSeconds(Path.Combine(runs, "logs", "mixed-parquet.log"));
        var sizes = RunTables.Names.ToDictionary(t => t, t => (Csv: new FileInfo(Path.Combine(runDir, "results", t + ".csv")).Length,
            Parquet: new FileInfo(ParquetTables.PathOf(runDir, t)).Length));
        var rows = RunTables.Manifest(runDir).GetProperty("rowsPerTable");
        var duck = DuckDbTimes(runDir);
        await EndToEndBenchmark.Rerun(csv, files, runDir, "mixed-csv", "--forms", "3,4,5");
        var csvMerge = MergeSeconds(Path.Combine(runs, "logs", "mixed-csv.log"));

        Console.WriteLine(string.Create(Invariant, $"## A million-filing mixed corpus ({files:N0} generated filings, Forms 3, 4 and 5 with transactions; `run --forms 3,4,5`, embedded)"));
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine(string.Create(Invariant, $"| ceiling: read + extract + encode rows, plain loop, 2 threads | {ceiling:N0} files/s |"));
        Console.WriteLine(string.Create(Invariant, $"| embedded end to end (whole command) | {embedded.FilesPerSecond:N0} files/s ({embedded.Seconds:F1} s): {embedded.FilesPerSecond / ceiling:P0} of the ceiling (target 70 %) |"));
        Console.WriteLine(string.Create(Invariant, $"| of which the merge ({rows.GetProperty("NONDERIV_TRANS").GetInt32() + rows.GetProperty("DERIV_TRANS").GetInt32():N0} transactions, {rows.EnumerateObject().Sum(r => (long)r.Value.GetInt32()):N0} rows in all) | {firstMerge:F1} s |"));
        Console.WriteLine(string.Create(Invariant, $"| coordinator peak memory (incl. its 2 workers) | {embedded.PeakMemoryBytes / 1048576.0:N0} MB |"));
        Console.WriteLine(string.Create(Invariant, $"| rerun, nothing changed (whole command; journal recovery) | {rerun.Seconds:F1} s ({rerun.RecoverySeconds:F2} s; target under 5 s) |"));
        Console.WriteLine(string.Create(Invariant, $"| plain stat of every file, 64 threads, just before that rerun | {files / statFloor:F1} s |"));
        Console.WriteLine(string.Create(Invariant, $"| merge again, CSV only / CSV and Parquet | {csvMerge:F1} s / {parquetMerge:F1} s |"));
        Console.WriteLine(string.Create(Invariant, $"| Parquet's extra wall time, against the whole first run | {parquetMerge - csvMerge:F1} s, {(parquetMerge - csvMerge) / embedded.Seconds:P1} (target under 10 %) |"));
        Console.WriteLine(string.Create(Invariant, $"| rerun that adds the Parquet tables (whole command) | {withParquet.Seconds:F1} s |"));
        Console.WriteLine();
        Console.WriteLine("| table | rows | CSV | Parquet | Parquet / CSV |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (table, (csvBytes, parquetBytes)) in sizes)
            Console.WriteLine(string.Create(Invariant, $"| {table} | {rows.GetProperty(table).GetInt32():N0} | {csvBytes / 1048576.0:N1} MB | {parquetBytes / 1048576.0:N1} MB | {(double)parquetBytes / csvBytes:P0} |"));
        Console.WriteLine();
        Console.WriteLine("| DuckDB (in memory, 2 threads) | from Parquet | from the CSV |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine(string.Create(Invariant, $"| load NONDERIV_TRANS into a table | {duck.LoadParquet:F2} s | {duck.LoadCsv:F2} s |"));
        Console.WriteLine(string.Create(Invariant, $"| net shares bought by insiders per issuer and month (README query), straight from the files | {duck.QueryParquet:F2} s | {duck.QueryCsv:F2} s |"));
        Console.WriteLine();
        if (sweep) await Sweep(csv, files, runDir, work);
    }

    /// <summary>Row group sizes and compressions: NONDERIV_TRANS's file size, the merge, and what DuckDB takes to load it and to filter one month.</summary>
    static async Task Sweep(string csv, int files, string runDir, string work)
    {
        Console.WriteLine("| row group rows | compression | merge with Parquet | NONDERIV_TRANS.parquet | DuckDB load | one month's transactions (row groups read / all) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var rowsPerGroup in new[] { 16_384, 65_536, 262_144 })
        foreach (var compression in new[] { "snappy", "zstd" })
        {
            Console.Error.WriteLine($"[bench] parquet sweep: {rowsPerGroup:N0} rows, {compression}");
            var config = Path.Combine(work, "parquet-sweep.conf");
            await File.WriteAllTextAsync(config, $"form3.coordinator.parquet {{ row-group-rows = {rowsPerGroup}, compression = {compression} }}\n");
            File.Delete(Path.Combine(runDir, "results", "manifest.json")); // merged again whatever else holds
            var name = $"sweep-{rowsPerGroup}-{compression}";
            using (var run = Form3Process.Start("form3-coordinator", name, Path.Combine(runDir, "..", "logs"), new Dictionary<string, string> { ["FORM3_CONFIG"] = config },
                "run", csv, "--run-dir", runDir, "--forms", "3,4,5", "--parquet"))
                if (await run.WaitForExitAsync(Timeout) != 0) throw new InvalidOperationException(run.Tail());
            var merge = MergeSeconds(Path.Combine(runDir, "..", "logs", name + ".log"));
            var file = ParquetTables.PathOf(runDir, "NONDERIV_TRANS");
            var (load, month, read, groups) = DuckDbMonth(file);
            Console.WriteLine(string.Create(Invariant,
                $"| {rowsPerGroup:N0} | {compression} | {merge:F1} s | {new FileInfo(file).Length / 1048576.0:N1} MB | {load:F2} s | {month:F3} s ({read} / {groups}) |"));
        }
        Console.WriteLine();
    }

    sealed record DuckTimes(double LoadParquet, double LoadCsv, double QueryParquet, double QueryCsv);

    static DuckTimes DuckDbTimes(string runDir)
    {
        var transactions = ParquetTables.PathOf(runDir, "NONDERIV_TRANS");
        var submissions = ParquetTables.PathOf(runDir, "SUBMISSION");
        var transactionsCsv = Path.Combine(runDir, "results", "NONDERIV_TRANS.csv");
        var submissionsCsv = Path.Combine(runDir, "results", "SUBMISSION.csv");
        return new DuckTimes(
            Time($"CREATE TABLE t AS SELECT * FROM read_parquet('{transactions}')"),
            Time($"CREATE TABLE t AS SELECT * FROM read_csv('{transactionsCsv}', header = true)"),
            Time(NetSharesQuery($"read_parquet('{transactions}')", $"read_parquet('{submissions}')")),
            Time(NetSharesQuery($"read_csv('{transactionsCsv}', header = true)", $"read_csv('{submissionsCsv}', header = true, types = {{'ISSUERCIK': 'VARCHAR'}})")));
    }

    /// <summary>The README's question: open-market purchases less sales, in shares, per issuer and month.</summary>
    static string NetSharesQuery(string transactions, string submissions) =>
        "SELECT s.ISSUERCIK, date_trunc('month', t.TRANS_DATE) AS month, " +
        "sum(CASE t.TRANS_CODE WHEN 'P' THEN t.TRANS_SHARES ELSE -t.TRANS_SHARES END) AS net_shares " +
        $"FROM {transactions} t JOIN {submissions} s USING (ACCESSION_NUMBER) WHERE t.TRANS_CODE IN ('P', 'S') GROUP BY ALL ORDER BY ALL";

    static (double Load, double Month, long Read, long Groups) DuckDbMonth(string file)
    {
        var load = Time($"CREATE TABLE t AS SELECT * FROM read_parquet('{file}')");
        var month = Time($"SELECT count(*), sum(TRANS_SHARES) FROM read_parquet('{file}') WHERE TRANS_DATE BETWEEN DATE '2015-03-01' AND DATE '2015-03-31'");
        using var db = ParquetTables.DuckDb();
        using var command = db.CreateCommand();
        // Row groups whose date range meets March 2015: what a filter on the date reads, the rest it skips by their statistics.
        command.CommandText = $"SELECT count(*) FILTER (WHERE stats_min <= '2015-03-31' AND stats_max >= '2015-03-01'), count(*) " +
            $"FROM parquet_metadata('{file}') WHERE path_in_schema = 'TRANS_DATE'";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (load, month, reader.GetInt64(0), reader.GetInt64(1));
    }

    static double Time(string sql)
    {
        using var db = ParquetTables.DuckDb();
        using var command = db.CreateCommand();
        command.CommandText = "SET threads = 2";
        command.ExecuteNonQuery();
        command.CommandText = sql;
        var watch = Stopwatch.StartNew();
        using (var reader = command.ExecuteReader())
            while (reader.Read()) { }
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>The merge's seconds, from the log's last "merging the tables" line to "Run finished".</summary>
    static double MergeSeconds(string log)
    {
        var lines = File.ReadAllLines(log);
        var start = lines.Last(l => l.Contains("merging the tables", StringComparison.Ordinal));
        var end = lines.Last(l => l.Contains("Run finished", StringComparison.Ordinal));
        return (At(end) - At(start)).TotalSeconds;
    }

    static DateTime At(string line) => DateTime.ParseExact(line[..23], "yyyy-MM-dd HH:mm:ss.fff", Invariant, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>One run of the whole command on a fresh run folder: its seconds from start to exit.</summary>
    static async Task<double> Whole(string csv, string runDir, string name)
    {
        if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        var watch = Stopwatch.StartNew();
        using var run = Form3Process.Start("form3-coordinator", name, Path.Combine(runDir + "-logs"), null, "run", csv, "--run-dir", runDir);
        var code = await run.WaitForExitAsync(Timeout);
        var seconds = watch.Elapsed.TotalSeconds;
        if (code != 0) throw new InvalidOperationException($"{name} exited with {code}:\n{run.Tail()}");
        Directory.Delete(runDir, recursive: true);
        return seconds;
    }

    static List<string> Paths(string csv)
    {
        var root = Path.GetDirectoryName(csv)!;
        return File.ReadLines(csv).Skip(1).Select(l => Path.Combine(root, l[(l.LastIndexOf(',') + 1)..])).ToList();
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
