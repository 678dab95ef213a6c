using System.Globalization;
using System.Runtime.InteropServices;
using Form3Actors.Testing;

namespace Form3Actors.Benchmarks;

/// <summary>Runs every measurement and prints one Markdown report: the machine, then a table per question.</summary>
public static class BenchmarkReport
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>One worker, then as many as a cluster of many nodes would run at once.</summary>
    static readonly int[] ScaleWorkers = [1, 16];

    public static async Task Run(IReadOnlyList<int> sizes, IReadOnlyList<int> scale, string work)
    {
        Directory.CreateDirectory(work);
        Machine();

        var columns = new List<(int N, Dictionary<string, string> Cells)>();
        foreach (var n in sizes)
        {
            Console.Error.WriteLine($"[bench] corpus of {n:N0}");
            columns.Add((n, await MeasureSize(n, work)));
        }
        Console.WriteLine("## Throughput (files per second; ratio = end-to-end / read floor with 2 threads, measured in the same run)");
        Console.WriteLine();
        var rows = columns[0].Cells.Keys.ToList();
        Console.WriteLine("| measure | " + string.Join(" | ", columns.Select(c => $"N = {c.N.ToString("N0", Invariant)}")) + " |");
        Console.WriteLine("|---|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var row in rows) Console.WriteLine($"| {row} | " + string.Join(" | ", columns.Select(c => c.Cells[row])) + " |");
        Console.WriteLine();

        Console.Error.WriteLine("[bench] node join");
        var joinDir = Path.Combine(work, $"join-{Guid.NewGuid():N}");
        var join = await EndToEndBenchmark.NodeJoin(joinDir);
        Directory.Delete(joinDir, recursive: true);
        Console.WriteLine(string.Create(Invariant, $"Node join: a node process started against a running coordinator asked for work {join:F2} s after its start (target: within 1 s)."));
        Console.WriteLine();

        await Scale(scale, work);
    }

    /// <summary>The coordinator table: hand-out, journal and recovery as the journal grows, with no-op workers.</summary>
    public static async Task Scale(IReadOnlyList<int> scale, string work)
    {
        Directory.CreateDirectory(work);
        if (scale.Count > 0)
        {
            Console.WriteLine("## Coordinator as the journal grows (real actor and SQLite journal, synthetic keys, no-op workers, no filings)");
            Console.WriteLine();
            Console.WriteLine("| files | no-op workers | whole first run | handed out and journaled | recovery | listing memory (per file) | ledger and queue memory (per file) | peak memory of the process | journal file (x the ledger's 36 B a file) |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var files in scale)
            foreach (var workers in ScaleWorkers)
            {
                Console.Error.WriteLine($"[bench] coordinator scale {files:N0}, {workers} no-op workers");
                var dir = Path.Combine(work, $"scale-{files}-{Guid.NewGuid():N}"[..40]);
                var r = await CoordinatorScaleBenchmark.Run(files, workers, dir);
                Console.WriteLine(string.Create(Invariant,
                    $"| {files:N0} | {workers} | {r.FillSeconds:F1} s | {Rate(r.FilesPerSecond)} files/s | {r.RecoverySeconds:F2} s | {Mb(r.ListingBytes)} ({(double)r.ListingBytes / files:F0} B) | " +
                    $"{Mb(r.LedgerBytes)} ({(double)r.LedgerBytes / files:F0} B) | {Mb(r.PeakBytes)} | {Mb(r.JournalBytes)} ({(double)r.JournalBytes / r.LedgerFinalBytes:F2}x) |"));
                Directory.Delete(dir, recursive: true);
            }
            Console.WriteLine();
        }
    }

    static async Task<Dictionary<string, string>> MeasureSize(int n, string work)
    {
        var corpusDir = Path.Combine(work, $"corpus-v2-{n}"); // v2: EDGAR's varied path lengths
        if (!File.Exists(Path.Combine(corpusDir, $"form_3_{n}.csv")))
            CorpusGenerator.Generate(corpusDir, n, seed: 1);
        var csv = Path.Combine(corpusDir, $"form_3_{n}.csv");
        var paths = File.ReadLines(csv).Skip(1).Select(l => Path.Combine(corpusDir, l[(l.LastIndexOf(',') + 1)..])).ToList();
        ParseBenchmark.ReadFloor(paths, 2); // warm the page cache
        var floor1 = ParseBenchmark.ReadFloor(paths, 1);
        var floor2 = ParseBenchmark.ReadFloor(paths, 2);
        var sample = paths.Take(10_000).Select(File.ReadAllBytes).ToList();
        var extract = ParseBenchmark.ExtractInMemory(sample, TimeSpan.FromSeconds(3));
        var realFiles = Directory.GetFiles(Path.Combine(TestData.RepoRoot, "tests", "data", "real")).Where(f => !f.EndsWith(".csv", StringComparison.Ordinal)).Select(File.ReadAllBytes).ToList();
        var extractReal = ParseBenchmark.ExtractInMemory(realFiles, TimeSpan.FromSeconds(2));
        var referenceReader = ParseBenchmark.ReferenceInMemory(sample.Take(2_000).ToList(), TimeSpan.FromSeconds(3));
        var ceiling = ParseBenchmark.ReadExtractEncode(paths, 2);

        var runs = Path.Combine(work, $"runs-{n}-{DateTime.UtcNow:HHmmss}");
        // What a run leaves and no later step reads is deleted at once: at a million filings the corpus and three
        // runs' part files and tables do not fit in this machine's page cache together, and later steps would
        // measure the disk instead.
        var script = await EndToEndBenchmark.PythonScript(corpusDir, csv, n, Path.Combine(runs, "python"));
        if (Directory.Exists(Path.Combine(runs, "python"))) Directory.Delete(Path.Combine(runs, "python"), recursive: true);
        var embedded = await EndToEndBenchmark.Embedded(csv, n, Path.Combine(runs, "embedded"));
        var rerun = await EndToEndBenchmark.Rerun(csv, n, embedded.RunDir);
        var tlsOn = await EndToEndBenchmark.Cluster(csv, n, Path.Combine(runs, "cluster-tls"), tls: true);
        Directory.Delete(Path.Combine(tlsOn.RunDir, "parts"), recursive: true);
        var tlsOff = await EndToEndBenchmark.Cluster(csv, n, Path.Combine(runs, "cluster-plain"), tls: false);
        Directory.Delete(Path.Combine(tlsOff.RunDir, "parts"), recursive: true);
        var reference = RunTables.Read(embedded.RunDir);
        var same = RunTables.Difference(reference, tlsOn.RunDir) == null && RunTables.Difference(reference, tlsOff.RunDir) == null;
        var changed = await EndToEndBenchmark.RerunAfterChanging(csv, paths, embedded.RunDir);
        Directory.Delete(runs, recursive: true);

        string EndToEnd(EndToEndResult r) => string.Create(Invariant, $"{Rate(r.FilesPerSecond)} ({r.FilesPerSecond / floor2:P0}; {r.Seconds:F1} s)");
        return new Dictionary<string, string>
        {
            ["floor: read each file once, plain loop, 1 thread"] = Rate(floor1),
            ["floor: read each file once, plain loop, 2 threads"] = Rate(floor2),
            ["extractor alone, in-memory bytes, 1 thread (per core), this corpus"] = Rate(extract),
            ["extractor alone, in-memory bytes, 1 thread, the real filings of tests/data/real"] = Rate(extractReal),
            ["reference reader of the tests (XmlReader, LINQ to XML), in-memory bytes, 1 thread, this corpus"] = Rate(referenceReader),
            ["plain Python script, 2 processes (shared/bench/py_extract.py; ElementTree)"] = script is { } py ? string.Create(Invariant, $"{Rate(py)} ({py / floor2:P0}; {n / py:F1} s)") : "n/a (script not found)",
            ["ceiling: read + extract + encode rows, plain loop, 2 threads (no actors, journal or merge)"] = string.Create(Invariant, $"{Rate(ceiling)} ({ceiling / floor2:P0})"),
            ["embedded default end to end (whole command: start, list, extract, journal, merge, exit)"] = EndToEnd(embedded),
            ["cluster end to end, TLS on (coordinator + 2 node processes)"] = EndToEnd(tlsOn),
            ["cluster end to end, TLS off"] = EndToEnd(tlsOff),
            ["embedded default: fixed cost (start to first file handed out + last file done to exit; target < 0.7 s)"] = embedded.Fixed is { } f
                ? string.Create(Invariant, $"{f.Total:F2} s ({f.StartToFirstHandOut:F2} + {f.LastDoneToExit:F2}; journal open and recovery {embedded.RecoverySeconds:F2} s)")
                : "n/a",
            ["embedded default / Python script"] = script is { } s ? string.Create(Invariant, $"{embedded.FilesPerSecond / s:F1}x") : "n/a",
            ["embedded default / ceiling"] = (embedded.FilesPerSecond / ceiling).ToString("P0", Invariant),
            ["cluster TLS on / embedded"] = (tlsOn.FilesPerSecond / embedded.FilesPerSecond).ToString("P0", Invariant),
            ["TLS cost (cluster TLS on / TLS off)"] = (tlsOn.FilesPerSecond / tlsOff.FilesPerSecond).ToString("P0", Invariant),
            ["coordinator peak memory (embedded, incl. its 2 workers)"] = string.Create(Invariant, $"{embedded.PeakMemoryBytes / 1048576.0:F0} MB"),
            ["coordinator peak memory (cluster, coordinator alone)"] = string.Create(Invariant, $"{tlsOn.PeakMemoryBytes / 1048576.0:F0} MB"),
            ["rerun of the finished run, nothing changed: whole command (journal recovery)"] = string.Create(Invariant, $"{rerun.Seconds:F1} s ({rerun.RecoverySeconds:F2} s)"),
            ["rerun after 1 % of the files changed: whole command (files processed; full run for comparison)"] =
                string.Create(Invariant, $"{changed.Seconds:F1} s ({changed.Processed:N0}; {embedded.Seconds:F1} s)"),
            ["final tables identical in all modes (after sorting)"] = same ? "yes" : "NO",
        };
    }

    /// <summary>The report's first section: the machine it ran on.</summary>
    public static void Machine()
    {
        Console.WriteLine("## Machine");
        Console.WriteLine();
        Console.WriteLine($"- CPU: {CpuModel()}, {Environment.ProcessorCount} cores; memory {MemoryGiB():F1} GiB");
        Console.WriteLine($"- {RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}; Release build; warm page cache (each corpus read once first)");
        Console.WriteLine();
    }

    static string Rate(double filesPerSecond) => filesPerSecond.ToString("N0", Invariant);

    static string Mb(long bytes) => (bytes / 1048576.0).ToString("N0", Invariant) + " MB";

    static string CpuModel() =>
        File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown" : "unknown";

    static double MemoryGiB()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal)) : null;
        return line == null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Invariant) / 1048576.0;
    }
}
