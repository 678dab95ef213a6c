using System.Globalization;
using System.Text.RegularExpressions;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Tests.Reference;
using Form3Actors.Testing;
using Sylvan.Data.Csv;

namespace Form3Actors.Core.Tests;

/// <summary>
/// The 78 real Forms 4, 4/A and 5 of tests/data/form45-filings (2010-2025, schemas X0303 to X0508, full submissions,
/// an .nc file and bare XML; see PROVENANCE.csv): goldens for every cell of every table (<see cref="GoldenTables"/>),
/// the reference reader cell for cell, and what PROVENANCE.csv's notes say of each filing, written down when the
/// filings were collected: its row counts, transaction codes, owners, schema and flags.
/// </summary>
public sealed partial class Form45RealFilingsTests
{
    static readonly string Folder = Path.Combine(TestData.RepoRoot, "tests", "data", "form45-filings");

    static readonly IReadOnlyDictionary<string, Provenance> Filings = ReadProvenance();

    static readonly GoldenTables Set = new(Folder, [.. Filings.Keys.Order(StringComparer.Ordinal)], FormSelection.All);

    /// <summary>One line of PROVENANCE.csv: the filing's form type, accession number, and the notes on its content.</summary>
    sealed record Provenance(string FormType, string Accession, string Notes);

    static Dictionary<string, Provenance> ReadProvenance()
    {
        using var csv = CsvDataReader.Create(Path.Combine(Folder, "PROVENANCE.csv"));
        var filings = new Dictionary<string, Provenance>();
        while (csv.Read())
            filings[csv.GetString(csv.GetOrdinal("file"))] = new Provenance(csv.GetString(csv.GetOrdinal("form_type")),
                csv.GetString(csv.GetOrdinal("accession_if_known")), csv.GetString(csv.GetOrdinal("notes")));
        return filings;
    }

    public static TheoryData<string> Files => [.. Filings.Keys.Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_filing_has_the_rows_its_provenance_notes_and_the_reference_reader_agrees_cell_for_cell(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, file));
        var outcome = new OwnershipExtractor(FormSelection.All).Extract(bytes, file);
        Assert.True(outcome.Succeeded, $"{file}: {outcome.Error}");
        var rows = outcome.Rows!;
        var notes = Filings[file].Notes;

        var counts = Counts().Match(notes);
        Assert.True(counts.Success, $"{file}: no row counts in its notes");
        int Count(string group) => int.Parse(counts.Groups[group].Value, CultureInfo.InvariantCulture);
        Assert.Equal((Count("ndt"), Count("dt"), Count("ndh"), Count("dh"), Count("fn")),
            (rows[Table.NonDerivTrans].Count, rows[Table.DerivTrans].Count, rows[Table.NonDerivHolding].Count, rows[Table.DerivHolding].Count, rows[Table.Footnotes].Count));
        string Codes(Table table) => string.Join(",", rows[table].Select(r => r[Column(table, "TRANS_CODE")]).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(counts.Groups["ndcodes"].Value, Codes(Table.NonDerivTrans));
        Assert.Equal(counts.Groups["dcodes"].Value, Codes(Table.DerivTrans));

        var submission = Assert.Single(rows[Table.Submission]);
        string Cell(string column) => submission[Column(Table.Submission, column)];
        Assert.Equal(Filings[file].FormType, Cell("DOCUMENT_TYPE"));
        if (Filings[file].Accession.Length > 0) Assert.Equal(Filings[file].Accession, Cell("ACCESSION_NUMBER"));
        Assert.Equal(Schema().Match(notes).Value, Cell("SCHEMA_VERSION"));
        if (Issuer().Match(notes) is { Success: true } issuer)
            Assert.Equal((issuer.Groups["symbol"].Value, issuer.Groups["name"].Value), (Cell("ISSUERTRADINGSYMBOL"), Cell("ISSUERNAME")));
        if (Owner().Match(notes) is { Success: true } owner)
        {
            Assert.Equal(owner.Groups["name"].Value, rows[Table.ReportingOwner][0][Column(Table.ReportingOwner, "RPTOWNERNAME")]);
            Assert.Equal(1 + (owner.Groups["joint"].Success ? int.Parse(owner.Groups["joint"].Value, CultureInfo.InvariantCulture) : 0), rows[Table.ReportingOwner].Count);
        }
        if (Flag("aff10b5One").Match(notes) is { Success: true } aff) Assert.Equal(aff.Groups[1].Value, Cell("AFF10B5ONE"));
        if (Flag("notSubjectToSection16").Match(notes) is { Success: true } sec16) Assert.Equal(sec16.Groups[1].Value, Cell("NOT_SUBJECT_SEC16"));
        if (OriginalSubmission().Match(notes) is { Success: true } original) Assert.Equal(original.Groups[1].Value, Cell("DATE_OF_ORIG_SUB"));
        if (notes.Contains("; remarks", StringComparison.Ordinal)) Assert.NotEqual("", Cell("REMARKS"));
        if (Timeliness().Match(notes) is { Success: true } timeliness)
            Assert.Contains(rows[Table.NonDerivTrans].Concat(rows[Table.DerivTrans]), r => r[Column(Table.NonDerivTrans, "TRANS_TIMELINESS")] == timeliness.Groups[1].Value
                || r.Length == TableSchema.Columns(Table.DerivTrans).Count && r[Column(Table.DerivTrans, "TRANS_TIMELINESS")] == timeliness.Groups[1].Value);
        Assert.Empty(rows[Table.Form3Summary]); // the summary is of Form 3 filings only

        Assert.Null(TableComparison.Difference(bytes, file, FormSelection.All));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void A_run_that_takes_form_3_only_refuses_each_with_the_option_that_would_take_it(string file)
    {
        var outcome = new OwnershipExtractor(FormSelection.Default).Extract(File.ReadAllBytes(Path.Combine(Folder, file)), file);
        Assert.Equal(ErrorKind.FormNotSelected, outcome.Error?.Kind);
        Assert.EndsWith("which this run does not take (forms 3); give --forms 3,4,5 to take it", outcome.Error!.Message);
    }

    [Fact]
    public void The_reference_reader_reproduces_the_stored_goldens()
    {
        var reference = Set.ReferenceWritingIfAsked();
        GoldenTables.AssertSame(Set.Stored(), reference, "reference reader");
    }

    [Fact]
    public void Every_cell_of_every_table_of_the_78_filings_matches_the_goldens()
    {
        Assert.Equal(78, Set.Files.Count);
        var stored = Set.Stored();
        Assert.Equal(78, stored["SUBMISSION"].Count);
        GoldenTables.AssertSame(stored, Set.FromExtractor(), "extractor");
    }

    [Fact]
    public void The_goldens_hold_what_the_documents_say()
    {
        // Cells typed from the documents themselves, to check the reference reader that wrote the goldens.
        var g = Set.Stored();
        string[] Row(string table, string accession, int nth = 0) => g[table].Where(r => r[0] == accession).ElementAt(nth);
        // Apple, Chris Kondo (2019): an early-reported gift (Form 5 transaction, timeliness E), then shares withheld for
        // tax (F) after a vesting (M) of restricted stock units on Table II.
        Assert.Equal(
            ["1", "Common Stock", "", "2019-02-19", "", "", "", "5", "G", "0", "", "E", "", "471", "", "0", "", "D", "", "8469", "", "", "", "D", "", "", ""],
            Row("NONDERIV_TRANS", "0000320193-19-000059")[1..]);
        Assert.Equal(["6917", "", "", "F1", "A", "", "15501", "F2"], Row("NONDERIV_TRANS", "0000320193-19-000059", 1)[14..22]); // a price given only as a footnote
        Assert.Equal(
            ["3", "Common Stock", "F3", "2019-04-15", "", "", "", "4", "F", "0", "", "", "", "2587", "", "199.23", "", "D", "", "12914", "", "", "", "D", "", "", ""],
            Row("NONDERIV_TRANS", "0000320193-19-000059", 2)[1..]);
        Assert.Equal(
        [
            "Restricted Stock Unit", "", "", "F1", "2019-04-15", "", "", "", "4", "M", "0", "", "", "", "2144", "", "", "", "", "F1", "D", "",
            "", "F4", "", "F4", "Common Stock", "", "2144.0", "", "", "", "2144", "", "", "", "D", "", "", "",
        ], Row("DERIV_TRANS", "0000320193-19-000059")[2..]);
    }

    static int Column(Table table, string name) => TableSchema.Columns(table).ToList().IndexOf(name) is >= 0 and var i ? i : throw new ArgumentException(name);

    [GeneratedRegex(@"(?<ndt>\d+) nonDerivTrans(?: \((?<ndcodes>[^)]*)\))? \+ (?<dt>\d+) derivTrans(?: \((?<dcodes>[^)]*)\))? \+ (?<ndh>\d+) nonDerivHoldings \+ (?<dh>\d+) derivHoldings; (?<fn>\d+) footnotes?")]
    private static partial Regex Counts();

    [GeneratedRegex(@"\bX\d{4}\b")]
    private static partial Regex Schema();

    [GeneratedRegex(@"(?:^|; )(?<symbol>[A-Z.]+) issuer \((?<name>[^)]*)\)")]
    private static partial Regex Issuer();

    [GeneratedRegex(@"; owner (?<name>.+?)(?: \(\+(?<joint>\d+) joint filers?\))?;")]
    private static partial Regex Owner();

    static Regex Flag(string element) => new($@"\b{element}=(\d)");

    [GeneratedRegex(@"dateOfOriginalSubmission (\d{4}-\d{2}-\d{2})")]
    private static partial Regex OriginalSubmission();

    [GeneratedRegex(@"transactionTimeliness ([EL])")]
    private static partial Regex Timeliness();
}
