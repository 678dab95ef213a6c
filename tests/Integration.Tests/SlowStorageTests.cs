using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// The filings on a mounted latency file system (shared/bench/latencyfs, a short delay per request), as on a
/// cluster's network storage: the tables must equal those of the same files read locally, including files gone or
/// changed since the list was made, and a file that comes back must be processed by the next run.
/// </summary>
public sealed class SlowStorageTests : IAsyncLifetime
{
    const int Files = 1_500;
    static readonly TimeSpan Delay = TimeSpan.FromMicroseconds(300);

    readonly string _root = Directory.CreateTempSubdirectory("form3-slow-").FullName;

    string Logs => Path.Combine(_root, "logs");

    [Fact]
    public async Task Tables_read_through_slow_storage_equal_the_local_ones_and_a_file_that_returns_is_processed_next_time()
    {
        var corpus = CorpusGenerator.Generate(Path.Combine(_root, "corpus"), Files, seed: 23);
        var csv = Listings.Relative(corpus.Root, corpus.InputCsv, "relative.csv");
        var paths = Listings.Paths(csv);
        // Gone since the list was made (moved aside), and changed since (a line appended).
        var gone = new[] { paths[10], paths[700], paths[1_400] };
        var aside = Path.Combine(_root, "aside");
        Directory.CreateDirectory(aside);
        foreach (var (path, i) in gone.Select((p, i) => (p, i))) File.Move(path, Path.Combine(aside, $"{i}"));
        foreach (var path in new[] { paths[20], paths[900] }) File.AppendAllText(path, "\n");

        var (mount, whyNot) = await FuseMount.TryMountSlow(corpus.Root, Path.Combine(_root, "mnt"), Delay, Delay, Path.Combine(_root, "build"));
        Assert.True(mount != null, $"no latency file system: {whyNot}");
        await using (mount)
        {
            var slowCsv = Path.Combine(mount!.MountPoint, Path.GetFileName(csv));
            var local = await Run("local", csv);
            var slow = await Run("slow", slowCsv);
            AssertSameTables(local, slow, mount.MountPoint, corpus.Root);
            var missing = RunTables.Read(slow)["ERRORS"].Where(r => r.Contains(",read,missing_file,", StringComparison.Ordinal)).ToList();
            Assert.Equal(gone.Length, missing.Count);
            Assert.DoesNotContain("heartbeat", File.ReadAllText(Path.Combine(Logs, "slow.log")), StringComparison.OrdinalIgnoreCase);

            // The files come back: the next run checks what the journal knows and processes exactly those three.
            foreach (var (path, i) in gone.Select((p, i) => (p, i))) File.Move(Path.Combine(aside, $"{i}"), path);
            await Run("local", csv);
            await Run("slow", slowCsv);
            Assert.Equal(gone.Length, RunTables.Manifest(slow).GetProperty("input").GetProperty("processed").GetInt32());
            AssertSameTables(local, slow, mount.MountPoint, corpus.Root);
            Assert.DoesNotContain(RunTables.Read(slow)["ERRORS"], r => r.Contains(",missing_file,", StringComparison.Ordinal));
        }
    }

    /// <summary>The same tables, but for where the files were seen (an error message names the path it read).</summary>
    static void AssertSameTables(string localRun, string slowRun, string mountPoint, string root)
    {
        Assert.Null(RunTables.RowsNotFromTheirFile(slowRun));
        var local = RunTables.Read(localRun);
        foreach (var (table, rows) in RunTables.Read(slowRun))
            Assert.Equal(local[table], rows.Select(r => r.Replace(mountPoint, root, StringComparison.Ordinal)).Take(1).Concat(
                rows.Skip(1).Select(r => r.Replace(mountPoint, root, StringComparison.Ordinal)).Order(StringComparer.Ordinal)));
    }

    Task<string> Run(string name, string csv) => EmbeddedRun.Run(_root, name, csv);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}
