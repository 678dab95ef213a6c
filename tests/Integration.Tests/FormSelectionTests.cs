using Form3Actors.Testing;
using Sylvan.Data.Csv;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// The README's mixed sample (Forms 3, 4, 4/A and 5; full submissions, an .nc file, bare XML and a header-only
/// filing) through real processes: by default a run takes Form 3 and reports every other filing as form_not_selected;
/// with --forms 3,4,5 it writes their transactions, the same in the embedded default and in a cluster whose node
/// learns the forms from the coordinator. A run folder keeps the forms it was started with.
/// </summary>
public sealed class FormSelectionTests : IDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    static readonly string MixedForms = Path.Combine(TestData.RepoRoot, "data", "input", "mixed_forms.csv");
    const int Forms4And5 = 8;

    readonly string _root = Directory.CreateTempSubdirectory("form3-forms-").FullName;

    string Logs => Path.Combine(_root, "logs");

    Form3Process Coordinator(string name, params string[] args) => Form3Process.Start("form3-coordinator", name, Logs, null, ["run", MixedForms, .. args]);

    [Fact]
    public async Task Forms_4_and_5_are_reported_unless_taken_and_give_the_same_transactions_embedded_and_in_a_cluster()
    {
        var formThree = Path.Combine(_root, "form3");
        using (var run = Coordinator("form3", "--run-dir", formThree))
            Assert.True(await run.WaitForExitAsync(Timeout) == 0, run.Tail());
        Assert.Equal(Forms4And5, RunTables.Read(formThree)["ERRORS"].Count(l => l.Contains(",form_not_selected,", StringComparison.Ordinal)));
        Assert.Equal(Forms4And5, RunTables.Manifest(formThree).GetProperty("errorsByKind").GetProperty("form_not_selected").GetInt32());
        Assert.Contains($"errors by kind: form_not_selected {Forms4And5}", File.ReadAllText(Path.Combine(Logs, "form3.log")));
        Assert.Single(RunTables.Read(formThree)["NONDERIV_TRANS"]); // the header alone

        using (var other = Coordinator("form3-other-forms", "--run-dir", formThree, "--forms", "3,4,5"))
        {
            Assert.Equal(2, await other.WaitForExitAsync(Timeout));
            Assert.Contains($"the run folder {formThree} takes forms 3", other.Log());
            Assert.Contains("give another --run-dir for --forms 3,4,5", other.Log());
        }

        var all = Path.Combine(_root, "all-forms");
        using (var run = Coordinator("all-forms", "--run-dir", all, "--forms", "3,4,5"))
            Assert.True(await run.WaitForExitAsync(Timeout) == 0, run.Tail());
        var tables = RunTables.Read(all);
        Assert.DoesNotContain(tables["ERRORS"], l => l.Contains(",form_not_selected,", StringComparison.Ordinal));
        Assert.Equal(10, tables["SUBMISSION"].Count - 1);
        // The Forms 4 and 5 of the sample are among the 78 with goldens: their rows are the goldens' rows.
        var forms4And5 = Accessions(all);
        forms4And5.IntersectWith(GoldenRows("SUBMISSION", forms4And5).Select(r => r.Split('\u001f')[0]));
        Assert.Equal(Forms4And5 - 1, forms4And5.Count); // all but the header-only Form 4, which has no XML to hold rows
        foreach (var table in new[] { "NONDERIV_TRANS", "DERIV_TRANS", "NONDERIV_HOLDING", "DERIV_HOLDING", "FOOTNOTES" })
            Assert.Equal(GoldenRows(table, forms4And5), Rows(all, table).Where(r => forms4And5.Contains(r.Split('\u001f')[0])));

        var cluster = Path.Combine(_root, "cluster");
        using (var coordinator = Coordinator("cluster", "--run-dir", cluster, "--forms", "3,4,5", "--workers", "0"))
        using (var node = Form3Process.Start("form3-node", "cluster-node", Logs, null, "join", "--run-dir", cluster, "--workers", "1"))
        {
            Assert.True(await coordinator.WaitForExitAsync(Timeout) == 0, coordinator.Tail());
            Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.Null(RunTables.Difference(RunTables.Read(all), cluster));
    }

    [Fact]
    public async Task A_form_list_it_cannot_read_is_a_usage_error_that_says_what_to_give()
    {
        using var run = Coordinator("bad-forms", "--run-dir", Path.Combine(_root, "bad"), "--forms", "3,13F");
        Assert.Equal(2, await run.WaitForExitAsync(Timeout));
        Assert.Contains("--forms: '13F' is not an ownership form: give forms 3, 4 and 5 separated by commas, for example 3,4,5", run.Log());
        Assert.DoesNotContain("Unhandled exception", run.Log());
        Assert.False(Directory.Exists(Path.Combine(_root, "bad")));
    }

    static HashSet<string> Accessions(string runDir) => Rows(runDir, "SUBMISSION").Select(r => r.Split('\u001f')[0]).ToHashSet();

    /// <summary>The table's rows as cell lists joined by a unit separator, sorted.</summary>
    static List<string> Rows(string runDir, string table) => Cells(Path.Combine(runDir, "results", table + ".csv"), _ => true);

    /// <summary>The rows the Forms 4 and 5 goldens hold for these filings.</summary>
    static List<string> GoldenRows(string table, HashSet<string> accessions) =>
        Cells(Path.Combine(TestData.RepoRoot, "tests", "data", "form45-filings", "goldens", table + ".csv"), accessions.Contains);

    static List<string> Cells(string path, Func<string, bool> ofAccession)
    {
        using var csv = CsvDataReader.Create(path);
        var rows = new List<string>();
        while (csv.Read())
            if (ofAccession(csv.GetString(0))) rows.Add(string.Join('\u001f', Enumerable.Range(0, csv.FieldCount).Select(csv.GetString)));
        return rows.Order(StringComparer.Ordinal).ToList();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
