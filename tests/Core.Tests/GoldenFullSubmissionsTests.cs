using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Tests.Reference;
using Form3Actors.Testing.Reference;
using Form3Actors.Testing;
using Sylvan.Data.Csv;

namespace Form3Actors.Core.Tests;

/// <summary>
/// Goldens for the 52 real EDGAR Form 3 full submissions of tests/data/form3-full-submissions (filed 2020-2022; see
/// PROVENANCE.csv): every cell of every table, stored as CSV in goldens/. The goldens come from the independent
/// reference reader, never from the extractor; the reference is pinned to them, checked by hand on cells typed from
/// the documents, and the extractor must match them cell for cell. Regenerate after an intended contract change with
/// FORM3_WRITE_GOLDENS=1 and review the diff.
/// </summary>
public sealed class GoldenFullSubmissionsTests
{
    static string Folder => Path.Combine(TestData.RepoRoot, "tests", "data", "form3-full-submissions");
    static string Goldens => Path.Combine(Folder, "goldens");

    static IReadOnlyList<string> Files() => Directory.EnumerateFiles(Folder, "*.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    /// <summary>The path written into SOURCE_PATH and FILEPATH: as an input CSV beside the folder would list it.</summary>
    static string Listed(string file) => "form3-full-submissions/" + file;

    static Dictionary<string, List<string[]>> FromReference()
    {
        var tables = TableComparison.DataTables.ToDictionary(TableSchema.Name, _ => new List<string[]>());
        foreach (var file in Files())
        {
            var result = ReferenceReader.Read(File.ReadAllBytes(Path.Combine(Folder, file)), Listed(file));
            Assert.True(result.Accepted, $"{file}: {result.Refusal}");
            foreach (var table in TableComparison.DataTables)
                tables[TableSchema.Name(table)].AddRange(result.Tables[TableSchema.Name(table)]
                    .Select(row => TableSchema.Columns(table).Select(c => row.GetValueOrDefault(c, "")).ToArray()));
        }
        return tables;
    }

    static Dictionary<string, List<string[]>> FromExtractor()
    {
        var tables = TableComparison.DataTables.ToDictionary(TableSchema.Name, _ => new List<string[]>());
        foreach (var file in Files())
        {
            var outcome = new Form3Extractor().Extract(File.ReadAllBytes(Path.Combine(Folder, file)), Listed(file));
            Assert.True(outcome.Succeeded, $"{file}: {outcome.Error}");
            foreach (var table in TableComparison.DataTables) tables[TableSchema.Name(table)].AddRange(outcome.Rows![table]);
        }
        return tables;
    }

    static Dictionary<string, List<string[]>> Stored() => TableComparison.DataTables.ToDictionary(TableSchema.Name, table =>
    {
        using var csv = CsvDataReader.Create(Path.Combine(Goldens, TableSchema.FileName(table)));
        Assert.Equal(TableSchema.Columns(table), Enumerable.Range(0, csv.FieldCount).Select(csv.GetName));
        var rows = new List<string[]>();
        while (csv.Read()) rows.Add(Enumerable.Range(0, csv.FieldCount).Select(csv.GetString).ToArray());
        return rows;
    });

    static void AssertSame(Dictionary<string, List<string[]>> expected, Dictionary<string, List<string[]>> actual, string who)
    {
        foreach (var (table, rows) in expected)
        {
            Assert.True(rows.Count == actual[table].Count, $"{who}: {table} has {actual[table].Count} rows, the goldens {rows.Count}");
            var columns = TableSchema.Columns(TableComparison.DataTables.Single(t => TableSchema.Name(t) == table));
            for (var r = 0; r < rows.Count; r++)
            for (var c = 0; c < columns.Count; c++)
                Assert.True(rows[r][c] == actual[table][r][c],
                    $"{who}: {table} row {r + 1} ({rows[r][0]}) {columns[c]} is '{actual[table][r][c]}', the golden '{rows[r][c]}'");
        }
    }

    [Fact]
    public void The_reference_reader_reproduces_the_stored_goldens()
    {
        var reference = FromReference();
        if (Environment.GetEnvironmentVariable("FORM3_WRITE_GOLDENS") == "1") Write(reference);
        AssertSame(Stored(), reference, "reference reader");
    }

    [Fact]
    public void Every_cell_of_every_table_of_the_52_submissions_matches_the_goldens()
    {
        Assert.Equal(52, Files().Count);
        var stored = Stored();
        Assert.Equal(52, stored["SUBMISSION"].Count);
        AssertSame(stored, FromExtractor(), "extractor");
    }

    [Fact]
    public void The_goldens_hold_what_the_documents_say()
    {
        // Cells typed from the documents themselves, to check the reference reader that wrote the goldens.
        var g = Stored();
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

    static void Write(Dictionary<string, List<string[]>> tables)
    {
        Directory.CreateDirectory(Goldens);
        foreach (var table in TableComparison.DataTables)
        {
            var text = new StringBuilder();
            foreach (var row in tables[TableSchema.Name(table)].Prepend(TableSchema.Columns(table).ToArray()))
                text.Append(string.Join(',', row.Select(Quote))).Append('\n');
            File.WriteAllText(Path.Combine(Goldens, TableSchema.FileName(table)), text.ToString(), new UTF8Encoding(false));
        }
    }

    static string Quote(string cell) => cell.IndexOfAny([',', '"', '\n', '\r']) < 0 ? cell : "\"" + cell.Replace("\"", "\"\"") + "\"";
}
