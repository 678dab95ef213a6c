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
