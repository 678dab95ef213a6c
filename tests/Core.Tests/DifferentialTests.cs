using Form3Actors.Core.Tests.Reference;
using Form3Actors.Testing.Reference;
using Form3Actors.Testing;
using Xunit.Abstractions;

namespace Form3Actors.Core.Tests;

/// <summary>
/// The fast path (XmlScanner + OwnershipExtractor) against the independent reference reader (.NET's XmlReader with DTDs
/// prohibited, LINQ to XML): every real filing of tests/data and tens of thousands of generated ones must give the
/// same tables, cell for cell, or be refused by both.
/// </summary>
public sealed class DifferentialTests(ITestOutputHelper output)
{
    public static IEnumerable<string> RealFilings() =>
        Directory.EnumerateFiles(Path.Combine(TestData.RepoRoot, "tests", "data", "real"))
            .Where(f => !f.EndsWith(".csv", StringComparison.Ordinal) && !f.Contains(".idx", StringComparison.Ordinal))
            .Concat(Directory.EnumerateFiles(Path.Combine(TestData.RepoRoot, "tests", "data", "form3-full-submissions"), "*.txt"))
            .Order(StringComparer.Ordinal);

    [Fact]
    public void Every_real_filing_gives_the_same_tables_as_the_reference_reader()
    {
        var files = RealFilings().ToList();
        var differences = files.Select(f => TableComparison.Difference(File.ReadAllBytes(f), Path.GetRelativePath(TestData.RepoRoot, f))).OfType<string>().ToList();
        output.WriteLine($"{files.Count} real filings compared");
        Assert.True(files.Count >= 60, $"only {files.Count} real filings found");
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [Fact]
    public void Twenty_thousand_generated_filings_give_the_same_tables_as_the_reference_reader()
    {
        var root = Directory.CreateTempSubdirectory("form3-diff-").FullName;
        try
        {
            var corpus = CorpusGenerator.Generate(root, 20_000, seed: 5);
            var differences = new List<string>();
            var accepted = 0;
            foreach (var line in File.ReadLines(corpus.InputCsv).Skip(1))
            {
                var listed = line[(line.LastIndexOf(',') + 1)..];
                var bytes = File.ReadAllBytes(Path.Combine(root, listed));
                if (TableComparison.Difference(bytes, listed) is { } difference) differences.Add(difference);
                else if (ReferenceReader.Read(bytes, listed).Accepted) accepted++;
            }
            output.WriteLine($"20,000 generated filings compared, {accepted:N0} accepted by both");
            Assert.True(differences.Count == 0, $"{differences.Count} differences, first: {string.Join("\n", differences.Take(5))}");
            Assert.Equal(corpus.Form3 + corpus.HeaderOnly, accepted);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
