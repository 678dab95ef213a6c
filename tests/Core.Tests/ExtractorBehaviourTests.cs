using Form3Actors.Testing;
using System.Text;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Core.Tests;

/// <summary>Schema features the real corpus lacks, on a hand-written fixture whose every value is visible in the file.</summary>
public sealed class ExtractorBehaviourTests
{
    static FilingRows ExtractFixture(out string path)
    {
        path = "edgar/data/7654321/000123456724000099/form3a.xml";
        var outcome = new OwnershipExtractor(FormSelection.Default).Extract(File.ReadAllBytes(TestData.Fixture("form3a-derivatives.xml")), path);
        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        return outcome.Rows!;
    }

    [Fact]
    public void Amendment_with_derivative_holdings_and_footnote_only_values_gives_exact_rows()
    {
        var rows = ExtractFixture(out var path);
        const string acc = "0001234567-24-000099";
        Assert.Equal(
            [acc, "2024-03-07", "2024-03-01", "2024-03-05", "0", "", "", "", "3/A", "0001234567", "Example & Sons, Inc.", "EXS",
                "Amended to add the option grant.", "", "X0609", "0", "", "", "", path],
            rows[Table.Submission].Single());
        Assert.Equal(
            [acc, "0007654321", "Doe Jane", "Officer,Other", "Chief Financial Officer", "Member of \u201CSection 13(d)\u201D group",
                "1 Main St", "Suite 5", "Springfield", "IL", "62701", "", ""],
            rows[Table.ReportingOwner].Single());
        Assert.Equal(
            [acc, "1", "Common Stock, $0.01 par <voting>", "", "", "", "", "F1", "", "", "D", "", "", ""],
            rows[Table.NonDerivHolding].Single());
        Assert.Equal(2, rows[Table.DerivHolding].Count);
        Assert.Equal(
            [acc, "1", "Stock Option (right to buy)", "", "12.50", "", "", "", "", "F2", "2034-02-28", "", "Common Stock", "",
                "10000", "F2,F3", "", "", "10000", "", "", "", "D", "", "", ""],
            rows[Table.DerivHolding][0]);
        Assert.Equal(
            [acc, "2", "Restricted Stock Units", "", "", "F4", "", "", "", "F4", "", "F4", "Common Stock", "", "", "", "2500.75", "",
                "", "", "2500.75", "", "I", "F3", "By trust", ""],
            rows[Table.DerivHolding][1]);
        Assert.Equal(["F1", "F2", "F3", "F4"], rows[Table.Footnotes].Select(r => r[1]));
        Assert.Equal("Shares held in escrow; amount to be determined.", rows[Table.Footnotes][0][2]);
        Assert.Equal(
            [[acc, "/s/ Jane Doe", "2024-03-06"], [acc, "/s/ John Roe, attorney-in-fact", "2024-03-07"]],
            rows[Table.OwnerSignature]);
        Assert.Equal([acc, path, "Doe Jane", "Officer; Other", "Example & Sons, Inc.", "0001234567", "2024-03-07"],
            rows[Table.Form3Summary].Single());
    }

    [Fact]
    public void Bare_xml_takes_its_filing_date_from_the_latest_signature()
    {
        var rows = ExtractFixture(out _);
        Assert.Equal(FilingDateSource.SignatureDate, rows.FilingDateSource);
        Assert.Equal("2024-03-07", rows[Table.Submission][0][1]);
    }

    [Fact]
    public void Extraction_is_deterministic()
    {
        var bytes = File.ReadAllBytes(TestData.Fixture("form3a-derivatives.xml"));
        var extractor = new OwnershipExtractor(FormSelection.Default);
        var first = extractor.Extract(bytes, "a.xml").Rows!;
        extractor.Extract(File.ReadAllBytes(TestData.Real("form3-SNOW-berkshire-buffett-jointfilers.xml")), "b.xml");
        var second = extractor.Extract(bytes, "a.xml").Rows!;
        foreach (var table in TableSchema.All) Assert.Equal(first[table], second[table]);
    }

    [Theory]
    [InlineData("edgar/data/1656998/0000950103-24-000077.txt", "0000950103-24-000077")]
    [InlineData("edgar/data/1656998/000095010324000077/primary_doc.xml", "0000950103-24-000077")]
    [InlineData("/mirror/wf-form3_1.xml", "wf-form3_1")]
    public void Accession_of_a_bare_xml_file_comes_from_its_path(string path, string expected) =>
        Assert.Equal(expected, OwnershipExtractor.AccessionFromPath(path));

    [Theory]
    [InlineData("320193", "0000320193")]
    [InlineData("0000320193", "0000320193")]
    [InlineData("", "")]
    [InlineData("12A", "12A")]
    public void Ciks_are_zero_padded_to_ten_digits(string input, string expected) => Assert.Equal(expected, OwnershipExtractor.Cik(input));

    [Fact]
    public void Namespaced_elements_are_matched_by_local_name()
    {
        var xml = "<o:ownershipDocument xmlns:o=\"urn:x\"><o:documentType>3</o:documentType><o:issuer><o:issuerCik>42</o:issuerCik></o:issuer></o:ownershipDocument>";
        var outcome = new OwnershipExtractor(FormSelection.Default).Extract(Encoding.UTF8.GetBytes(xml), "ns.xml");
        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        Assert.Equal("0000000042", outcome.Rows![Table.Submission][0][9]);
    }

    [Fact]
    public void Latin1_declared_xml_is_transcoded()
    {
        var xml = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><ownershipDocument><documentType>3</documentType><issuer><issuerName>Caf\u00e9 SA</issuerName></issuer></ownershipDocument>";
        var outcome = new OwnershipExtractor(FormSelection.Default).Extract(Encoding.Latin1.GetBytes(xml), "latin1.xml");
        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        Assert.Equal("Caf\u00e9 SA", outcome.Rows![Table.Submission][0][10]);
    }
}
