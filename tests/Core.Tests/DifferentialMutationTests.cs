using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Tests.Reference;
using Form3Actors.Testing.Reference;
using Xunit.Abstractions;

namespace Form3Actors.Core.Tests;

/// <summary>
/// Mutated real filings of Forms 3, 4 and 5 through both readers, both taking every ownership form (seeded, so a
/// failure reproduces): truncations, byte flips, spliced junk, injected DTDs, other encodings and namespaces. Both must accept or both refuse, and where both accept the
/// tables must be identical. No case needs excusing: the one disagreement the first run found (a submission cut
/// short after its Form 3 document, which the extractor refuses as truncated and the reference first accepted) was
/// the reference departing from the contract, and was fixed there. A legitimate difference, if one appears, is to be
/// named here with its reason, not hidden.
/// </summary>
public sealed class DifferentialMutationTests(ITestOutputHelper output)
{
    const int MutationsPerSeedAndKind = 25;

    static readonly IReadOnlyList<int> AllForms = FormSelection.All.Forms;

    static readonly (string Path, byte[] Bytes)[] Seeds = DifferentialTests.RealFilings()
        .Concat(new[] { "form45-filings", "older-filings" }.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Testing.TestData.RepoRoot, "tests", "data", folder))
            .Where(f => !f.EndsWith(".csv", StringComparison.Ordinal) && !f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal)))
        .Select(p => (p, File.ReadAllBytes(p)))
        .Where(s => ReferenceReader.Read(s.Item2, s.p, AllForms).Accepted)
        .ToArray();

    static readonly Func<Random, byte[], byte[]>[] Kinds =
    [
        Truncate, FlipByte, FlipToAnyByte, SpliceJunk, InjectDtd, ReencodeXml, Namespace, Envelope,
    ];

    /// <summary>
    /// EDGAR's privacy-enhanced-message envelope: a seed without one is wrapped (whole, or with its blank line, END
    /// line or a header line damaged, or the BEGIN line alone); an enveloped seed gets its own envelope damaged.
    /// </summary>
    static byte[] Envelope(Random random, byte[] bytes)
    {
        if (!Testing.PemEnvelope.IsEnveloped(bytes)) return Testing.PemEnvelope.Wrap(bytes, (Testing.EnvelopeDamage)random.Next(5));
        var text = Encoding.Latin1.GetString(bytes);
        var inner = text.IndexOf("\n<", StringComparison.Ordinal) + 1;
        var end = text.LastIndexOf(Testing.PemEnvelope.End, StringComparison.Ordinal);
        var at = random.Next(0, inner);
        var damaged = random.Next(4) switch
        {
            0 => text[..at] + (char)random.Next(32, 127) + text[(at + 1)..],
            1 => text[..(inner - 1)].TrimEnd('\n') + "\n" + text[inner..],
            2 => text[..end],
            _ => text[..random.Next(end, text.Length)],
        };
        return Encoding.Latin1.GetBytes(damaged);
    }

    static byte[] Truncate(Random random, byte[] bytes) => bytes[..random.Next(0, bytes.Length)];

    static byte[] FlipByte(Random random, byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        var at = XmlRange(bytes, random);
        copy[at] = (byte)random.Next(32, 127);
        return copy;
    }

    /// <summary>Any byte value, so also bytes that are not valid UTF-8 and control characters XML forbids.</summary>
    static byte[] FlipToAnyByte(Random random, byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        copy[XmlRange(bytes, random)] = (byte)random.Next(0, 256);
        return copy;
    }

    static byte[] SpliceJunk(Random random, byte[] bytes)
    {
        var junk = new byte[random.Next(1, 40)];
        random.NextBytes(junk);
        var at = XmlRange(bytes, random);
        return [.. bytes[..at], .. junk, .. bytes[at..]];
    }

    static byte[] InjectDtd(Random random, byte[] bytes) =>
        Replace(bytes, "<ownershipDocument>", random.Next(2) == 0
            ? "<!DOCTYPE ownershipDocument [<!ENTITY e \"x\">]><ownershipDocument>"
            : "<!DOCTYPE ownershipDocument SYSTEM \"http://example.invalid/o.dtd\"><ownershipDocument>");

    /// <summary>A bare ownership document in another encoding: UTF-16 with a byte order mark, or declared ISO-8859-1 with accented names.</summary>
    static byte[] ReencodeXml(Random random, byte[] bytes)
    {
        var xml = BareXml(bytes).Replace("<rptOwnerName>", "<rptOwnerName>Müller-Ørsted ");
        xml = xml.StartsWith("<?xml", StringComparison.Ordinal) ? xml[(xml.IndexOf("?>", StringComparison.Ordinal) + 2)..] : xml;
        return random.Next(2) == 0
            ? [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + xml)]
            : Encoding.Latin1.GetBytes("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + xml);
    }

    static byte[] Namespace(Random random, byte[] bytes) => random.Next(2) == 0
        ? Replace(bytes, "<ownershipDocument>", "<ownershipDocument xmlns=\"http://www.sec.gov/edgar/ownership\">")
        : Encoding.UTF8.GetBytes(PrefixAll(BareXml(bytes)));

    static string PrefixAll(string xml) =>
        System.Text.RegularExpressions.Regex.Replace(xml, @"<(/?)([A-Za-z][\w]*)", "<$1o:$2")
            .Replace("<o:ownershipDocument>", "<o:ownershipDocument xmlns:o=\"http://www.sec.gov/edgar/ownership\">");

    static string BareXml(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var start = text.IndexOf("<XML>", StringComparison.Ordinal);
        return start < 0 ? text : text[(start + 5)..text.IndexOf("</XML>", StringComparison.Ordinal)].TrimStart();
    }

    static byte[] Replace(byte[] bytes, string what, string with) => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(bytes).Replace(what, with));

    /// <summary>An offset inside the ownership XML, where most mutations matter.</summary>
    static int XmlRange(byte[] bytes, Random random)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var start = Math.Max(0, text.IndexOf("<ownershipDocument", StringComparison.Ordinal));
        var end = text.IndexOf("</ownershipDocument>", StringComparison.Ordinal) is > 0 and var e ? e : bytes.Length;
        return random.Next(start, end);
    }

    [Fact]
    public void Mutated_filings_are_accepted_or_refused_by_both_readers_alike_with_identical_tables()
    {
        var random = new Random(2026);
        var counts = new Dictionary<string, int>();
        var disagreements = new List<string>();
        var total = 0;
        foreach (var (path, bytes) in Seeds)
        foreach (var (kind, index) in Kinds.Select((k, i) => (k, i)))
        for (var m = 0; m < MutationsPerSeedAndKind; m++)
        {
            var input = kind(random, bytes);
            total++;
            var name = $"{kind.Method.Name} #{m} of {Path.GetFileName(path)}";
            var fast = new OwnershipExtractor(FormSelection.All).Extract(input, path);
            var reference = ReferenceReader.Read(input, path, AllForms);
            var verdict = $"{kind.Method.Name}: {(fast.Succeeded ? "accepted" : "refused")} / {(reference.Accepted ? "accepted" : "refused")}";
            counts[verdict] = counts.GetValueOrDefault(verdict) + 1;
            var difference = fast.Succeeded != reference.Accepted
                ? $"{name}: extractor {(fast.Succeeded ? "accepted" : $"refused ({fast.Error!.Kind}: {fast.Error.Message})")}, reference {(reference.Accepted ? "accepted" : $"refused ({reference.Refusal})")}"
                : fast.Succeeded ? TableComparison.Difference(fast.Rows!, reference, name) : null;
            if (difference != null) disagreements.Add(difference);
        }
        output.WriteLine($"{total:N0} mutated inputs from {Seeds.Length} real filings");
        foreach (var (verdict, n) in counts.OrderBy(kv => kv.Key)) output.WriteLine($"  {verdict}: {n:N0}");
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} disagreements:\n{string.Join("\n", disagreements.Take(15))}");
    }
}
