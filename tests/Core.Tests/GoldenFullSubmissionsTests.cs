using Form3Actors.Core.Extraction;
using Form3Actors.Core.Tests.Reference;
using Form3Actors.Testing;

namespace Form3Actors.Core.Tests;

/// <summary>
/// Goldens for the 52 real EDGAR Form 3 full submissions of tests/data/form3-full-submissions (filed 2020-2022; see
/// PROVENANCE.csv), as <see cref="GoldenTables"/> keeps them: the reference is pinned to them, checked by hand on
/// cells typed from the documents, and the extractor must match them cell for cell.
/// </summary>
public sealed class GoldenFullSubmissionsTests
{
    static readonly GoldenTables Set = new(Path.Combine(TestData.RepoRoot, "tests", "data", "form3-full-submissions"),
        Directory.EnumerateFiles(Path.Combine(TestData.RepoRoot, "tests", "data", "form3-full-submissions"), "*.txt")
            .Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!, FormSelection.Default);

    [Fact]
    public void The_reference_reader_reproduces_the_stored_goldens()
    {
        var reference = Set.ReferenceWritingIfAsked();
        GoldenTables.AssertSame(Set.Stored(), reference, "reference reader");
    }

    [Fact]
    public void Every_cell_of_every_table_of_the_52_submissions_matches_the_goldens()
    {
        Assert.Equal(52, Set.Files.Count);
        var stored = Set.Stored();
        Assert.Equal(52, stored["SUBMISSION"].Count);
        GoldenTables.AssertSame(stored, Set.FromExtractor(), "extractor");
    }

    [Fact]
    public void The_goldens_hold_what_the_documents_say()
    {
        // Cells typed from the documents themselves, to check the reference reader that wrote the goldens.
        var g = Set.Stored();
        string[] Row(string table, string accession, int nth = 0) => g[table].Where(r => r[0] == accession).ElementAt(nth);
        int Count(string table, string accession) => g[table].Count(r => r[0] == accession);

        // MultiPlan: nine joint filers, names with &amp;, seven footnotes, acceptance time and SIC from the header.
        var mpln = Row("SUBMISSION", "0000899243-20-028043");
        Assert.Equal(["0000899243-20-028043", "2020-10-13", "2020-10-08"], mpln[..3]);
        Assert.Equal(["MPLN", "2020-10-13T17:18:10", "1", "7389"], [mpln[11], mpln[16], mpln[17], mpln[18]]);
        Assert.Equal(9, Count("REPORTINGOWNER", "0000899243-20-028043"));
        Assert.Equal("H&F Corporate Investors VIII, Ltd.", Row("REPORTINGOWNER", "0000899243-20-028043")[2]);
        Assert.Equal("Hellman & Friedman Investors VIII, L.P.", Row("FORM3_SUMMARY", "0000899243-20-028043", 1)[2]);
        Assert.Equal(7, Count("FOOTNOTES", "0000899243-20-028043"));
        Assert.Equal(["F1", "Reflects securities directly held by Hellman & Friedman Capital Partners VIII, L.P. (\"HFCP VIII\")."],
            Row("FOOTNOTES", "0000899243-20-028043")[1..]);
        // Nurix: ten joint filers; PCM: no securities owned, no holdings.
        Assert.Equal(10, Count("REPORTINGOWNER", "0001209191-20-043551"));
        Assert.Equal("1", Row("SUBMISSION", "0001209191-20-021611")[4]);
        Assert.Equal(0, Count("NONDERIV_HOLDING", "0001209191-20-021611") + Count("DERIV_HOLDING", "0001209191-20-021611"));
        // Ollie's: eleven derivative rows and twelve footnotes.
        Assert.Equal(11, Count("DERIV_HOLDING", "0001140361-20-013188"));
        Assert.Equal(12, Count("FOOTNOTES", "0001140361-20-013188"));
    }
}
