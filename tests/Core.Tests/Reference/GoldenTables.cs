using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Testing.Reference;
using Sylvan.Data.Csv;

namespace Form3Actors.Core.Tests.Reference;

/// <summary>
/// A folder of real filings with goldens/: every cell of every table, as CSV. The goldens come from the independent
/// reference reader, never from the extractor; the extractor must match them cell for cell. Regenerate after an
/// intended contract change with FORM3_WRITE_GOLDENS=1 and review the diff.
/// </summary>
/// <param name="Folder">The filings; the path written into SOURCE_PATH and FILEPATH is the folder's name and the file's, as an input CSV beside the folder would list it.</param>
public sealed record GoldenTables(string Folder, IReadOnlyList<string> Files, FormSelection Forms)
{
    string Goldens => Path.Combine(Folder, "goldens");

    public string Listed(string file) => Path.GetFileName(Folder) + "/" + file;

    public Dictionary<string, List<string[]>> FromReference()
    {
        var tables = TableComparison.DataTables.ToDictionary(TableSchema.Name, _ => new List<string[]>());
        foreach (var file in Files)
        {
            var result = ReferenceReader.Read(File.ReadAllBytes(Path.Combine(Folder, file)), Listed(file), Forms.Forms.ToList());
            Assert.True(result.Accepted, $"{file}: {result.Refusal}");
            foreach (var table in TableComparison.DataTables)
                tables[TableSchema.Name(table)].AddRange(result.Tables[TableSchema.Name(table)]
                    .Select(row => TableSchema.Columns(table).Select(c => row.GetValueOrDefault(c, "")).ToArray()));
        }
        return tables;
    }

    public Dictionary<string, List<string[]>> FromExtractor()
    {
        var tables = TableComparison.DataTables.ToDictionary(TableSchema.Name, _ => new List<string[]>());
        var extractor = new OwnershipExtractor(Forms);
        foreach (var file in Files)
        {
            var outcome = extractor.Extract(File.ReadAllBytes(Path.Combine(Folder, file)), Listed(file));
            Assert.True(outcome.Succeeded, $"{file}: {outcome.Error}");
            foreach (var table in TableComparison.DataTables) tables[TableSchema.Name(table)].AddRange(outcome.Rows![table]);
        }
        return tables;
    }

    public Dictionary<string, List<string[]>> Stored() => TableComparison.DataTables.ToDictionary(TableSchema.Name, table =>
    {
        using var csv = CsvDataReader.Create(Path.Combine(Goldens, TableSchema.FileName(table)));
        Assert.Equal(TableSchema.Columns(table), Enumerable.Range(0, csv.FieldCount).Select(csv.GetName));
        var rows = new List<string[]>();
        while (csv.Read()) rows.Add(Enumerable.Range(0, csv.FieldCount).Select(csv.GetString).ToArray());
        return rows;
    });

    /// <summary>The reference reader's tables, written as the goldens first when FORM3_WRITE_GOLDENS=1.</summary>
    public Dictionary<string, List<string[]>> ReferenceWritingIfAsked()
    {
        var reference = FromReference();
        if (Environment.GetEnvironmentVariable("FORM3_WRITE_GOLDENS") == "1") Write(reference);
        return reference;
    }

    public static void AssertSame(Dictionary<string, List<string[]>> expected, Dictionary<string, List<string[]>> actual, string who)
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

    void Write(Dictionary<string, List<string[]>> tables)
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
