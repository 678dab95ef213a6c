using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// A run folder of release 0.1.0 (tests/data/release-0.1.0: a journal with a whole-ledger snapshot and events after
/// it, part files without the as-filed column) rerun by this release: every file is known as finished, nothing is
/// read again, and the tables come out as a fresh run of this release writes them.
/// </summary>
public sealed class ReleaseCompatibilityTests : IDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    /// <summary>Where release 0.1.0's run sat: its ledger keys files by their full path.</summary>
    const string Place = "/tmp/form3-release-0.1.0";
    static readonly DateTime FilingTimes = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    readonly string _root = Directory.CreateTempSubdirectory("form3-release-").FullName;

    [Fact]
    public async Task A_finished_run_of_release_0_1_0_is_recovered_from_its_snapshot_and_events_and_nothing_is_read_again()
    {
        if (Directory.Exists(Place)) Directory.Delete(Place, recursive: true);
        CopyFolder(Path.Combine(TestData.RepoRoot, "data", "edgar"), Path.Combine(Place, "edgar"));
        foreach (var filing in Directory.EnumerateFiles(Path.Combine(Place, "edgar"), "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(filing, FilingTimes);
        Directory.CreateDirectory(Path.Combine(Place, "input"));
        var csv = Path.Combine(Place, "input", "form_3_10.csv");
        File.Copy(Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv"), csv);
        var runDir = Path.Combine(Place, "run");
        CopyFolder(Path.Combine(TestData.RepoRoot, "tests", "data", "release-0.1.0", "run"), runDir);
        // Only what the journal says can make the rerun skip the files: the old tables go, so they are merged again from the old parts.
        Directory.Delete(Path.Combine(runDir, "results"), recursive: true);

        using var rerun = Form3Process.Start("form3-coordinator", "rerun", Path.Combine(_root, "logs"), null, "run", csv, "--run-dir", runDir);
        Assert.True(await rerun.WaitForExitAsync(Timeout) == 0, rerun.Tail());

        Assert.Contains("10 finished files (0 quarantined)", rerun.Log());
        var input = RunTables.Manifest(runDir).GetProperty("input");
        Assert.Equal(0, input.GetProperty("processed").GetInt32());
        Assert.Equal(10, input.GetProperty("alreadyDone").GetInt32());
        var fresh = await EmbeddedRun.Run(_root, "fresh", csv);
        Assert.Null(RunTables.Difference(RunTables.Read(fresh), runDir));
    }

    static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        if (Directory.Exists(Place)) Directory.Delete(Place, recursive: true);
    }
}
