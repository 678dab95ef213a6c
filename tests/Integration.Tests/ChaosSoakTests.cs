using Form3Actors.Testing;
using Xunit.Abstractions;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// A small instance of the chaos soak (`dotnet run --project tests/Benchmarks -c Release -- soak`): the cluster
/// run of the fixture's corpus, with the coordinator and nodes killed or terminated at random moments, ends with
/// exactly the uninterrupted run's tables.
/// </summary>
public sealed class ChaosSoakTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_run_interrupted_at_random_moments_ends_with_the_tables_of_an_uninterrupted_run()
    {
        var soak = new ChaosSoak(Path.Combine(fixture.Root, "logs", "soak"), fixture.Environment, output.WriteLine);
        var result = await soak.Run(fixture.Corpus, fixture.Reference, Path.Combine(fixture.Root, "soak"), interruptions: 6,
            minPause: TimeSpan.FromSeconds(0.5), maxPause: TimeSpan.FromSeconds(3), seed: 7);

        Assert.True(result.Problems.Count == 0, string.Join("\n\n", result.Problems));
        Assert.Null(result.Difference);
        Assert.InRange(result.InterruptionCount, 1, 6);
    }

    /// <summary>
    /// The soak on a cluster's storage: the run folder on flakyfs whose lock reads fail for 3 s at a time (renewed every
    /// second, lease 10 s), the corpus on flakyfs where one filing hangs for 3 s at a time, among the signals.
    /// </summary>
    [Fact]
    public async Task A_run_whose_lock_reads_fail_and_filings_hang_for_a_while_and_is_interrupted_ends_with_the_tables_of_an_uninterrupted_run()
    {
        var root = Directory.CreateDirectory(Path.Combine(fixture.Root, "storage-soak")).FullName;
        await using var storage = await SoakStorage.Mount(root, fixture.Corpus, TimeSpan.FromSeconds(3));
        var reference = RunTables.Read(await EmbeddedRun.Run(root, "reference", storage.LocalCsv));
        var config = TestConfig.WriteInterruptible(Path.Combine(root, "storage.conf"), batchSize: 16, joinTimeoutSeconds: 120);
        await File.AppendAllTextAsync(config, $"\n{SoakStorage.LockConfig}\n");
        var soak = new ChaosSoak(Path.Combine(fixture.Root, "logs", "storage-soak"), new Dictionary<string, string> { ["FORM3_CONFIG"] = config }, output.WriteLine);
        var result = await soak.Run(storage.Corpus, reference, storage.RunFolder("run"), interruptions: 8,
            minPause: TimeSpan.FromSeconds(0.5), maxPause: TimeSpan.FromSeconds(2), seed: 29, storage.Faults);

        Assert.True(result.Problems.Count == 0, string.Join("\n\n", result.Problems));
        Assert.Null(result.Difference);
        Assert.True(result.Interruptions.Keys.Any(k => k is "lock reads fail" or "a filing hangs"), string.Join(", ", result.Interruptions.Keys));
    }

    [Fact]
    public async Task A_run_that_loses_remote_messages_and_is_interrupted_ends_with_the_tables_of_an_uninterrupted_run()
    {
        var lossy = TestConfig.Environment(TestConfig.WriteInterruptible(Path.Combine(fixture.Root, "lossy.conf"), batchSize: 256, joinTimeoutSeconds: 120,
            dropRemoteMessages: 0.05));
        var soak = new ChaosSoak(Path.Combine(fixture.Root, "logs", "lossy-soak"), lossy, output.WriteLine);
        var result = await soak.Run(fixture.Corpus, fixture.Reference, Path.Combine(fixture.Root, "lossy-soak"), interruptions: 3,
            minPause: TimeSpan.FromSeconds(1), maxPause: TimeSpan.FromSeconds(4), seed: 13);

        Assert.True(result.Problems.Count == 0, string.Join("\n\n", result.Problems));
        Assert.Null(result.Difference);
        var logs = Directory.GetFiles(Path.Combine(fixture.Root, "logs", "lossy-soak"), "*", SearchOption.AllDirectories);
        Assert.Contains(logs, log => File.ReadAllText(log).Contains("FAULT INJECTION", StringComparison.Ordinal));
    }
}
