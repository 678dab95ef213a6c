using System.Text;
using System.Text.RegularExpressions;

namespace Form3Actors.Core.Extraction;

/// <summary>The result of extracting one filing: its rows, or the reason it has none.</summary>
public readonly record struct ExtractionOutcome(FilingRows? Rows, ExtractionError? Error)
{
    public bool Succeeded => Rows != null;
}

/// <summary>
/// Turns the bytes of one ownership filing (Form 3, 4 or 5, or an amendment) into rows of the research tables (the
/// README's data dictionary). Deterministic: the same bytes and path always give the same rows.
/// </summary>
/// <remarks>Not thread-safe: it reuses one parse tree. Give each worker its own instance.</remarks>
public sealed partial class OwnershipExtractor(FormSelection forms)
{
    readonly XmlTree _tree = new();

    /// <summary>The forms this extractor takes; a filing of another form comes back as an error.</summary>
    public FormSelection Forms => forms;

    /// <summary>Extracts rows; never throws for bad input, which comes back as an <see cref="ExtractionError"/>.</summary>
    public ExtractionOutcome Extract(ReadOnlyMemory<byte> file, string sourcePath)
    {
        try
        {
            return new ExtractionOutcome(ExtractOrThrow(file, sourcePath), null);
        }
        catch (BadFilingException bad)
        {
            return new ExtractionOutcome(null, bad.Error);
        }
    }

    FilingRows ExtractOrThrow(ReadOnlyMemory<byte> file, string sourcePath)
    {
        var envelope = FilingEnvelope.Open(file, forms);
        if (envelope.IsHeaderOnly) return HeaderOnlyRows(envelope.Header!, sourcePath);
        XmlScanner.Parse(envelope.Xml, _tree);
        return XmlRows(envelope.Header, sourcePath);
    }

    FilingRows XmlRows(SecHeader? header, string sourcePath)
    {
        var t = _tree;
        var doc = t.Root;
        if (!t.LocalName(doc).SequenceEqual("ownershipDocument"u8))
            throw new BadFilingException(Stage.Xml, ErrorKind.NotOwnershipXml, $"root element is <{t.LocalNameString(doc)}>, not <ownershipDocument>");
        var documentType = t.ChildText(doc, "documentType"u8);
        forms.Check(documentType, Stage.Extract, "the document");
        var isForm3 = FormSelection.BaseForm(documentType) == 3;

        var rows = new FilingRows();
        var accession = header?.AccessionNumber is { Length: > 0 } fromHeader ? fromHeader : AccessionFromPath(sourcePath);
        var signatures = new List<(Cell Name, Cell Date)>();
        foreach (var signature in t.Children(doc, "ownerSignature"u8))
            signatures.Add((t.ChildTextCell(signature, "signatureName"u8), t.ChildTextCell(signature, "signatureDate"u8)));

        string filingDate;
        if (header != null && header.FiledAsOf.Length > 0)
        {
            filingDate = IsoDate(header.FiledAsOf);
            rows.FilingDateSource = FilingDateSource.SecHeader;
        }
        else
        {
            filingDate = signatures.Select(s => s.Date.Value).Where(d => d.Length > 0).DefaultIfEmpty("").Max(StringComparer.Ordinal)!;
            rows.FilingDateSource = filingDate.Length > 0 ? FilingDateSource.SignatureDate : FilingDateSource.None;
        }

        var issuer = t.Child(doc, "issuer"u8);
        var issuerCik = Cik(t.ChildText(issuer, "issuerCik"u8));
        var issuerName = t.ChildTextCell(issuer, "issuerName"u8);
        if (issuerName.Value.Length == 0 && header?.Issuer != null) issuerName = header.Issuer.Name;

        rows.Add(Table.Submission,
        [
            accession, filingDate, t.ChildTextCell(doc, "periodOfReport"u8), t.ChildTextCell(doc, "dateOfOriginalSubmission"u8),
            Flag(t.ChildTextCell(doc, "noSecuritiesOwned"u8)), Flag(t.ChildTextCell(doc, "notSubjectToSection16"u8)),
            Flag(t.ChildTextCell(doc, "form3HoldingsReported"u8)), Flag(t.ChildTextCell(doc, "form4TransactionsReported"u8)),
            documentType, issuerCik, issuerName, t.ChildTextCell(issuer, "issuerTradingSymbol"u8), t.ChildTextCell(doc, "remarks"u8),
            Flag(t.ChildTextCell(doc, "aff10b5One"u8)), t.ChildText(doc, "schemaVersion"u8), "0",
            IsoDateTime(header?.AcceptanceDateTime ?? ""), header?.PublicDocumentCount ?? "", header?.Issuer?.Sic ?? "", sourcePath,
        ]);

        foreach (var owner in t.Children(doc, "reportingOwner"u8))
        {
            var id = t.Child(owner, "reportingOwnerId"u8);
            var address = t.Child(owner, "reportingOwnerAddress"u8);
            var relationship = t.Child(owner, "reportingOwnerRelationship"u8);
            var cik = Cik(t.ChildText(id, "rptOwnerCik"u8));
            var name = t.ChildTextCell(id, "rptOwnerName"u8);
            var roles = new Roles(
                IsTrue(t.ChildText(relationship, "isDirector"u8)), IsTrue(t.ChildText(relationship, "isOfficer"u8)),
                IsTrue(t.ChildText(relationship, "isTenPercentOwner"u8)), IsTrue(t.ChildText(relationship, "isOther"u8)));
            var fileNumber = header?.ReportingOwners.FirstOrDefault(o => Cik(o.Cik) == cik)?.FileNumber ?? "";
            rows.Add(Table.ReportingOwner,
            [
                accession, cik, name, roles.SecWords(), t.ChildTextCell(relationship, "officerTitle"u8), t.ChildTextCell(relationship, "otherText"u8),
                t.ChildTextCell(address, "rptOwnerStreet1"u8), t.ChildTextCell(address, "rptOwnerStreet2"u8), t.ChildTextCell(address, "rptOwnerCity"u8),
                t.ChildTextCell(address, "rptOwnerState"u8), t.ChildTextCell(address, "rptOwnerZipCode"u8),
                t.ChildTextCell(address, "rptOwnerStateDescription"u8), fileNumber,
            ]);
            if (isForm3) rows.Add(Table.Form3Summary, [accession, sourcePath, name.Value, roles.FormWords(), issuerName.Value, issuerCik, filingDate]);
        }

        AddHoldingsAndTransactions(rows, doc, accession);

        foreach (var footnote in t.Children(t.Child(doc, "footnotes"u8), "footnote"u8))
            rows.Add(Table.Footnotes, [accession, t.Attribute(footnote, "id"u8) ?? "", t.TextCell(footnote)]);

        foreach (var (name, date) in signatures)
            rows.Add(Table.OwnerSignature, [accession, name, date]);

        return rows;
    }

    /// <summary>
    /// Table I (non-derivative) and Table II (derivative) rows, each table's holdings and transactions numbered in
    /// document order from 1.
    /// </summary>
    void AddHoldingsAndTransactions(FilingRows rows, int doc, string accession)
    {
        var t = _tree;
        var nonDerivative = t.Child(doc, "nonDerivativeTable"u8);
        var sequence = 0;
        foreach (var holding in t.Children(nonDerivative, "nonDerivativeHolding"u8))
            rows.Add(Table.NonDerivHolding, [accession, Sk(++sequence), .. Value(holding, "securityTitle"u8).Cells, .. FormType(holding).Cells, .. Following(holding)]);
        sequence = 0;
        foreach (var transaction in t.Children(nonDerivative, "nonDerivativeTransaction"u8))
        {
            var amounts = t.Child(transaction, "transactionAmounts"u8);
            rows.Add(Table.NonDerivTrans,
            [
                accession, Sk(++sequence), .. Value(transaction, "securityTitle"u8).Cells, .. When(transaction), .. Coding(transaction),
                .. Value(amounts, "transactionShares"u8).Cells, .. Value(amounts, "transactionPricePerShare"u8).Cells,
                .. Value(amounts, "transactionAcquiredDisposedCode"u8).Cells, .. Following(transaction),
            ]);
        }

        var derivative = t.Child(doc, "derivativeTable"u8);
        sequence = 0;
        foreach (var holding in t.Children(derivative, "derivativeHolding"u8))
            rows.Add(Table.DerivHolding,
            [
                accession, Sk(++sequence), .. Value(holding, "securityTitle"u8).Cells, .. Value(holding, "conversionOrExercisePrice"u8).Cells,
                .. FormType(holding).Cells, .. Underlying(holding), .. Following(holding),
            ]);
        sequence = 0;
        foreach (var transaction in t.Children(derivative, "derivativeTransaction"u8))
        {
            var amounts = t.Child(transaction, "transactionAmounts"u8);
            rows.Add(Table.DerivTrans,
            [
                accession, Sk(++sequence), .. Value(transaction, "securityTitle"u8).Cells, .. Value(transaction, "conversionOrExercisePrice"u8).Cells,
                .. When(transaction), .. Coding(transaction), .. Value(amounts, "transactionShares"u8).Cells,
                .. Value(amounts, "transactionTotalValue"u8).Cells, .. Value(amounts, "transactionPricePerShare"u8).Cells,
                .. Value(amounts, "transactionAcquiredDisposedCode"u8).Cells, .. Underlying(transaction), .. Following(transaction),
            ]);
        }
    }

    /// <summary>TRANS_DATE and DEEMED_EXECUTION_DATE, each with its footnotes.</summary>
    Cell[] When(int transaction) => [.. Value(transaction, "transactionDate"u8).Cells, .. Value(transaction, "deemedExecutionDate"u8).Cells];

    /// <summary>
    /// TRANS_FORM_TYPE, TRANS_CODE, EQUITY_SWAP_INVOLVED and the coding's footnotes (EQUITY_SWAP_TRANS_CD_FN), then
    /// TRANS_TIMELINESS with its footnotes.
    /// </summary>
    Cell[] Coding(int transaction)
    {
        var coding = _tree.Child(transaction, "transactionCoding"u8);
        return
        [
            _tree.ChildTextCell(coding, "transactionFormType"u8), _tree.ChildTextCell(coding, "transactionCode"u8),
            Flag(_tree.ChildTextCell(coding, "equitySwapInvolved"u8)), coding == XmlTree.None ? "" : FootnoteIds(coding),
            .. Value(transaction, "transactionTimeliness"u8).Cells,
        ];
    }

    /// <summary>Exercise and expiration dates and the underlying security (title, shares, value), each with its footnotes.</summary>
    Cell[] Underlying(int row)
    {
        var underlying = _tree.Child(row, "underlyingSecurity"u8);
        return
        [
            .. Value(row, "exerciseDate"u8).Cells, .. Value(row, "expirationDate"u8).Cells, .. Value(underlying, "underlyingSecurityTitle"u8).Cells,
            .. Value(underlying, "underlyingSecurityShares"u8).Cells, .. Value(underlying, "underlyingSecurityValue"u8).Cells,
        ];
    }

    /// <summary>Shares and value owned following the row, then the ownership's form and nature, each with its footnotes.</summary>
    Cell[] Following(int row)
    {
        var post = _tree.Child(row, "postTransactionAmounts"u8);
        var nature = _tree.Child(row, "ownershipNature"u8);
        return
        [
            .. Value(post, "sharesOwnedFollowingTransaction"u8).Cells, .. Value(post, "valueOwnedFollowingTransaction"u8).Cells,
            .. Value(nature, "directOrIndirectOwnership"u8).Cells, .. Value(nature, "natureOfOwnership"u8).Cells,
        ];
    }

    /// <summary>A paper-era filing with no XML: what the SEC header says, flagged HEADER_ONLY=1.</summary>
    static FilingRows HeaderOnlyRows(SecHeader header, string sourcePath)
    {
        var rows = new FilingRows { FilingDateSource = header.FiledAsOf.Length > 0 ? FilingDateSource.SecHeader : FilingDateSource.None };
        var accession = header.AccessionNumber.Length > 0 ? header.AccessionNumber : AccessionFromPath(sourcePath);
        var filingDate = IsoDate(header.FiledAsOf);
        var issuerCik = Cik(header.Issuer?.Cik ?? "");
        var issuerName = header.Issuer?.Name ?? "";
        rows.Add(Table.Submission,
        [
            accession, filingDate, IsoDate(header.PeriodOfReport), "", "", "", "", "", header.SubmissionType, issuerCik, issuerName,
            "", "", "", "", "1", IsoDateTime(header.AcceptanceDateTime), header.PublicDocumentCount, header.Issuer?.Sic ?? "", sourcePath,
        ]);
        foreach (var owner in header.ReportingOwners)
        {
            var roles = Roles.FromHeader(owner.Relationships);
            var address = owner.Address;
            var cik = Cik(owner.Cik);
            rows.Add(Table.ReportingOwner,
            [
                accession, cik, owner.Name, roles.SecWords(), "", "", address.Street1, address.Street2, address.City, address.State,
                address.Zip, "", owner.FileNumber,
            ]);
            if (FormSelection.BaseForm(header.SubmissionType) == 3)
                rows.Add(Table.Form3Summary, [accession, sourcePath, owner.Name, roles.FormWords(), issuerName, issuerCik, filingDate]);
        }
        return rows;
    }

    readonly record struct FootnotedValue(Cell Value, string Footnotes)
    {
        public Cell[] Cells => [Value, Footnotes];
    }

    /// <summary>
    /// Reads the schema's "value plus footnotes" shape: &lt;x&gt;&lt;value&gt;v&lt;/value&gt;&lt;footnoteId id="F1"/&gt;&lt;/x&gt;,
    /// where either part may be missing (a footnote can stand in for the value).
    /// </summary>
    FootnotedValue Value(int parent, ReadOnlySpan<byte> name)
    {
        var element = _tree.Child(parent, name);
        if (element == XmlTree.None) return new FootnotedValue("", "");
        var value = _tree.Child(element, "value"u8);
        var text = value == XmlTree.None && _tree.FirstChild(element) == XmlTree.None ? _tree.TextCell(element) : _tree.TextCell(value);
        return new FootnotedValue(text, FootnoteIds(element));
    }

    /// <summary>transactionCoding/transactionFormType, present on holdings only for late Form 3 holdings reported on a Form 5.</summary>
    FootnotedValue FormType(int holding)
    {
        var coding = _tree.Child(holding, "transactionCoding"u8);
        return coding == XmlTree.None ? new FootnotedValue("", "") : new FootnotedValue(_tree.ChildTextCell(coding, "transactionFormType"u8), FootnoteIds(coding));
    }

    string FootnoteIds(int element)
    {
        StringBuilder? ids = null;
        string? single = null;
        foreach (var footnote in _tree.Children(element, "footnoteId"u8))
        {
            var id = _tree.Attribute(footnote, "id"u8);
            if (string.IsNullOrEmpty(id)) continue;
            if (single == null)
            {
                single = id;
                continue;
            }
            ids ??= new StringBuilder(single);
            ids.Append(',').Append(id);
        }
        return ids?.ToString() ?? single ?? "";
    }

    static string Sk(int sequence) => sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Boolean flags as 1/0; the schema allows 1/0/true/false. Absent stays empty.</summary>
    static string Flag(string text) => text switch
    {
        "" => "",
        "1" => "1",
        "0" => "0",
        _ when text.Equals("true", StringComparison.OrdinalIgnoreCase) => "1",
        _ when text.Equals("false", StringComparison.OrdinalIgnoreCase) => "0",
        _ => text,
    };

    /// <summary>A flag's cell: 1/0 in the tables, as written (<c>true</c>, <c>false</c>) in the SEC's layout.</summary>
    static Cell Flag(Cell cell) => new(Flag(cell.Value), cell.AsFiled ?? cell.Value);

    static bool IsTrue(string text) => Flag(text) == "1";

    /// <summary>CIKs as 10-digit zero-padded text.</summary>
    internal static string Cik(string text)
    {
        if (text.Length is 0 or >= 10) return text;
        foreach (var c in text)
            if (c is < '0' or > '9') return text;
        return text.PadLeft(10, '0');
    }

    /// <summary>EDGAR header dates (yyyyMMdd) to ISO 8601; anything else is kept as given.</summary>
    internal static string IsoDate(string text) =>
        text.Length == 8 && text.All(char.IsAsciiDigit) ? $"{text[..4]}-{text[4..6]}-{text[6..]}" : text;

    /// <summary>EDGAR's acceptance time (yyyyMMddHHmmss) to ISO 8601 without an offset (EDGAR's clock is Eastern time); anything else as given.</summary>
    internal static string IsoDateTime(string text) =>
        text.Length == 14 && text.All(char.IsAsciiDigit) ? $"{IsoDate(text[..8])}T{text[8..10]}:{text[10..12]}:{text[12..]}" : text;

    /// <summary>A bare XML file has no header: take the accession number from its path (EDGAR's folder or file name), else the file name.</summary>
    internal static string AccessionFromPath(string path)
    {
        var dashed = DashedAccession().Match(path);
        if (dashed.Success) return dashed.Value;
        var folder = FolderAccession().Match(path);
        if (folder.Success)
        {
            var digits = folder.Groups[1].Value;
            return $"{digits[..10]}-{digits[10..12]}-{digits[12..]}";
        }
        return Path.GetFileNameWithoutExtension(path);
    }

    /// <summary>True for an EDGAR accession number (0000950103-24-000077), false for a fallback such as a file name.</summary>
    public static bool IsAccessionNumber(string text) => text.Length == 20 && DashedAccession().IsMatch(text);

    [GeneratedRegex(@"\d{10}-\d{2}-\d{6}")]
    private static partial Regex DashedAccession();

    [GeneratedRegex(@"(?:^|[/\\])(\d{18})(?:[/\\]|$)")]
    private static partial Regex FolderAccession();
}
