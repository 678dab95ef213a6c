using Form3Actors.Core.Extraction;
using Form3Actors.Core.Tests.Reference;
using Form3Actors.Testing;
using Form3Actors.Testing.Reference;
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
    public void Twenty_thousand_generated_filings_give_the_same_tables_as_the_reference_reader() =>
        Compare(CorpusGenerator.Generate(Directory.CreateTempSubdirectory("form3-diff-").FullName, 20_000, seed: 5), FormSelection.Default,
            corpus => corpus.Form3 + corpus.HeaderOnly);

    [Fact]
    public void Twenty_thousand_generated_forms_3_4_and_5_give_the_same_tables_and_transactions_as_the_reference_reader() =>
        Compare(CorpusGenerator.Generate(Directory.CreateTempSubdirectory("form3-diff-mixed-").FullName, 20_000, seed: 6, mixed: true), FormSelection.All,
            corpus =>
            {
                Assert.True(corpus.NotForm3 > corpus.Files * 3 / 4 && corpus.Transactions > corpus.NotForm3, $"{corpus.NotForm3} Forms 4 and 5, {corpus.Transactions} transactions");
                return corpus.Form3 + corpus.HeaderOnly + corpus.NotForm3;
            });

    /// <summary>Every file of the corpus through both readers, taking <paramref name="forms"/>; <paramref name="accepted"/> says how many both must accept.</summary>
    void Compare(GeneratedCorpus corpus, FormSelection forms, Func<GeneratedCorpus, int> accepted)
    {
        try
        {
            var differences = new List<string>();
            var transactions = 0;
            var both = 0;
            foreach (var line in File.ReadLines(corpus.InputCsv).Skip(1))
            {
                var listed = line[(line.LastIndexOf(',') + 1)..];
                var bytes = File.ReadAllBytes(Path.Combine(corpus.Root, listed));
                if (TableComparison.Difference(bytes, listed, forms) is { } difference) differences.Add(difference);
                else if (ReferenceReader.Read(bytes, listed, forms.Forms.ToList()) is { Accepted: true } reference)
                {
                    both++;
                    transactions += reference.Tables["NONDERIV_TRANS"].Count + reference.Tables["DERIV_TRANS"].Count;
                }
            }
            output.WriteLine($"{corpus.Files:N0} generated filings compared ({corpus.Enveloped:N0} in the privacy-enhanced-message envelope), {both:N0} accepted by both, {transactions:N0} transactions");
            Assert.True(corpus.Enveloped > corpus.Files / 4, $"only {corpus.Enveloped} of {corpus.Files} generated filings are enveloped");
            Assert.True(differences.Count == 0, $"{differences.Count} differences, first: {string.Join("\n", differences.Take(5))}");
            Assert.Equal(accepted(corpus), both);
            Assert.Equal(corpus.Transactions, transactions);
        }
        finally
        {
            Directory.Delete(corpus.Root, recursive: true);
        }
    }
}
