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
        var overrides = TestConfig.WriteInterruptible(Path.Combine(Root, "test.conf"), batchSize: 24, joinTimeoutSeconds: 120);
        Environment = new Dictionary<string, string> { ["FORM3_CONFIG"] = overrides };
        Corpus = CorpusGenerator.Generate(Path.Combine(Root, "corpus"), CorpusSize, seed: 11);
        var runDir = Path.Combine(Root, "reference");
        using var run = Start.Coordinator(this, "reference", Corpus.InputCsv, runDir);
        var code = await run.WaitForExitAsync(TimeSpan.FromMinutes(3));
        Assert.True(code == 0, run.Tail());
        Reference = RunTables.Read(runDir);
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

