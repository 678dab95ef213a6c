using System.Text.Json;
using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// One generated corpus for all process tests, and the tables an uninterrupted embedded run makes of it: the
/// reference every interrupted run must reproduce exactly (after sorting).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int CorpusSize = 12_000;

    public string Root { get; } = Directory.CreateTempSubdirectory("form3-it-").FullName;
    public GeneratedCorpus Corpus { get; private set; } = null!;
    public IReadOnlyDictionary<string, List<string>> Reference { get; private set; } = null!;

    /// <summary>
    /// FORM3_CONFIG for the tests: small batches and frequent status updates, so that a run lasts long enough and
    /// reports often enough to be interrupted at a chosen point.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var overrides = Path.Combine(Root, "test.conf");
        await File.WriteAllTextAsync(overrides, """
            form3.coordinator { batch-size = 24, progress-interval = 200ms, node-join-timeout = 60s, nodes-leave-timeout = 5s }
            form3.node { request-size = 24, no-work-retry = 50ms, join-timeout = 60s }
            akka.cluster.split-brain-resolver.stable-after = 2s
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
            """);
        Environment = new Dictionary<string, string> { ["FORM3_CONFIG"] = overrides };
        Corpus = CorpusGenerator.Generate(Path.Combine(Root, "corpus"), CorpusSize, seed: 11);
        var runDir = Path.Combine(Root, "reference");
        using var run = Start.Coordinator(this, "reference", Corpus.InputCsv, runDir);
        var code = await run.WaitForExitAsync(TimeSpan.FromMinutes(3));
        Assert.True(code == 0, run.Tail());
        Reference = Tables.Read(runDir);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>Starts the real executables with the fixture's environment.</summary>
public static class Start
{
    public static Form3Process Coordinator(ClusterFixture fixture, string name, string input, string runDir, params string[] extra) =>
        Form3Process.Start("form3-coordinator", name, Path.Combine(fixture.Root, "logs"), fixture.Environment, ["run", input, "--run-dir", runDir, .. extra]);

    public static Form3Process Node(ClusterFixture fixture, string name, string runDir, int workers = 1) =>
        Form3Process.Start("form3-node", name, Path.Combine(fixture.Root, "logs"), fixture.Environment, "join", "--run-dir", runDir, "--workers", workers.ToString());
}

/// <summary>Reads a run's result tables and status.</summary>
public static class Tables
{
    public static readonly string[] Names =
        ["SUBMISSION", "REPORTINGOWNER", "NONDERIV_HOLDING", "DERIV_HOLDING", "FOOTNOTES", "OWNER_SIGNATURE", "FORM3_SUMMARY", "ERRORS"];

    /// <summary>Each table's lines, header first, the rows sorted (row order depends on scheduling, content must not).</summary>
    public static IReadOnlyDictionary<string, List<string>> Read(string runDir) =>
        Names.ToDictionary(n => n, n =>
        {
            var lines = File.ReadAllText(Path.Combine(runDir, "results", n + ".csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Take(1).Concat(lines.Skip(1).Order(StringComparer.Ordinal)).ToList();
        });

    public static void AssertSame(IReadOnlyDictionary<string, List<string>> expected, string runDir)
    {
        var actual = Read(runDir);
        foreach (var name in Names)
        {
            var missing = expected[name].Except(actual[name]).Take(3).ToList();
            var extra = actual[name].Except(expected[name]).Take(3).ToList();
            Assert.True(expected[name].Count == actual[name].Count && missing.Count == 0 && extra.Count == 0,
                $"{name}: expected {expected[name].Count} lines, got {actual[name].Count}; missing {string.Join(" | ", missing)}; extra {string.Join(" | ", extra)}");
        }
    }

    public static int Done(string runDir)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(runDir, "status.json")));
            return doc.RootElement.GetProperty("done").GetInt32();
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Waits until the run has journaled at least <paramref name="files"/> files; fails if it ends first.</summary>
    public static async Task WaitForDone(string runDir, int files, Form3Process coordinator, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Done(runDir) < files)
        {
            if (coordinator.HasExited) throw new InvalidOperationException($"the run ended before {files} files were done:\n{coordinator.Tail()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"fewer than {files} files done after {timeout}:\n{coordinator.Tail()}");
            await Task.Delay(20);
        }
    }
}
