using System.Globalization;
using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// `run --forms 3,4,5 --sec-format` over ten real Forms 4 of 2024 Q3 (tests/data/sec-2024q3), whose rows the SEC's own
/// quarterly files hold: results/sec/ has the SEC's file and header lines byte for byte, and its rows are the SEC's
/// field for field, but for the *_SK keys (the SEC's are numbers of its database). A rerun that asks for the layout
/// when it is missing, or no longer asks for it, writes or removes it though nothing else changed.
/// </summary>
public sealed class SecFormatRunTests : IDisposable
{
    static readonly string Data = Path.Combine(TestData.RepoRoot, "tests", "data", "sec-2024q3");
    readonly string _root = Directory.CreateTempSubdirectory("form3-sec-").FullName;

    [Fact]
    public async Task The_sec_layout_of_a_run_reads_like_the_secs_own_files()
    {
        var csv = Path.Combine(_root, "sec-2024q3.csv");
        await File.WriteAllLinesAsync(csv, ["filepath", .. Directory.GetFiles(Path.Combine(Data, "files"), "*.xml").Order(StringComparer.Ordinal)]);
        var runDir = Path.Combine(_root, "run");
        using (var run = Form3Process.Start("form3-coordinator", "sec", Path.Combine(_root, "logs"), null, "run", csv, "--run-dir", runDir, "--forms", "3,4,5", "--sec-format"))
            Assert.True(await run.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, run.Tail());

        foreach (var table in new[] { "SUBMISSION", "NONDERIV_HOLDING", "DERIV_HOLDING", "DERIV_TRANS", "OWNER_SIGNATURE" })
        {
            var theirs = File.ReadAllLines(Path.Combine(Data, "sec", table + ".tsv"));
            var ours = File.ReadAllLines(Path.Combine(runDir, "results", "sec", table + ".tsv"));
            Assert.Equal(theirs[0], ours[0]);
            var header = theirs[0].Split('\t');
            var key = Array.FindIndex(header, c => c.EndsWith("_SK", StringComparison.Ordinal));
            List<string[]> Rows(string[] lines) => [.. lines.Skip(1).Select(l => l.Split('\t'))
                .OrderBy(r => r[0], StringComparer.Ordinal).ThenBy(r => key < 0 ? 0 : long.Parse(r[key], CultureInfo.InvariantCulture))];
            var (secRows, ourRows) = (Rows(theirs), Rows(ours));
            Assert.Equal(secRows.Count, ourRows.Count);
            for (var r = 0; r < secRows.Count; r++)
            for (var c = 0; c < header.Length; c++)
            {
                if (c == key) continue;
                Assert.True(secRows[r][c] == ourRows[r][c], $"{table} row {r + 1} ({secRows[r][0]}) {header[c]}: the SEC has '{secRows[r][c]}', we have '{ourRows[r][c]}'");
            }
        }
        var sec = Path.Combine(runDir, "results", "sec");
        Assert.Equal(8, Directory.GetFiles(sec, "*.tsv").Length);
        var manifest = RunTables.Manifest(runDir).GetProperty("tables");
        Assert.Equal(new FileInfo(Path.Combine(sec, "SUBMISSION.tsv")).Length, manifest.GetProperty("sec/SUBMISSION.tsv").GetProperty("bytes").GetInt64());

        // A layout file removed by hand is written again by the same command, though nothing else changed.
        File.Delete(Path.Combine(sec, "DERIV_TRANS.tsv"));
        await Run("sec-healed", "--sec-format");
        Assert.True(File.Exists(Path.Combine(sec, "DERIV_TRANS.tsv")));

        // A run without the option removes the layout, which would no longer follow the tables.
        await Run("sec-again");
        Assert.False(Directory.Exists(sec));

        async Task Run(string name, params string[] more)
        {
            using var again = Form3Process.Start("form3-coordinator", name, Path.Combine(_root, "logs"), null, ["run", csv, "--run-dir", runDir, "--forms", "3,4,5", .. more]);
            Assert.True(await again.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, again.Tail());
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
