using System.Globalization;
using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// `run --forms 3,4,5 --sec-format` over ten real Forms 4 of 2024 Q3 (tests/data/sec-2024q3), whose rows the SEC's own
/// quarterly files hold: results/sec/ has the SEC's file and header lines byte for byte, and its rows are the SEC's
/// field for field, but for what differs on purpose (README, data dictionary): the *_SK keys, numbers the SEC rounds to
/// two decimals, runs of white space it keeps, and FILING_DATE, which a bare XML file does not carry.
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
                if (c == key || header[c] == "FILING_DATE") continue;
                Assert.True(Same(secRows[r][c], ourRows[r][c]), $"{table} row {r + 1} ({secRows[r][0]}) {header[c]}: the SEC has '{secRows[r][c]}', we have '{ourRows[r][c]}'");
            }
        }
        Assert.Equal(8, Directory.GetFiles(Path.Combine(runDir, "results", "sec"), "*.tsv").Length);

        // A run without the option removes the layout, which would no longer follow the tables.
        using (var again = Form3Process.Start("form3-coordinator", "sec-again", Path.Combine(_root, "logs"), null, "run", csv, "--run-dir", runDir, "--forms", "3,4,5"))
            Assert.True(await again.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, again.Tail());
        Assert.False(Directory.Exists(Path.Combine(runDir, "results", "sec")));
    }

    static bool Same(string theirs, string ours)
    {
        if (theirs == ours) return true;
        if (decimal.TryParse(theirs, NumberStyles.Number, CultureInfo.InvariantCulture, out var a) && decimal.TryParse(ours, NumberStyles.Number, CultureInfo.InvariantCulture, out var b))
            return a == Math.Round(b, 2, MidpointRounding.AwayFromZero);
        return string.Join(' ', theirs.Split(' ', StringSplitOptions.RemoveEmptyEntries)) == ours;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
