using Form3Actors.Testing;
using System.Text;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Core.Tests;

/// <summary>
/// Mutates real filings thousands of times (seeded, so a failure reproduces) and checks the extractor's contract:
/// it never throws, and every input gives exactly one outcome, rows or one error with a known kind and a reason.
/// </summary>
public sealed class MutationFuzzTests
{
    const int MutationsPerKind = 1500;

    static readonly HashSet<string> KnownKinds = typeof(ErrorKind).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();

    static readonly string[] Seeds = Directory.GetFiles(Path.Combine(TestData.RepoRoot, "tests", "data", "real"))
        .Where(f => !f.EndsWith(".csv") && !f.Contains(".idx"))
        .Append(TestData.Fixture("form3a-derivatives.xml"))
        .Order()
        .ToArray();

    static readonly string[] XmlSeeds = Seeds.Where(s => File.ReadAllText(s).Contains("<ownershipDocument")).ToArray();

    static byte[] AsForm3(string path)
    {
        // Re-typed as Form 3 so the mutations reach the XML path, not just the "not a Form 3" check.
        var text = File.ReadAllText(path, Encoding.Latin1)
            .Replace("SUBMISSION TYPE:\t4/A", "SUBMISSION TYPE:\t3/A").Replace("SUBMISSION TYPE:\t4", "SUBMISSION TYPE:\t3")
            .Replace("<TYPE>4", "<TYPE>3").Replace("<TYPE>5", "<TYPE>3")
            .Replace("<documentType>4", "<documentType>3").Replace("<documentType>5", "<documentType>3");
        return Encoding.Latin1.GetBytes(text);
    }

    static void AssertOneOutcome(OwnershipExtractor extractor, byte[] input, string what)
    {
        ExtractionOutcome outcome;
        try
        {
            outcome = extractor.Extract(input, "fuzz.txt");
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{what}: extractor threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
        Assert.True(outcome.Succeeded ^ (outcome.Error != null), what);
        if (outcome.Error is { } error)
        {
            Assert.Contains(error.Kind, KnownKinds);
            Assert.False(string.IsNullOrWhiteSpace(error.Message), what);
            Assert.False(string.IsNullOrWhiteSpace(error.Stage), what);
        }
    }

    [Fact]
    public void Seeds_are_valid_form_3_after_retyping()
    {
        var extractor = new OwnershipExtractor(FormSelection.Default);
        foreach (var seed in Seeds)
        {
            var outcome = extractor.Extract(AsForm3(seed), seed);
            Assert.True(outcome.Succeeded, $"{seed}: {outcome.Error}");
        }
    }

    [Fact]
    public void Truncation_anywhere_inside_the_document_gives_one_error()
    {
        var random = new Random(20261124);
        var extractor = new OwnershipExtractor(FormSelection.Default);
        for (var i = 0; i < MutationsPerKind; i++)
        {
            var seed = Seeds[random.Next(Seeds.Length)];
            var bytes = AsForm3(seed);
            // Cut before the last closing tag, so the document is really incomplete.
            var lastTag = Array.LastIndexOf(bytes, (byte)'<');
            var cut = random.Next(0, lastTag);
            var outcome = extractor.Extract(bytes[..cut], "fuzz.txt");
            Assert.False(outcome.Succeeded, $"{Path.GetFileName(seed)} cut at {cut} was accepted");
            Assert.Contains(outcome.Error!.Kind, KnownKinds);
        }
    }

    [Fact]
    public void Flipped_bytes_never_crash()
    {
        var random = new Random(42);
        var extractor = new OwnershipExtractor(FormSelection.Default);
        for (var i = 0; i < MutationsPerKind * 2; i++)
        {
            var seed = Seeds[random.Next(Seeds.Length)];
            var bytes = AsForm3(seed);
            var flips = random.Next(1, 8);
            for (var f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            AssertOneOutcome(extractor, bytes, $"{Path.GetFileName(seed)} with {flips} flipped bytes (iteration {i})");
        }
    }

    [Fact]
    public void Random_bytes_spliced_in_never_crash()
    {
        var random = new Random(7);
        var extractor = new OwnershipExtractor(FormSelection.Default);
        for (var i = 0; i < MutationsPerKind; i++)
        {
            var bytes = AsForm3(Seeds[random.Next(Seeds.Length)]).ToList();
            var junk = new byte[random.Next(1, 64)];
            random.NextBytes(junk);
            bytes.InsertRange(random.Next(bytes.Count), junk);
            AssertOneOutcome(extractor, bytes.ToArray(), $"splice iteration {i}");
        }
    }

    [Fact]
    public void Injected_dtd_with_entities_is_always_refused()
    {
        var random = new Random(99);
        var extractor = new OwnershipExtractor(FormSelection.Default);
        string[] doctypes =
        [
            "<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
            "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>",
            "<!DOCTYPE ownershipDocument PUBLIC \"-//X//Y\" \"http://127.0.0.1:1/evil.dtd\">",
        ];
        for (var i = 0; i < 300; i++)
        {
            var text = Encoding.Latin1.GetString(AsForm3(XmlSeeds[random.Next(XmlSeeds.Length)]));
            var root = text.IndexOf("<ownershipDocument", StringComparison.Ordinal);
            var injected = text.Insert(root, doctypes[random.Next(doctypes.Length)])
                .Replace("</remarks>", "&xxe;&c;</remarks>");
            var outcome = extractor.Extract(Encoding.Latin1.GetBytes(injected), "fuzz.txt");
            Assert.Equal(ErrorKind.DtdForbidden, outcome.Error?.Kind);
        }
    }

    [Fact]
    public void Garbage_around_a_filing_is_rejected()
    {
        var random = new Random(3);
        var extractor = new OwnershipExtractor(FormSelection.Default);
        for (var i = 0; i < MutationsPerKind; i++)
        {
            var bytes = AsForm3(Seeds[random.Next(Seeds.Length)]);
            var prefix = new byte[random.Next(1, 200)];
            random.NextBytes(prefix);
            prefix[0] = (byte)random.Next(0x21, 0x3B); // never '<' or white space, so no filing starts here
            var outcome = extractor.Extract(prefix.Concat(bytes).ToArray(), "fuzz.txt");
            Assert.False(outcome.Succeeded);
            Assert.Contains(outcome.Error!.Kind, new[] { ErrorKind.Binary, ErrorKind.Unrecognized });
        }
    }
}
