using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Tests.Reference;
using Form3Actors.Testing;
using Sylvan.Data.Csv;

namespace Form3Actors.Core.Tests;

/// <summary>
/// Sixteen real Forms 4 of 2010-2011 (tests/data/older-filings; see its README and PROVENANCE.csv): six full
/// submissions in EDGAR's privacy-enhanced-message envelope, eight plain ones of 2011 (schemas X0303 and X0304) and
/// two bare XML documents. Goldens for every cell of every table, written by the reference reader; the envelope read
/// like any other wrapping, whole or damaged.
/// </summary>
public sealed class OlderFilingsTests
{
    static readonly string Folder = Path.Combine(TestData.RepoRoot, "tests", "data", "older-filings");

    /// <summary>One line of PROVENANCE.csv.</summary>
    sealed record Provenance(string Kind, string FormType, string Schema, string FiledDate);

    static readonly IReadOnlyDictionary<string, Provenance> Filings = ReadProvenance();

    static readonly GoldenTables Set = new(Folder, [.. Filings.Keys.Order(StringComparer.Ordinal)], FormSelection.All);

    static Dictionary<string, Provenance> ReadProvenance()
    {
        using var csv = CsvDataReader.Create(Path.Combine(Folder, "PROVENANCE.csv"));
        var filings = new Dictionary<string, Provenance>();
        while (csv.Read())
            filings[csv.GetString(csv.GetOrdinal("file"))] = new Provenance(csv.GetString(csv.GetOrdinal("kind")), csv.GetString(csv.GetOrdinal("form_type")),
                csv.GetString(csv.GetOrdinal("schema_version")), csv.GetString(csv.GetOrdinal("filed_date")));
        return filings;
    }

    public static TheoryData<string> Files => [.. Filings.Keys.Order(StringComparer.Ordinal)];

    public static TheoryData<string> Enveloped => [.. OfKind("full_submission_pem")];

    public static TheoryData<string> PlainSubmissions => [.. OfKind("full_submission")];

    static List<string> OfKind(string kind) => [.. Filings.Where(f => f.Value.Kind == kind).Select(f => f.Key).Order(StringComparer.Ordinal)];

    [Fact]
    public void The_folder_holds_six_enveloped_eight_plain_and_two_bare_filings()
    {
        Assert.Equal(16, Filings.Count);
        Assert.Equal(6, OfKind("full_submission_pem").Count);
        Assert.Equal(8, OfKind("full_submission").Count);
        foreach (var file in OfKind("full_submission_pem")) Assert.True(PemEnvelope.IsEnveloped(Bytes(file)), file);
        foreach (var file in OfKind("full_submission")) Assert.False(PemEnvelope.IsEnveloped(Bytes(file)), file);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_filing_is_read_as_its_provenance_says_and_the_reference_reader_agrees_cell_for_cell(string file)
    {
        var bytes = Bytes(file);
        var outcome = new OwnershipExtractor(FormSelection.All).Extract(bytes, file);
        Assert.True(outcome.Succeeded, $"{file}: {outcome.Error}");
        var submission = Assert.Single(outcome.Rows![Table.Submission]);
        string Cell(string column) => submission[TableSchema.Columns(Table.Submission).ToList().IndexOf(column)];
        var provenance = Filings[file];
        Assert.Equal(provenance.FormType, Cell("DOCUMENT_TYPE"));
        Assert.Equal(provenance.Schema, Cell("SCHEMA_VERSION"));
        Assert.Equal(Path.GetFileNameWithoutExtension(file), Cell("ACCESSION_NUMBER"));
        if (provenance.Kind != "bare_xml")
        {
            Assert.Equal($"{provenance.FiledDate[..4]}-{provenance.FiledDate[4..6]}-{provenance.FiledDate[6..]}", Cell("FILING_DATE"));
            Assert.Equal(FilingDateSource.SecHeader, outcome.Rows.FilingDateSource);
            Assert.NotEqual("", Cell("ACCEPTANCE_DATETIME"));
        }
        Assert.NotEmpty(outcome.Rows[Table.ReportingOwner]);
        Assert.NotEmpty(outcome.Rows[Table.NonDerivTrans].Concat(outcome.Rows[Table.DerivTrans]));
        Assert.Null(TableComparison.Difference(bytes, file, FormSelection.All));
    }

    [Theory]
    [MemberData(nameof(Enveloped))]
    public void An_enveloped_filing_gives_the_rows_of_the_same_submission_without_its_envelope(string file)
    {
        var enveloped = Bytes(file);
        var plain = PemEnvelope.Unwrap(enveloped);
        Assert.StartsWith("<SEC-DOCUMENT>", Encoding.Latin1.GetString(plain));
        AssertSameRows(Extract(plain, file), Extract(enveloped, file), file);
    }

    [Theory]
    [MemberData(nameof(PlainSubmissions))]
    public void A_plain_submission_wrapped_in_an_envelope_whole_or_damaged_gives_the_same_rows(string file)
    {
        var plain = Bytes(file);
        var expected = Extract(plain, file);
        foreach (var damage in new[] { EnvelopeDamage.None, EnvelopeDamage.NoBlankLine, EnvelopeDamage.NoEndLine, EnvelopeDamage.MangledHeaderLine })
        {
            var wrapped = PemEnvelope.Wrap(plain, damage);
            AssertSameRows(expected, Extract(wrapped, file), $"{file} ({damage})");
            Assert.Null(TableComparison.Difference(wrapped, file, FormSelection.All));
        }
    }

    [Fact]
    public void An_envelope_without_a_whole_submission_is_a_clear_error_row()
    {
        var plain = Bytes(OfKind("full_submission")[0]);
        var extractor = new OwnershipExtractor(FormSelection.All);

        var beginOnly = extractor.Extract(PemEnvelope.Wrap(plain, EnvelopeDamage.BeginLineOnly), "begin-only.txt");
        Assert.Equal((Stage.Envelope, ErrorKind.Truncated), (beginOnly.Error?.Stage, beginOnly.Error?.Kind));
        Assert.Contains("privacy-enhanced-message envelope", beginOnly.Error!.Message);

        var text = Encoding.Latin1.GetString(PemEnvelope.Wrap(plain));
        var cut = extractor.Extract(Encoding.Latin1.GetBytes(text[..text.IndexOf("</DOCUMENT>", StringComparison.Ordinal)]), "cut.txt");
        Assert.Equal((Stage.Envelope, ErrorKind.Truncated), (cut.Error?.Stage, cut.Error?.Kind));

        var notSubmission = extractor.Extract(PemEnvelope.Wrap("<html><body>moved</body></html>\n"u8.ToArray()), "html.txt");
        Assert.Equal((Stage.Envelope, ErrorKind.Unrecognized), (notSubmission.Error?.Stage, notSubmission.Error?.Kind));
        Assert.Contains("holds no EDGAR submission", notSubmission.Error!.Message);

        foreach (var refused in new[] { PemEnvelope.Wrap(plain, EnvelopeDamage.BeginLineOnly), Encoding.Latin1.GetBytes(text[..text.IndexOf("</DOCUMENT>", StringComparison.Ordinal)]) })
            Assert.Null(TableComparison.Difference(refused, "damaged.txt", FormSelection.All));
    }

    [Fact]
    public void The_reference_reader_reproduces_the_stored_goldens()
    {
        var reference = Set.ReferenceWritingIfAsked();
        GoldenTables.AssertSame(Set.Stored(), reference, "reference reader");
    }

    [Fact]
    public void Every_cell_of_every_table_of_the_16_filings_matches_the_goldens()
    {
        var stored = Set.Stored();
        Assert.Equal(16, stored["SUBMISSION"].Count);
        GoldenTables.AssertSame(stored, Set.FromExtractor(), "extractor");
    }

    [Fact]
    public void The_goldens_hold_what_the_documents_say()
    {
        // Typed from the enveloped Apple filing of 2010-01-06: Bertrand Serlet sells 10,000 shares under a 10b5-1 plan.
        var g = Set.Stored();
        Assert.Equal(
            ["1", "Common Stock", "F1", "2010-01-04", "", "", "", "4", "S", "0", "", "", "", "10000", "", "213.55", "", "D", "", "120781", "", "", "", "D", "", "", ""],
            g["NONDERIV_TRANS"].Single(r => r[0] == "0001181431-10-001904")[1..]);
        var submission = g["SUBMISSION"].Single(r => r[0] == "0001181431-10-001904");
        Assert.Equal(["0001181431-10-001904", "2010-01-06", "2010-01-04"], submission[..3]);
        Assert.Equal(["4", "0000320193", "APPLE INC", "AAPL"], submission[8..12]);
        Assert.Equal("2010-01-06T17:29:05", submission[TableSchema.Columns(Table.Submission).ToList().IndexOf("ACCEPTANCE_DATETIME")]);
        var owner = g["REPORTINGOWNER"].Single(r => r[0] == "0001181431-10-001904");
        Assert.Equal(["0001252200", "SERLET BERTRAND", "Officer", "Senior Vice President"], owner[1..5]);
    }

    static byte[] Bytes(string file) => File.ReadAllBytes(Path.Combine(Folder, file));

    static FilingRows Extract(byte[] bytes, string file)
    {
        var outcome = new OwnershipExtractor(FormSelection.All).Extract(bytes, file);
        Assert.True(outcome.Succeeded, $"{file}: {outcome.Error}");
        return outcome.Rows!;
    }

    static void AssertSameRows(FilingRows expected, FilingRows actual, string what)
    {
        foreach (var table in TableSchema.All)
            Assert.True(expected[table].Select(r => string.Join('\u001f', r)).SequenceEqual(actual[table].Select(r => string.Join('\u001f', r))), $"{what}: {table} differs");
    }
}
