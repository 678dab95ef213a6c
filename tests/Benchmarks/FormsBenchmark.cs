using System.Globalization;
using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Testing;

namespace Form3Actors.Benchmarks;

/// <summary>
/// Forms 3 against Forms 4 and 5: the extractor on one thread (files and MB per second, so that filings of different
/// sizes compare), on generated and on real filings, and end to end on a Form 3 corpus and on a mixed one (about 85 %
/// Forms 4 and 5 with their transactions, as on EDGAR) against the plain Python script, extended to transactions for
/// the mixed one (tests/Benchmarks/scripts/py_extract_45.py).
/// </summary>
public static class FormsBenchmark
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    static readonly TimeSpan Minimum = TimeSpan.FromSeconds(3);

    public static async Task Run(int files, string work)
    {
        Directory.CreateDirectory(work);
        var formThree = Corpus(work, files, mixed: false);
        var mixed = Corpus(work, files, mixed: true);
        var threes = Sample(formThree, "3");
        var foursAndFives = Sample(mixed, "4", "4/A", "5");
        var real3 = Directory.GetFiles(Path.Combine(TestData.RepoRoot, "tests", "data", "form3-full-submissions"), "*.txt").Select(File.ReadAllBytes).ToList();
        var real45 = Directory.GetFiles(Path.Combine(TestData.RepoRoot, "tests", "data", "form45-filings")).Where(f => !f.EndsWith(".csv", StringComparison.Ordinal))
            .Select(File.ReadAllBytes).ToList();
        var older = Directory.GetFiles(Path.Combine(TestData.RepoRoot, "tests", "data", "older-filings")).Where(f => f.EndsWith(".txt", StringComparison.Ordinal) || f.EndsWith(".xml", StringComparison.Ordinal))
            .Select(File.ReadAllBytes).ToList();
        var enveloped = Paths(mixed).Select(File.ReadAllBytes).Where(PemEnvelope.IsEnveloped).Take(5_000).ToList();

        Console.WriteLine("## Forms 3, 4 and 5: the extractor on one thread (per core), in-memory bytes");
        Console.WriteLine();
        Console.WriteLine("| filings | files | mean size | files/s | MB/s |");
        Console.WriteLine("|---|---|---|---|---|");
        Row("generated Forms 3 (holdings)", threes);
        Row("generated Forms 4 and 5 (transactions and holdings)", foursAndFives);
        Row("real Forms 3 (tests/data/form3-full-submissions)", real3);
        Row("real Forms 4, 4/A and 5 (tests/data/form45-filings)", real45);
        Row("generated filings of 2003-2010, in EDGAR's privacy-enhanced-message envelope", enveloped);
        Row("real Forms 4 of 2010-2011, 6 of them enveloped (tests/data/older-filings)", older);
        Console.WriteLine();

        Console.WriteLine("## End to end (whole command, 2 cores): files per second");
        Console.WriteLine();
        Console.WriteLine("| corpus | plain Python script, 2 processes | embedded default | embedded / script |");
        Console.WriteLine("|---|---|---|---|");
        await EndToEnd($"{files:N0} generated, Form 3 only (`run`)", formThree, null, []);
        await EndToEnd($"{files:N0} generated, {mixed.NotForm3 * 100 / mixed.Files} % Forms 4 and 5, {mixed.Transactions:N0} transactions (`run --forms 3,4,5`)",
            mixed, Path.Combine(TestData.RepoRoot, "tests", "Benchmarks", "scripts", "py_extract_45.py"), ["--forms", "3,4,5"]);
        Console.WriteLine();
    }

    static GeneratedCorpus Corpus(string work, int files, bool mixed)
    {
        Console.Error.WriteLine($"[bench] {(mixed ? "mixed" : "Form 3")} corpus of {files:N0}");
        var corpus = CorpusGenerator.Generate(Path.Combine(work, $"forms-{(mixed ? "mixed" : "3")}-{files}"), files, seed: 11, mixed: mixed);
        ParseBenchmark.ReadFloor(Paths(corpus), 2); // warm the page cache
        return corpus;
    }

    static List<string> Paths(GeneratedCorpus corpus) =>
        File.ReadLines(corpus.InputCsv).Skip(1).Select(l => Path.Combine(corpus.Root, l[(l.LastIndexOf(',') + 1)..])).ToList();

    /// <summary>Up to 5,000 filings of the corpus whose document type is one of <paramref name="types"/>.</summary>
    static List<byte[]> Sample(GeneratedCorpus corpus, params string[] types) =>
        Paths(corpus).Select(File.ReadAllBytes)
            .Where(b => types.Any(t => Encoding.Latin1.GetString(b).Contains($"<documentType>{t}</documentType>", StringComparison.Ordinal)))
            .Take(5_000).ToList();

    static void Row(string what, IReadOnlyList<byte[]> filings)
    {
        var rate = ParseBenchmark.ExtractInMemory(filings, Minimum, FormSelection.All);
        var meanBytes = filings.Average(f => f.Length);
        Console.WriteLine(string.Create(Invariant, $"| {what} | {filings.Count:N0} | {meanBytes / 1024:F1} KB | {rate:N0} | {rate * meanBytes / 1_048_576:F1} |"));
    }

    static async Task EndToEnd(string what, GeneratedCorpus corpus, string? script, string[] options)
    {
        Console.Error.WriteLine($"[bench] end to end: {what}");
        var runs = Path.Combine(corpus.Root, "..", $"runs-{Path.GetFileName(corpus.Root)}-{DateTime.UtcNow:HHmmss}");
        var python = await EndToEndBenchmark.PythonScript(corpus.Root, corpus.InputCsv, corpus.Files, Path.Combine(runs, "python"), script);
        var embedded = await EndToEndBenchmark.Embedded(corpus.InputCsv, corpus.Files, Path.Combine(runs, "embedded"), "embedded", options);
        Directory.Delete(runs, recursive: true);
        Console.WriteLine(string.Create(Invariant,
            $"| {what} | {(python is { } p ? p.ToString("N0", Invariant) : "n/a")} | {embedded.FilesPerSecond:N0} | {(python is { } q ? $"{embedded.FilesPerSecond / q:F1}x" : "n/a")} |"));
    }
}
