using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// Filings on a mounted file system whose reads fail with EIO for a while (tests/Testing/Fuse/flakyfs), as from a
/// failing storage server: such failures are retried, never kept as final; the run says how many with exit 5, and
/// the next run, once the storage is healthy, processes exactly those files and ends with the tables of a healthy run.
/// </summary>
public sealed class FlakyStorageTests : IAsyncLifetime
{
    const int Files = 300;

    readonly string _root = Directory.CreateTempSubdirectory("form3-flaky-").FullName;

    string Logs => Path.Combine(_root, "logs");

    [Fact]
    public async Task Reads_that_fail_for_a_while_end_the_run_with_exit_5_and_are_healed_by_the_next_run()
    {
        var corpus = CorpusGenerator.Generate(Path.Combine(_root, "corpus"), Files, seed: 29);
        var csv = Listings.Relative(corpus.Root, corpus.InputCsv, "relative.csv");
        var failing = Path.GetFileName(Listings.Paths(csv)[5]);
        var switchFile = Path.Combine(_root, "failing");
        await File.WriteAllTextAsync(switchFile, failing);

        var (mount, whyNot) = await FuseMount.TryMountFlaky(corpus.Root, Path.Combine(_root, "mnt"), switchFile, Path.Combine(_root, "build"));
        Assert.True(mount != null, $"no flaky file system: {whyNot}");
        await using (mount)
        {
            var flakyCsv = Path.Combine(mount!.MountPoint, Path.GetFileName(csv));
            var healthy = await Run("healthy", csv, expectedExit: 0);

            var flaky = await Run("flaky", flakyCsv, expectedExit: 5);
            Assert.Contains("finished, but 1 files failed on every attempt for a reason of the moment", File.ReadAllText(Path.Combine(Logs, "flaky.log")));
            var retry = Assert.Single(RunTables.Read(flaky)["ERRORS"], r => r.Contains(",retries_exhausted,", StringComparison.Ordinal));
            Assert.Contains(failing, retry);
            Assert.Contains("io_error", retry);

            // The storage heals: the same command processes only that file, and the tables are those of a healthy run.
            File.Delete(switchFile);
            await Run("flaky", flakyCsv, expectedExit: 0);
            Assert.Equal(1, RunTables.Manifest(flaky).GetProperty("input").GetProperty("processed").GetInt32());
            Assert.Null(RunTables.Difference(RunTables.Read(healthy), flaky));
        }
    }

    Task<string> Run(string name, string csv, int expectedExit) => EmbeddedRun.Run(_root, name, csv, expectedExit);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}
