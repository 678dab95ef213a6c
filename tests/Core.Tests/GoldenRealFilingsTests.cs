using Form3Actors.Testing;
using System.Text;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Core.Tests;

/// <summary>
/// Every real filing in tests/data/real (copied from the shared corpus) with the value of every cell, each typed
/// here from the document itself, never from the extractor's output. Filings that are not Form 3 are checked for
/// their exact error; "derived" cases take a real filing and change only its form type to 3, so that the
/// full-submission paths (classic header, tagged .nc header, legacy header-only) are checked on real text.
/// </summary>
public sealed class GoldenRealFilingsTests
{
    static ExtractionOutcome Extract(string path) => new OwnershipExtractor(FormSelection.Default).Extract(File.ReadAllBytes(path), path);

    static ExtractionOutcome ExtractText(string text, string path) => new OwnershipExtractor(FormSelection.Default).Extract(Encoding.Latin1.GetBytes(text), path);

    static FilingRows Rows(ExtractionOutcome outcome)
    {
        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        return outcome.Rows!;
    }

    static void AssertTable(FilingRows rows, Table table, params string[][] expected)
    {
        var actual = rows[table];
        Assert.Equal(expected.Length, actual.Count);
        for (var r = 0; r < expected.Length; r++)
        {
            Assert.Equal(TableSchema.Columns(table).Count, expected[r].Length);
            for (var c = 0; c < expected[r].Length; c++)
                Assert.True(expected[r][c] == actual[r][c],
                    $"{table} row {r + 1} {TableSchema.Columns(table)[c]}: expected '{expected[r][c]}', got '{actual[r][c]}'");
        }
    }

    [Fact]
    public void Every_file_in_the_corpus_manifest_has_an_expectation_here()
    {
        var listed = File.ReadAllLines(TestData.Real("MANIFEST.csv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[0]).ToHashSet();
        var covered = ExpectedErrors.Select(e => (string)e[0]).Where(f => f != "MANIFEST.csv").Concat(["form3-SNOW-berkshire-buffett-jointfilers.xml", "form3-SPWR-hegde-vinayak-nosecurities.xml"]).ToHashSet();
        Assert.Equal(listed.OrderBy(x => x), covered.OrderBy(x => x));
    }

    [Fact]
    public void Joint_filing_by_Berkshire_and_Buffett_gives_exact_rows()
    {
        var path = TestData.Real("form3-SNOW-berkshire-buffett-jointfilers.xml");
        var rows = Rows(Extract(path));
        const string acc = "form3-SNOW-berkshire-buffett-jointfilers";
        Assert.Equal(FilingDateSource.SignatureDate, rows.FilingDateSource);
        AssertTable(rows, Table.Submission,
            [acc, "2020-09-28", "2020-09-18", "", "0", "", "", "", "3", "0001640147", "Snowflake Inc.", "SNOW", "", "", "X0206", "0", "", "", "", path]);
        AssertTable(rows, Table.ReportingOwner,
            [acc, "0001067983", "BERKSHIRE HATHAWAY INC", "TenPercentOwner", "", "", "3555 FARNAM STREET", "", "OMAHA", "NE", "68131", "", ""],
            [acc, "0000315090", "BUFFETT WARREN E", "TenPercentOwner", "", "", "3555 FARNAM STREET", "", "OMAHA", "NE", "68131", "", ""]);
        AssertTable(rows, Table.NonDerivHolding,
            [acc, "1", "Class A Common Stock", "", "", "", "6125376", "", "", "", "I", "", "See footnote", "F1"]);
        AssertTable(rows, Table.DerivHolding);
        AssertTable(rows, Table.Footnotes,
            [acc, "F1", "The reported securities are owned directly by Columbia Insurance Company, a subsidiary of Berkshire Hathaway Inc. (\"Berkshire\"). "
                + "As Berkshire is in the chain of ownership of such subsidiary listed above, it may be deemed presently to both beneficially own and "
                + "have a pecuniary interest in all shares of Common Stock presently directly owned by such subsidiary. Warren E. Buffett, as the "
                + "controlling stockholder of Berkshire, may be deemed presently to beneficially own, but only to the extent he has a pecuniary "
                + "interest in, the shares of Common Stock presently owned by such subsidiary. Mr. Buffett disclaims beneficial ownership of the "
                + "reported securities except to the extent of his pecuniary interest therein."]);
        AssertTable(rows, Table.OwnerSignature,
            [acc, "/s/ Warren E. Buffett, on behalf of himself and each other reporting person hereunder", "2020-09-28"]);
        AssertTable(rows, Table.Form3Summary,
            [acc, path, "BERKSHIRE HATHAWAY INC", "10% Owner", "Snowflake Inc.", "0001640147", "2020-09-28"],
            [acc, path, "BUFFETT WARREN E", "10% Owner", "Snowflake Inc.", "0001640147", "2020-09-28"]);
    }

    [Fact]
    public void Director_with_no_securities_owned_gives_exact_rows()
    {
        var path = TestData.Real("form3-SPWR-hegde-vinayak-nosecurities.xml");
        var rows = Rows(Extract(path));
        const string acc = "form3-SPWR-hegde-vinayak-nosecurities";
        AssertTable(rows, Table.Submission,
            [acc, "2022-01-07", "2021-12-31", "", "1", "", "", "", "3", "0000867773", "SUNPOWER CORP", "SPWR", "Exhibit 24.1 - Power of Attorney", "", "X0206", "0", "", "", "", path]);
        AssertTable(rows, Table.ReportingOwner,
            [acc, "0001698764", "Hegde Vinayak", "Director", "", "", "51 RIO ROBLES", "", "SAN JOSE", "CA", "95134", "", ""]);
        AssertTable(rows, Table.NonDerivHolding);
        AssertTable(rows, Table.DerivHolding);
        AssertTable(rows, Table.Footnotes);
        AssertTable(rows, Table.OwnerSignature, [acc, "/s/ Lauren Walz, as attorney-in-fact for Vinayak Hegde", "2022-01-07"]);
        AssertTable(rows, Table.Form3Summary, [acc, path, "Hegde Vinayak", "Director", "SUNPOWER CORP", "0000867773", "2022-01-07"]);
    }

    public static readonly TheoryData<string, string, string, string> ExpectedErrors = new()
    {
        { "0000707549-25-000004.txt", Stage.Envelope, ErrorKind.FormNotSelected, "a Form 4/A, which this run does not take (forms 3); give --forms 3,4,5 to take it" },
        { "0000842517-24-000086.txt", Stage.Envelope, ErrorKind.FormNotSelected, "a Form 4, which this run does not take (forms 3); give --forms 3,4,5 to take it" },
        { "0001012325-98-000004.hdr.txt", Stage.Envelope, ErrorKind.FormNotSelected, "a Form 4, which this run does not take (forms 3); give --forms 3,4,5 to take it" },
        { "0001127602-25-001055.txt", Stage.Envelope, ErrorKind.FormNotSelected, "a Form 4, which this run does not take (forms 3); give --forms 3,4,5 to take it" },
        { "0001127602-25-004598.nc", Stage.Envelope, ErrorKind.FormNotSelected, "a Form 4, which this run does not take (forms 3); give --forms 3,4,5 to take it" },
        { "form4-SCWO-melkote-rajesh.xml", Stage.Extract, ErrorKind.FormNotSelected, "a Form 4, which this run does not take (forms 3); give --forms 3,4,5 to take it" },
        { "form4-SNOW-scarpelli-michael.xml", Stage.Extract, ErrorKind.FormNotSelected, "a Form 4, which this run does not take (forms 3); give --forms 3,4,5 to take it" },
        { "form5-SNOW-mcmahon-john.xml", Stage.Extract, ErrorKind.FormNotSelected, "a Form 5, which this run does not take (forms 3); give --forms 3,4,5 to take it" },
        { "form.20200318.idx.form3-excerpt", Stage.Envelope, ErrorKind.Unrecognized,
            "neither an EDGAR submission (<SEC-DOCUMENT> or <SUBMISSION>) nor ownership XML (<ownershipDocument>); starts with 'Description:           D'" },
        { "company.20221003.idx.form3-excerpt", Stage.Envelope, ErrorKind.Unrecognized,
            "neither an EDGAR submission (<SEC-DOCUMENT> or <SUBMISSION>) nor ownership XML (<ownershipDocument>); starts with 'Description:           D'" },
        { "MANIFEST.csv", Stage.Envelope, ErrorKind.Unrecognized,
            "neither an EDGAR submission (<SEC-DOCUMENT> or <SUBMISSION>) nor ownership XML (<ownershipDocument>); starts with 'file,form_type,source_re'" },
    };

    [Theory]
    [MemberData(nameof(ExpectedErrors))]
    public void Real_files_that_are_not_Form_3_give_one_exact_error(string file, string stage, string kind, string message)
    {
        var outcome = Extract(TestData.Real(file));
        Assert.False(outcome.Succeeded);
        Assert.Equal(new ExtractionError(stage, kind, message), outcome.Error);
    }

    [Fact]
    public void Derived_classic_submission_takes_accession_date_and_file_number_from_the_header()
    {
        var path = "edgar/data/842517/0000842517-24-000086.txt";
        var text = File.ReadAllText(TestData.Real("0000842517-24-000086.txt"), Encoding.Latin1)
            .Replace("CONFORMED SUBMISSION TYPE:\t4", "CONFORMED SUBMISSION TYPE:\t3")
            .Replace("<TYPE>4\n", "<TYPE>3\n")
            .Replace("<documentType>4</documentType>", "<documentType>3</documentType>");
        var rows = Rows(ExtractText(text, path));
        const string acc = "0000842517-24-000086";
        Assert.Equal(FilingDateSource.SecHeader, rows.FilingDateSource);
        AssertTable(rows, Table.Submission,
            [acc, "2024-05-01", "2024-04-29", "", "", "0", "", "", "3", "0000842517", "ISABELLA BANK Corp", "ISBA", "", "0", "X0508", "0", "2024-05-01T13:07:22", "1", "6022", path]);
        AssertTable(rows, Table.ReportingOwner,
            [acc, "0001849440", "McGuirk Richard L", "Director", "", "", "770 STONERIDGE DR.", "", "MT. PLEASANT", "MI", "48858", "", "000-18415"]);
        AssertTable(rows, Table.NonDerivHolding,
            [acc, "1", "common", "", "", "", "2170.3157", "F1", "", "", "I", "", "Held by minor child", ""],
            [acc, "2", "common", "", "", "", "383262.5326", "F1", "", "", "I", "", "Held by LLC", ""]);
        AssertTable(rows, Table.DerivHolding);
        AssertTable(rows, Table.Footnotes, [acc, "F1", "Includes shares acquired through quarterly dividend reinvestment."]);
        AssertTable(rows, Table.OwnerSignature, [acc, "/s/ Jennifer L. Gill, By Power of Attorney", "2024-05-01"]);
        AssertTable(rows, Table.Form3Summary, [acc, path, "McGuirk Richard L", "Director", "ISABELLA BANK Corp", "0000842517", "2024-05-01"]);
    }

    [Fact]
    public void Derived_tagged_nc_submission_with_CR_line_ends_gives_exact_rows()
    {
        var path = "0001127602-25-004598.nc";
        var text = File.ReadAllText(TestData.Real(path), Encoding.Latin1)
            .Replace("<TYPE>4\r", "<TYPE>3\r")
            .Replace("<FORM-TYPE>4\r", "<FORM-TYPE>3\r")
            .Replace("<documentType>4</documentType>", "<documentType>3</documentType>");
        var rows = Rows(ExtractText(text, path));
        const string acc = "0001127602-25-004598";
        AssertTable(rows, Table.Submission,
            [acc, "2025-02-13", "2025-02-12", "", "", "", "", "", "3", "0000007536", "ARROW ELECTRONICS, INC.", "ARW", "", "0", "X0508", "0", "", "1", "5065", path]);
        AssertTable(rows, Table.ReportingOwner,
            [acc, "0001870985", "Jean-Claude Carine Lamercie", "Officer", "SVP, CLO & Secretary", "", "C/O ARROW ELECTRONICS, INC.",
                "9151 EAST PANORAMA CIRCLE", "CENTENNIAL", "CO", "80112", "", "001-04482"]);
        AssertTable(rows, Table.NonDerivHolding);
        AssertTable(rows, Table.Footnotes,
            [acc, "F1", "Represents Common Stock earned from the vesting and settlement of a Performance Stock Unit (\"PSU\") grant made on "
                + "February 16, 2022, which grant was subject to a three-year performance period. The Company's PSUs settle, if earned over the "
                + "related performance period, on a one-for-one basis in the Company's Common Stock."],
            [acc, "F2", "Represents shares withheld to satisfy tax withholding obligations upon the vesting of the above-described PSUs."]);
        AssertTable(rows, Table.OwnerSignature, [acc, "/s/ Nicholas De La Cruz, Attorney-in-Fact", "2025-02-13"]);
        AssertTable(rows, Table.Form3Summary,
            [acc, path, "Jean-Claude Carine Lamercie", "Officer", "ARROW ELECTRONICS, INC.", "0000007536", "2025-02-13"]);
    }

    [Fact]
    public void Derived_legacy_filing_without_xml_gives_header_only_rows()
    {
        var path = "edgar/data/1035972/0001012325-98-000004.txt";
        var text = File.ReadAllText(TestData.Real("0001012325-98-000004.hdr.txt"), Encoding.Latin1)
            .Replace("CONFORMED SUBMISSION TYPE:\t4", "CONFORMED SUBMISSION TYPE:\t3");
        var rows = Rows(ExtractText(text, path));
        const string acc = "0001012325-98-000004";
        AssertTable(rows, Table.Submission,
            [acc, "1998-11-20", "1998-10-31", "", "", "", "", "", "3", "0001035972", "MORTON INTERNATIONAL INC /IN/", "", "", "", "", "1", "", "1", "2890", path]);
        AssertTable(rows, Table.ReportingOwner,
            [acc, "0001012325", "CANTALUPO JAMES R", "Director", "", "", "100 NORTH RIVERSIDE PLAZA", "", "CHICAGO", "IL", "60606", "", ""]);
        AssertTable(rows, Table.NonDerivHolding);
        AssertTable(rows, Table.Footnotes);
        AssertTable(rows, Table.OwnerSignature);
        AssertTable(rows, Table.Form3Summary,
            [acc, path, "CANTALUPO JAMES R", "Director", "MORTON INTERNATIONAL INC /IN/", "0001035972", "1998-11-20"]);
    }

    [Fact]
    public void Classic_header_of_a_real_amendment_is_read_field_by_field()
    {
        var text = File.ReadAllText(TestData.Real("0000707549-25-000004.txt"), Encoding.Latin1);
        var header = SecHeaderParser.ParseClassic(text.AsSpan(0, text.IndexOf("</SEC-HEADER>", StringComparison.Ordinal)));
        Assert.Equal("0000707549-25-000004", header.AccessionNumber);
        Assert.Equal("4/A", header.SubmissionType);
        Assert.Equal("20250121", header.FiledAsOf);
        Assert.Equal("20241104", header.PeriodOfReport);
        Assert.Equal("LAM RESEARCH CORP", header.Issuer!.Name);
        Assert.Equal("0000707549", header.Issuer.Cik);
        Assert.Equal("4650 CUSHING BLVD", header.Issuer.Business.Street1);
        var owner = Assert.Single(header.ReportingOwners);
        Assert.Equal("Ahmed Sohail U", owner.Name);
        Assert.Equal("0001779037", owner.Cik);
        Assert.Equal("000-12933", owner.FileNumber);
        Assert.Equal(("4650 CUSHING PARKWAY", "FREMONT", "CA", "94538"), (owner.Address.Street1, owner.Address.City, owner.Address.State, owner.Address.Zip));
    }
}
