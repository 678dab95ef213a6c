using System.Text.Json;
using Form3Actors.Testing;
using Sylvan.Data.Csv;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// The real full submissions of 2010-2011 (tests/data/older-filings), six of them in EDGAR's privacy-enhanced-message
/// envelope, laid out as a mirror and run through real processes from each kind of input: a CSV, the folder, and an
/// EDGAR master.idx. Each run reads every one, and all three give the same tables; `form3-node extract` reads an
/// enveloped one.
/// </summary>
public sealed class OlderFilingsRunTests : IDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    static readonly string Older = Path.Combine(TestData.RepoRoot, "tests", "data", "older-filings");
    readonly string _root = Directory.CreateTempSubdirectory("form3-older-").FullName;

    string Logs => Path.Combine(_root, "logs");

    [Fact]
    public async Task Enveloped_and_plain_submissions_are_read_from_a_csv_a_folder_and_an_index_alike()
    {
        var mirror = Path.Combine(_root, "mirror");
        var listed = new List<(string Cik, string Date, string Path)>();
        using (var provenance = CsvDataReader.Create(Path.Combine(Older, "PROVENANCE.csv")))
            while (provenance.Read())
            {
                if (!provenance.GetString(provenance.GetOrdinal("kind")).StartsWith("full_submission", StringComparison.Ordinal)) continue;
                var file = provenance.GetString(provenance.GetOrdinal("file"));
                // The source repository keeps EDGAR's CIK folder: Data/raw/files/YEAR/QTR/CIK/FORM/ACCESSION.txt.
                var cik = provenance.GetString(provenance.GetOrdinal("path")).Split('/')[^3];
                var relative = $"edgar/data/{cik}/{file}";
                Directory.CreateDirectory(Path.Combine(mirror, "edgar", "data", cik));
                File.Copy(Path.Combine(Older, file), Path.Combine(mirror, relative));
                listed.Add((cik, provenance.GetString(provenance.GetOrdinal("filed_date")), relative));
            }
        Assert.Equal(14, listed.Count);

        var csv = Path.Combine(mirror, "older.csv");
        await File.WriteAllLinesAsync(csv, ["cik,date_filed,filepath", .. listed.Select(l => $"{l.Cik},{l.Date},{l.Path}")]);
        var index = Path.Combine(_root, "master.idx");
        await File.WriteAllLinesAsync(index,
        [
            "Description:           Master Index of EDGAR Dissemination Feed", "Last Data Received:    December 31, 2011", "", "",
            "CIK|Company Name|Form Type|Date Filed|Filename", "--------------------------------------------------------------------------------",
            .. listed.Select(l => $"{l.Cik}|OLDER FILER|4|{l.Date[..4]}-{l.Date[4..6]}-{l.Date[6..]}|{l.Path}"),
        ]);

        var runs = new Dictionary<string, string[]>
        {
            ["csv"] = [csv],
            ["folder"] = [Path.Combine(mirror, "edgar")],
            ["index"] = [index, "--mirror-root", mirror],
        };
        foreach (var (kind, input) in runs)
        {
            using var run = Form3Process.Start("form3-coordinator", kind, Logs, null, ["run", .. input, "--run-dir", Path.Combine(_root, kind), "--forms", "3,4,5"]);
            Assert.True(await run.WaitForExitAsync(Timeout) == 0, run.Tail());
            var tables = RunTables.Read(Path.Combine(_root, kind));
            Assert.Equal(14, tables["SUBMISSION"].Count - 1);
            Assert.Single(tables["ERRORS"]); // the header alone: none refused
        }
        // The folder lists paths relative to edgar/, the others relative to the mirror: SOURCE_PATH aside, the same tables.
        static IEnumerable<string> WithoutPaths(IReadOnlyDictionary<string, List<string>> tables) =>
            tables.Where(t => t.Key is not ("SUBMISSION" or "FORM3_SUMMARY")).SelectMany(t => t.Value.Select(row => t.Key + ":" + row)).Order(StringComparer.Ordinal);
        var fromCsv = RunTables.Read(Path.Combine(_root, "csv"));
        Assert.Null(RunTables.Difference(fromCsv, Path.Combine(_root, "index")));
        Assert.Equal(WithoutPaths(fromCsv), WithoutPaths(RunTables.Read(Path.Combine(_root, "folder"))));
        Assert.Equal(6, fromCsv["SUBMISSION"].Count(row => row.Contains(",2010-", StringComparison.Ordinal) || row.Contains(",2011-01-", StringComparison.Ordinal)));

        using var extract = Form3Process.Start("form3-node", "extract", Logs, null, "extract", Path.Combine(Older, "0001181431-10-001904.txt"));
        Assert.Equal(0, await extract.WaitForExitAsync(Timeout));
        var json = JsonDocument.Parse(string.Join('\n', File.ReadAllLines(extract.LogPath).Where(l => !l.StartsWith("stderr: ", StringComparison.Ordinal))))
            .RootElement.GetProperty("tables");
        Assert.Equal("0001181431-10-001904", json.GetProperty("SUBMISSION")[0].GetProperty("ACCESSION_NUMBER").GetString());
        Assert.Equal("213.55", json.GetProperty("NONDERIV_TRANS")[0].GetProperty("TRANS_PRICEPERSHARE").GetString());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
