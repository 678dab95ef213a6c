using System.Globalization;
using System.Text.RegularExpressions;
using Form3Actors.Testing;
using Sylvan.Data.Csv;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// The README's DuckDB query over the Parquet tables, run as written on the mixed sample's tables, gives what the CSV
/// tables give when the same sums are made by hand: the README's example stays true.
/// </summary>
public sealed class ReadmeQueryTests : IDisposable
{
    const string RunFolderInReadme = "runs/mixed_forms";
    readonly string _root = Directory.CreateTempSubdirectory("form3-readme-").FullName;

    [Fact]
    public async Task The_readme_s_net_shares_query_runs_on_the_parquet_tables_and_agrees_with_the_csv()
    {
        var runDir = Path.Combine(_root, "mixed_forms");
        using (var run = Form3Process.Start("form3-coordinator", "readme", Path.Combine(_root, "logs"), null,
            "run", Path.Combine(TestData.RepoRoot, "data", "input", "mixed_forms.csv"), "--run-dir", runDir, "--forms", "3,4,5", "--parquet"))
            Assert.True(await run.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, run.Tail());

        var readme = await File.ReadAllTextAsync(Path.Combine(TestData.RepoRoot, "README.md"));
        var block = Regex.Match(readme, @"<!-- tested by ReadmeQueryTests -->\s*```sql\n(?<sql>.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "the README has no SQL block marked as tested by ReadmeQueryTests");
        var sql = block.Groups["sql"].Value;
        Assert.Contains(RunFolderInReadme, sql);

        var fromParquet = new List<(string Cik, string Month, double Net)>();
        using (var db = ParquetTables.DuckDb())
        using (var command = db.CreateCommand())
        {
            command.CommandText = sql.Replace(RunFolderInReadme, runDir, StringComparison.Ordinal);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                fromParquet.Add((reader.GetString(reader.GetOrdinal("ISSUERCIK")), reader.GetString(reader.GetOrdinal("month")),
                    reader.GetDouble(reader.GetOrdinal("net_shares"))));
        }

        var issuerOf = new Dictionary<string, string>();
        using (var submissions = CsvDataReader.Create(Path.Combine(runDir, "results", "SUBMISSION.csv")))
            while (submissions.Read()) issuerOf[submissions.GetString(submissions.GetOrdinal("ACCESSION_NUMBER"))] = submissions.GetString(submissions.GetOrdinal("ISSUERCIK"));
        var fromCsv = new SortedDictionary<(string, string), double>(Comparer<(string, string)>.Create((a, b) =>
            string.CompareOrdinal(a.Item1, b.Item1) is not 0 and var c ? c : string.CompareOrdinal(a.Item2, b.Item2)));
        using (var transactions = CsvDataReader.Create(Path.Combine(runDir, "results", "NONDERIV_TRANS.csv")))
            while (transactions.Read())
            {
                var code = transactions.GetString(transactions.GetOrdinal("TRANS_CODE"));
                if (code is not ("P" or "S")) continue;
                var shares = double.Parse(transactions.GetString(transactions.GetOrdinal("TRANS_SHARES")), CultureInfo.InvariantCulture);
                var key = (issuerOf[transactions.GetString(transactions.GetOrdinal("ACCESSION_NUMBER"))], transactions.GetString(transactions.GetOrdinal("TRANS_DATE"))[..7]);
                fromCsv[key] = fromCsv.GetValueOrDefault(key) + (code == "P" ? shares : -shares);
            }

        Assert.NotEmpty(fromCsv);
        var rows = fromParquet.OrderBy(r => r.Cik, StringComparer.Ordinal).ThenBy(r => r.Month, StringComparer.Ordinal).ToList();
        Assert.Equal(fromCsv.Keys, rows.Select(r => (r.Cik, r.Month)));
        foreach (var (expected, row) in fromCsv.Values.Zip(rows)) Assert.Equal(expected, row.Net, 6);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
