using System.Globalization;
using System.IO.Hashing;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Tests.Reference;
using Form3Actors.Testing;
using Xunit.Abstractions;

namespace Form3Actors.Core.Tests;

/// <summary>
/// Every real filing we hold, whatever its era and wrapping: tests/data, the bundled samples in data/, and the shared
/// corpus beside the project (../shared/corpus/real) when it is there. None may be refused, and each must give the
/// reference reader's tables cell for cell. The census it prints (wrapping, years, schema versions) is what the
/// README's data section says the tool reads.
/// </summary>
public sealed class EraCensusTests(ITestOutputHelper output)
{
    static readonly string[] FilingExtensions = [".txt", ".xml", ".nc"];

    /// <summary>The real filings, each once (the same bytes in several folders count once); fixtures are made by hand and left out.</summary>
    public static IReadOnlyList<string> RealFilings()
    {
        var roots = new List<string> { Path.Combine(TestData.RepoRoot, "tests", "data"), Path.Combine(TestData.RepoRoot, "data") };
        var shared = Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "corpus", "real"));
        if (Directory.Exists(shared)) roots.Add(shared);
        var seen = new HashSet<UInt128>();
        return roots
            .SelectMany(root => Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            .Where(f => FilingExtensions.Contains(Path.GetExtension(f)) && !f.Contains($"{Path.DirectorySeparatorChar}fixtures{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Where(f => seen.Add(XxHash128.HashToUInt128(File.ReadAllBytes(f))))
            .ToList();
    }

    [Fact]
    public void Every_real_filing_of_every_era_is_read_and_agrees_with_the_reference_reader()
    {
        var files = RealFilings();
        var problems = new List<string>();
        var census = new List<(string Wrapping, string Year, string Schema, string Form)>();
        var extractor = new OwnershipExtractor(FormSelection.All);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            var name = Path.GetRelativePath(TestData.RepoRoot, file);
            var outcome = extractor.Extract(bytes, name);
            if (!outcome.Succeeded)
            {
                problems.Add($"{name}: refused ({outcome.Error!.Kind}: {outcome.Error.Message})");
                continue;
            }
            if (TableComparison.Difference(bytes, name, FormSelection.All) is { } difference) problems.Add(difference);
            var submission = outcome.Rows![Table.Submission][0];
            string Cell(string column) => submission[TableSchema.Columns(Table.Submission).ToList().IndexOf(column)];
            var wrapping = PemEnvelope.IsEnveloped(bytes) ? "full submission in the privacy-enhanced-message envelope"
                : Cell("HEADER_ONLY") == "1" ? "header only (no XML)"
                : file.EndsWith(".nc", StringComparison.Ordinal) ? "tagged dissemination file (.nc)"
                : outcome.Rows.FilingDateSource == FilingDateSource.SecHeader ? "full submission" : "bare ownership XML";
            census.Add((wrapping, Cell("FILING_DATE") is { Length: >= 4 } date ? date[..4] : "?", Cell("SCHEMA_VERSION"), Cell("DOCUMENT_TYPE")));
        }

        output.WriteLine($"{files.Count} distinct real filings");
        foreach (var group in census.GroupBy(c => c.Wrapping).OrderBy(g => g.Key, StringComparer.Ordinal))
            output.WriteLine($"| {group.Key} | {group.Count()} | {Years(group.Select(c => c.Year))} | {string.Join(", ", group.Select(c => c.Form).Distinct().Order(StringComparer.Ordinal))} |");
        foreach (var group in census.Where(c => c.Schema.Length > 0).GroupBy(c => c.Schema).OrderBy(g => g.Key, StringComparer.Ordinal))
            output.WriteLine($"| {group.Key} | {group.Count()} | {Years(group.Select(c => c.Year))} |");

        Assert.True(problems.Count == 0, $"{problems.Count} of {files.Count} real filings are refused or differ:\n{string.Join("\n", problems)}");
        Assert.True(files.Count >= 170, $"only {files.Count} real filings found");
        Assert.Contains(census, c => c.Wrapping.Contains("envelope", StringComparison.Ordinal) && c.Year == "2010");
        foreach (var wrapping in new[] { "header only (no XML)", "tagged dissemination file (.nc)", "bare ownership XML", "full submission" })
            Assert.Contains(census, c => c.Wrapping == wrapping);
        foreach (var schema in new[] { "X0206", "X0303", "X0304", "X0305", "X0306", "X0407", "X0508" })
            Assert.Contains(census, c => c.Schema == schema);
    }

    [Fact]
    public void The_more_filings_folder_matches_its_goldens()
    {
        var folder = Path.Combine(TestData.RepoRoot, "tests", "data", "more-filings");
        var set = new GoldenTables(folder, [.. Directory.GetFiles(folder, "*.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal)!], FormSelection.All);
        var reference = set.ReferenceWritingIfAsked();
        GoldenTables.AssertSame(set.Stored(), reference, "reference reader");
        GoldenTables.AssertSame(set.Stored(), set.FromExtractor(), "extractor");
        Assert.Equal(18, set.Stored()["SUBMISSION"].Count);
    }

    static string Years(IEnumerable<string> years)
    {
        var known = years.Where(y => y != "?").Select(y => int.Parse(y, CultureInfo.InvariantCulture)).ToList();
        return known.Count == 0 ? "-" : known.Min() == known.Max() ? $"{known.Min()}" : $"{known.Min()}-{known.Max()}";
    }
}
