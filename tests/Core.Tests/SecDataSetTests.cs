using System.Globalization;
using Form3Actors.Core.Extraction;
using Form3Actors.Testing;

namespace Form3Actors.Core.Tests;

/// <summary>
/// Ten real Forms 4 of 2024 Q3 (tests/data/sec-2024q3, bare XML) against the SEC's own rows for them in its Insider
/// Transactions Data Sets: every column both have, row by row, for SUBMISSION, NONDERIV_HOLDING, DERIV_HOLDING,
/// DERIV_TRANS and OWNER_SIGNATURE (the tables whose quarterly files are stored; see its README).
/// </summary>
/// <remarks>
/// Compared as the formats differ by design (README, "The SEC's own format"): the SEC's dates are DD-MON-YYYY and ours
/// ISO 8601; its numbers are printed by its database, rounded to two decimals (<c>224.048</c> in the filing is its
/// <c>224.05</c>), and ours as the filing writes them; it joins footnote ids with ", " and we with ","; it quotes a
/// field holding <c>"</c> CSV-style; it keeps runs of white space inside text as written (<c>Class A  Common Stock</c>),
/// where we make each run one space. Left out: its *_SK database keys (ours number rows in document order, as its
/// keys ascend) and FILING_DATE, which comes from EDGAR and which a bare XML file does not carry.
/// </remarks>
public sealed class SecDataSetTests
{
    static readonly string Folder = Path.Combine(TestData.RepoRoot, "tests", "data", "sec-2024q3");

    public static TheoryData<Table> Tables => [Table.Submission, Table.NonDerivHolding, Table.DerivHolding, Table.DerivTrans, Table.OwnerSignature];

    [Theory]
    [MemberData(nameof(Tables))]
    public void Every_cell_the_sec_has_for_these_filings_is_ours_too(Table table)
    {
        var sec = File.ReadAllLines(Path.Combine(Folder, "sec", TableSchema.Name(table) + ".tsv"));
        var header = sec[0].Split('\t');
        var ours = TableSchema.Columns(table).ToList();
        var compared = header.Where(c => ours.Contains(c) && !c.EndsWith("_SK", StringComparison.Ordinal) && c != "FILING_DATE").ToList();
        var key = header.FirstOrDefault(c => c.EndsWith("_SK", StringComparison.Ordinal));
        var secRows = sec.Skip(1).Select(line => line.Split('\t'))
            .OrderBy(r => r[0], StringComparer.Ordinal).ThenBy(r => key == null ? 0 : long.Parse(r[Array.IndexOf(header, key)], CultureInfo.InvariantCulture))
            .ToList();
        var extracted = Directory.GetFiles(Path.Combine(Folder, "files"), "*.xml").Order(StringComparer.Ordinal)
            .SelectMany(path => Extract(path)[table]).OrderBy(r => r[0], StringComparer.Ordinal).ToList(); // stable: document order within a filing

        Assert.True(secRows.Count > 0 || table == Table.DerivHolding, $"no SEC rows for {table}");
        Assert.Equal(secRows.Count, extracted.Count);
        for (var r = 0; r < secRows.Count; r++)
        foreach (var column in compared)
        {
            var theirs = secRows[r][Array.IndexOf(header, column)];
            var mine = extracted[r][ours.IndexOf(column)];
            Assert.True(Same(theirs, mine), $"{TableSchema.Name(table)} row {r + 1} ({secRows[r][0]}) {column}: the SEC has '{theirs}', we have '{mine}'");
        }
    }

    static FilingRows Extract(string path)
    {
        var outcome = new OwnershipExtractor(FormSelection.All).Extract(File.ReadAllBytes(path), Path.GetFileName(path));
        Assert.True(outcome.Succeeded, $"{path}: {outcome.Error}");
        return outcome.Rows!;
    }

    static bool Same(string theirs, string mine)
    {
        if (theirs.Length > 1 && theirs[0] == '"' && theirs[^1] == '"') theirs = theirs[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
        if (theirs == mine) return true;
        if (DateTime.TryParseExact(theirs, "dd-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) == mine;
        if (decimal.TryParse(theirs, NumberStyles.Number, CultureInfo.InvariantCulture, out var a) && decimal.TryParse(mine, NumberStyles.Number, CultureInfo.InvariantCulture, out var b))
            return a == Math.Round(b, 2, MidpointRounding.AwayFromZero);
        return string.Join(' ', theirs.Replace(", ", ",", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries)) == mine;
    }
}
