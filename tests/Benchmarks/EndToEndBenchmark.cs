using System.Diagnostics;
using Form3Actors.Testing;

namespace Form3Actors.Benchmarks;

/// <summary>One end-to-end run of the real executables: wall time from start to exit, and the run's manifest.</summary>
public sealed record EndToEndResult(string Mode, double Seconds, int Files, string RunDir, double RecoverySeconds, long PeakMemoryBytes)
{
    /// <summary>
    /// The run's fixed cost: from process start to the first file handed out, plus from the last file done to
    /// process exit, read off the coordinator's log against the benchmark's own clock. Null where not measured.
    /// </summary>
    public FixedCost? Fixed { get; init; }

    public double FilesPerSecond => Files / Seconds;
}

/// <summary>
/// Runs the embedded default (one process, in-process workers) and the cluster (a coordinator and two node
/// processes over loopback TCP, with and without TLS), each on a fresh run folder, timing the whole command.
/// </summary>
public static class EndToEndBenchmark
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(30);

    /// <param name="name">The process's name, and its log's: logs are appended to, so each run in one folder needs its own.</param>
    /// <param name="options">More options of `run`, such as --forms.</param>
    public static async Task<EndToEndResult> Embedded(string input, int files, string runDir, string name = "embedded", params string[] options)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        using var run = Form3Process.Start("form3-coordinator", name, Path.Combine(runDir, "..", "logs"), null, ["run", input, "--run-dir", runDir, .. options]);
        await Expect(run, 0);
        var elapsed = watch.Elapsed;
        return Result("embedded default (1 process, 2 workers)", elapsed, files, runDir) with { Fixed = FixedCost.Read(run.Log(), startedAt, startedAt + elapsed) };
    }

    public static async Task<EndToEndResult> Cluster(string input, int files, string runDir, bool tls)
    {
        var insecure = tls ? Array.Empty<string>() : ["--insecure-transport"];
        var logs = Path.Combine(runDir, "..", "logs");
        var watch = Stopwatch.StartNew();
        using var coordinator = Form3Process.Start("form3-coordinator", "cluster-coordinator", logs, null, ["run", input, "--run-dir", runDir, "--workers", "0", .. insecure]);
        using var node1 = Form3Process.Start("form3-node", "cluster-node1", logs, null, "join", "--run-dir", runDir, "--workers", "1");
        using var node2 = Form3Process.Start("form3-node", "cluster-node2", logs, null, "join", "--run-dir", runDir, "--workers", "1");
        await Expect(coordinator, 0);
        var elapsed = watch.Elapsed;
        await node1.WaitForExitAsync(TimeSpan.FromSeconds(60));
        await node2.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return Result($"cluster: coordinator + 2 node processes, TLS {(tls ? "on" : "off")}", elapsed, files, runDir);
    }

    /// <summary>
    /// How long a node takes to join a coordinator that is already up and ask for work: from the node process's start
    /// to the coordinator's log line that it asked. Runs on the repository's ten-filing sample.
    /// </summary>
    public static async Task<double> NodeJoin(string runDir)
    {
        // Logs of its own: the first "asked for work" line of an older log would be read as this join's.
        var logs = Path.Combine(runDir, "logs");
        var input = Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv");
        using var coordinator = Form3Process.Start("form3-coordinator", "join-coordinator", logs, null, "run", input, "--run-dir", runDir, "--workers", "0");
        var ready = Stopwatch.StartNew();
        while (!coordinator.Log().Contains("Input CSV", StringComparison.Ordinal))
        {
            if (coordinator.HasExited || ready.Elapsed > Timeout) throw new InvalidOperationException($"the coordinator did not start:\n{coordinator.Tail()}");
            await Task.Delay(20);
        }
        var startedAt = DateTimeOffset.UtcNow;
        using var node = Form3Process.Start("form3-node", "join-node", logs, null, "join", "--run-dir", runDir, "--workers", "1");
        await Expect(coordinator, 0);
        await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return LogClock.At(coordinator.Log(), "asked for work") is { } asked
            ? (asked - startedAt).TotalSeconds
            : throw new InvalidOperationException($"the coordinator's log has no request for work:\n{coordinator.Tail()}");
    }

    /// <summary>
    /// The yardstick: shared/bench/py_extract.py, the plain Python script a researcher would write, with 2 processes,
    /// run from the corpus folder (its CSV's paths are relative to it). Null when the script is not beside the repository.
    /// </summary>
    /// <param name="script">Another script with py_extract.py's command line (default: py_extract.py itself).</param>
    public static async Task<double?> PythonScript(string corpusDir, string csv, int files, string outDir, string? script = null)
    {
        var yardstick = Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "bench", "py_extract.py"));
        if (!File.Exists(yardstick)) return null;
        script ??= yardstick;
        var watch = Stopwatch.StartNew();
        await Shell.Run("python3", [script, csv, outDir, "--procs", "2"], workingDirectory: corpusDir, timeout: Timeout);
        return files / watch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Runs the same command again on a finished run folder: everything is skipped and the tables are kept, so it
    /// measures recovery, listing and start-up. The recovery time is the log's (a kept manifest is the earlier run's).
    /// </summary>
    public static async Task<EndToEndResult> Rerun(string input, int files, string runDir, string name = "rerun", params string[] options)
    {
        var watch = Stopwatch.StartNew();
        using var run = Form3Process.Start("form3-coordinator", name, Path.Combine(runDir, "..", "logs"), null, ["run", input, "--run-dir", runDir, .. options]);
        await Expect(run, 0);
        return Result("rerun of a finished run (all skipped)", watch.Elapsed, files, runDir) with { RecoverySeconds = LogClock.RecoverySeconds(run.Log()) };
    }

    /// <summary>
    /// A finished run after every hundredth file changed (a new modification time, the same content): the rerun
    /// processes that 1 % and merges the tables again, as it would for 1 % new files. Returns the whole rerun's
    /// seconds and how many files it processed.
    /// </summary>
    public static async Task<(double Seconds, int Processed)> RerunAfterChanging(string input, IReadOnlyList<string> paths, string runDir)
    {
        var now = DateTime.UtcNow;
        for (var i = 0; i < paths.Count; i += 100) File.SetLastWriteTimeUtc(paths[i], now);
        var watch = Stopwatch.StartNew();
        using var run = Form3Process.Start("form3-coordinator", "rerun-changed", Path.Combine(runDir, "..", "logs"), null, "run", input, "--run-dir", runDir);
        await Expect(run, 0);
        var processed = RunTables.Manifest(runDir).GetProperty("input").GetProperty("processed").GetInt32();
        return (watch.Elapsed.TotalSeconds, processed);
    }

    static async Task Expect(Form3Process process, int code)
    {
        var actual = await process.WaitForExitAsync(Timeout);
        if (actual != code) throw new InvalidOperationException($"{process.Name} exited with {actual}:\n{process.Tail()}");
    }

    static EndToEndResult Result(string mode, TimeSpan elapsed, int files, string runDir)
    {
        var manifest = RunTables.Manifest(runDir);
        return new EndToEndResult(mode, elapsed.TotalSeconds, files, runDir,
            manifest.GetProperty("recoverySeconds").GetDouble(), manifest.GetProperty("coordinatorPeakMemoryBytes").GetInt64());
    }
}

/// <summary>The two fixed parts of a run, and the journal's first open and recovery, from the coordinator's log.</summary>
public sealed record FixedCost(double StartToFirstHandOut, double LastDoneToExit)
{
    public double Total => StartToFirstHandOut + LastDoneToExit;

    /// <summary>
    /// Reads the first "asked for work" line (the first batch is handed out as it is answered) and the "All files done"
    /// line; null when the log lacks either.
    /// </summary>
    public static FixedCost? Read(string log, DateTimeOffset processStart, DateTimeOffset processExit) =>
        LogClock.At(log, "asked for work") is { } first && LogClock.At(log, "All files done") is { } last
            ? new FixedCost((first - processStart).TotalSeconds, (processExit - last).TotalSeconds)
            : null;
}

/// <summary>Times read off a log: each line starts with its UTC time (`2026-11-25 10:56:34.538Z`).</summary>
static class LogClock
{
    /// <summary>The seconds of the coordinator's "Recovered journal … in 0.45 s" line.</summary>
    public static double RecoverySeconds(string log) =>
        System.Text.RegularExpressions.Regex.Match(log, @"Recovered journal .* in ([0-9.]+) s") is { Success: true } m
            ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException("the coordinator's log has no recovery line");

    /// <summary>The time of the first line that contains <paramref name="marker"/>; null when none does.</summary>
    public static DateTimeOffset? At(string log, string marker) =>
        log.Split('\n').FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal)) is { Length: > 24 } line
        && DateTimeOffset.TryParse(line[..24].Replace("Z", "+00:00"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at)
            ? at : null;
}
