using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// Storage that misbehaves for a while, through tests/Testing/Fuse/flakyfs. Filings whose reads fail with EIO, as from
/// a failing storage server: such failures are retried, never kept as final; the run says how many with exit 5, and
/// the next run, once the storage is healthy, processes exactly those files and ends with the tables of a healthy run.
/// A run folder whose storage stops answering for a while: the run waits it out.
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

    /// <summary>
    /// The run folder on storage that stops answering for 15 s mid-run, as NFS and Lustre do during a server failover:
    /// journal writes, part files, the lock's renewal and status.json all wait, and the run goes on once it answers.
    /// </summary>
    [Fact]
    public async Task A_run_folder_whose_storage_stalls_for_15_s_mid_run_is_waited_out_and_the_run_completes()
    {
        var corpus = CorpusGenerator.Generate(Path.Combine(_root, "corpus"), StallFiles, seed: 31);
        var healthy = await Run("healthy", corpus.InputCsv, expectedExit: 0);
        var switchFile = Path.Combine(_root, "stalled");
        var backing = Directory.CreateDirectory(Path.Combine(_root, "backing")).FullName;
        var (mount, whyNot) = await FuseMount.TryMountFlaky(backing, Path.Combine(_root, "mnt"), switchFile, Path.Combine(_root, "build"), FlakyMode.Stall);
        Assert.True(mount != null, $"no stalling file system: {whyNot}");
        await using (mount)
        {
            var runDir = Path.Combine(mount!.MountPoint, "run");
            var smallBatches = new Dictionary<string, string>
            {
                ["FORM3_CONFIG"] = TestConfig.WriteInterruptible(Path.Combine(_root, "small-batches.conf"), batchSize: 8, joinTimeoutSeconds: 60),
            };
            using var run = Form3Process.Start("form3-coordinator", "stalled", Logs, smallBatches, "run", corpus.InputCsv, "--run-dir", runDir, "--workers", "1");
            await RunTables.WaitForDone(runDir, StallFiles / 10, () => run.HasExited, () => run.Tail(), TimeSpan.FromMinutes(3));
            await File.WriteAllTextAsync(switchFile, ""); // from now on, every request on the run folder waits
            await Task.Delay(TimeSpan.FromSeconds(15));
            Assert.False(run.HasExited, $"the run ended while its storage stalled:\n{run.Tail()}");
            // Read past the mount, which would wait too: the run was not finished when the stall began.
            Assert.True(RunTables.Done(Path.Combine(backing, "run")) < StallFiles, "the run had finished before the stall");
            File.Delete(switchFile);
            Assert.True(await run.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, run.Tail());
            Assert.Null(RunTables.Difference(RunTables.Read(healthy), runDir));
        }
    }

    const int StallFiles = 3000;

    Task<string> Run(string name, string csv, int expectedExit) => EmbeddedRun.Run(_root, name, csv, expectedExit);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}
