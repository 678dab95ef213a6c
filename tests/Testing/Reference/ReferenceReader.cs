using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace Form3Actors.Testing.Reference;

/// <summary>What the reference reader made of one file: rows per table (column name to cell), or why it refused.</summary>
public sealed record ReferenceResult(IReadOnlyDictionary<string, List<Dictionary<string, string>>> Tables, string? Refusal)
{
    public bool Accepted => Refusal == null;
}

/// <summary>
/// A second implementation of the table contract (README's data dictionary, shared/docs/data-model.md), written for
/// clarity rather than speed and sharing no code with the extractor: .NET's own XmlReader (DTDs prohibited) and LINQ
/// to XML for the ownership document, regular expressions and plain line handling for the EDGAR envelope and the SEC
/// header. Tests hold the fast path (XmlScanner + OwnershipExtractor) to it, cell for cell.
/// </summary>
public static partial class ReferenceReader
{
    static readonly int[] Form3Only = [3];

    /// <summary>Reads one file, taking the ownership forms in <paramref name="forms"/> (3 unless given; each with its amendment).</summary>
    public static ReferenceResult Read(byte[] file, string sourcePath, IReadOnlyCollection<int>? forms = null)
    {
        try
        {
            return new ReferenceResult(ReadOrThrow(file, sourcePath, forms ?? Form3Only), null);
        }
        catch (Refused refused)
        {
            return new ReferenceResult(new Dictionary<string, List<Dictionary<string, string>>>(), refused.Message);
        }
    }

    sealed class Refused(string why) : Exception(why);

    const string PemBegin = "-----BEGIN PRIVACY-ENHANCED MESSAGE-----";

    static Dictionary<string, List<Dictionary<string, string>>> ReadOrThrow(byte[] file, string sourcePath, IReadOnlyCollection<int> forms)
    {
        if (file.Length == 0) throw new Refused("empty file");
        // The envelope is ASCII markup; Latin-1 maps every byte to one char, so offsets carry over to the bytes.
        var text = Encoding.Latin1.GetString(file);
        var start = text.TakeWhile(char.IsWhiteSpace).Count();
        var enveloped = text.AsSpan(start).StartsWith(PemBegin, StringComparison.Ordinal);
        if (enveloped)
        {
            // EDGAR's privacy-enhanced-message envelope: its header lines, then the submission, from the first line
            // that starts with '<'; the END line (or anything else) after the submission's end tag is not part of it.
            var inner = EnvelopedSubmission().Match(text, start);
            if (!inner.Success) throw new Refused("truncated: the envelope holds no submission");
            start = inner.Index + 1;
            if (!text.AsSpan(start).StartsWith("<SEC-DOCUMENT>") && !text.AsSpan(start).StartsWith("<SUBMISSION>"))
                throw new Refused("the envelope holds no EDGAR submission");
        }
        Header? header = null;
        byte[]? xml;
        if (string.CompareOrdinal(text, start, "<SEC-DOCUMENT>", 0, 14) == 0 || string.CompareOrdinal(text, start, "<SUBMISSION>", 0, 12) == 0)
        {
            var tagged = text[start] == '<' && text.AsSpan(start).StartsWith("<SUBMISSION>");
            var headerEnd = tagged ? text.IndexOf("<DOCUMENT>", start, StringComparison.Ordinal) : text.IndexOf("</SEC-HEADER>", start, StringComparison.Ordinal);
            if (headerEnd < 0) throw new Refused("no end of the SEC header");
            header = tagged ? Header.ParseTagged(text[start..headerEnd]) : Header.ParseClassic(text[start..headerEnd]);
            if (!Takes(forms, header.SubmissionType)) throw new Refused($"form not taken ({header.SubmissionType})");
            var endTag = tagged ? "</SUBMISSION>" : "</SEC-DOCUMENT>";
            if (enveloped && text.LastIndexOf(endTag, StringComparison.Ordinal) is >= 0 and var close) text = text[..(close + endTag.Length)];
            // A file cut short (an interrupted download) is refused as a whole, even where the Form 3 part is complete.
            if (!text.TrimEnd().EndsWith(endTag, StringComparison.Ordinal)) throw new Refused("truncated submission");
            xml = OwnershipXml(file, text, headerEnd, forms);
            if (xml == null) return HeaderOnly(header, sourcePath);
        }
        else
        {
            xml = file;
        }
        return FromXml(Parse(xml), header, sourcePath, forms);
    }

    /// <summary>Whether the type is one of the forms taken, or its amendment ("4/A").</summary>
    static bool Takes(IReadOnlyCollection<int> forms, string type)
    {
        var form = type.EndsWith("/A", StringComparison.Ordinal) ? type[..^2] : type;
        return form is "3" or "4" or "5" && forms.Contains(form[0] - '0');
    }

    /// <summary>The bytes between &lt;XML&gt; and &lt;/XML&gt; of the first document of a form taken; null if it has none.</summary>
    static byte[]? OwnershipXml(byte[] file, string text, int from, IReadOnlyCollection<int> forms)
    {
        foreach (Match document in DocumentBlock().Matches(text, from))
        {
            if (!document.Groups["end"].Success) throw new Refused("truncated: a document is not closed");
            if (!Takes(forms, document.Groups["type"].Value.Trim())) continue;
            var body = document.Groups["body"];
            var open = text.IndexOf("<XML>", body.Index, body.Length, StringComparison.Ordinal);
            if (open < 0) return null;
            var close = text.IndexOf("</XML>", open, body.Index + body.Length - open, StringComparison.Ordinal);
            if (close < 0) throw new Refused("truncated: <XML> not closed");
            return file[(open + 5)..close];
        }
        if (text.IndexOf("<DOCUMENT>", from, StringComparison.Ordinal) < 0) return null;
        throw new Refused("truncated or no document of a form taken");
    }

    static XElement Parse(byte[] xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        // EDGAR puts a line break after <XML>: skip leading white space so that a declaration stays first.
        var skip = 0;
        while (skip < xml.Length && xml[skip] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') skip++;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, skip, xml.Length - skip), settings);
            return XDocument.Load(reader).Root ?? throw new Refused("no root element");
        }
        catch (XmlException e)
        {
            throw new Refused($"invalid XML: {e.Message}");
        }
        catch (DecoderFallbackException e)
        {
            throw new Refused($"encoding: {e.Message}");
        }
    }

    static Dictionary<string, List<Dictionary<string, string>>> NewTables() => new()
    {
        ["SUBMISSION"] = [], ["REPORTINGOWNER"] = [], ["NONDERIV_HOLDING"] = [], ["DERIV_HOLDING"] = [], ["NONDERIV_TRANS"] = [], ["DERIV_TRANS"] = [], ["FOOTNOTES"] = [],
        ["OWNER_SIGNATURE"] = [], ["FORM3_SUMMARY"] = [],
    };

    static Dictionary<string, List<Dictionary<string, string>>> FromXml(XElement doc, Header? header, string sourcePath, IReadOnlyCollection<int> forms)
    {
        if (doc.Name.LocalName != "ownershipDocument") throw new Refused($"not_ownership_xml (<{doc.Name.LocalName}>)");
        var documentType = TextOf(Child(doc, "documentType"));
        if (!Takes(forms, documentType)) throw new Refused($"form not taken ({documentType})");
        var isForm3 = documentType is "3" or "3/A";

        var tables = NewTables();
        var accession = header is { Accession.Length: > 0 } ? header.Accession : AccessionFromPath(sourcePath);
        var signatures = Children(doc, "ownerSignature").Select(s => (Name: TextOf(Child(s, "signatureName")), Date: TextOf(Child(s, "signatureDate")))).ToList();
        var filingDate = header is { FiledAsOf.Length: > 0 }
            ? IsoDate(header.FiledAsOf)
            : signatures.Select(s => s.Date).Where(d => d.Length > 0).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault() ?? "";
        var issuer = Child(doc, "issuer");
        var issuerCik = PadCik(TextOf(Child(issuer, "issuerCik")));
        var issuerName = TextOf(Child(issuer, "issuerName"));
        if (issuerName.Length == 0 && header?.Issuer != null) issuerName = header.Issuer.Name;

        tables["SUBMISSION"].Add(new()
        {
            ["ACCESSION_NUMBER"] = accession,
            ["FILING_DATE"] = filingDate,
            ["PERIOD_OF_REPORT"] = TextOf(Child(doc, "periodOfReport")),
            ["DATE_OF_ORIG_SUB"] = TextOf(Child(doc, "dateOfOriginalSubmission")),
            ["NO_SECURITIES_OWNED"] = Flag(Child(doc, "noSecuritiesOwned")),
            ["NOT_SUBJECT_SEC16"] = Flag(Child(doc, "notSubjectToSection16")),
            ["FORM3_HOLDINGS_REPORTED"] = Flag(Child(doc, "form3HoldingsReported")),
            ["FORM4_TRANS_REPORTED"] = Flag(Child(doc, "form4TransactionsReported")),
            ["DOCUMENT_TYPE"] = documentType,
            ["ISSUERCIK"] = issuerCik,
            ["ISSUERNAME"] = issuerName,
            ["ISSUERTRADINGSYMBOL"] = TextOf(Child(issuer, "issuerTradingSymbol")),
            ["REMARKS"] = TextOf(Child(doc, "remarks")),
            ["AFF10B5ONE"] = Flag(Child(doc, "aff10b5One")),
            ["SCHEMA_VERSION"] = TextOf(Child(doc, "schemaVersion")),
            ["HEADER_ONLY"] = "0",
            ["ACCEPTANCE_DATETIME"] = IsoDateTime(header?.AcceptanceDateTime ?? ""),
            ["PUBLIC_DOCUMENT_COUNT"] = header?.DocumentCount ?? "",
            ["ISSUER_SIC"] = header?.Issuer?.Sic ?? "",
            ["SOURCE_PATH"] = sourcePath,
        });

        foreach (var owner in Children(doc, "reportingOwner"))
        {
            var id = Child(owner, "reportingOwnerId");
            var address = Child(owner, "reportingOwnerAddress");
            var relationship = Child(owner, "reportingOwnerRelationship");
            var cik = PadCik(TextOf(Child(id, "rptOwnerCik")));
            var name = TextOf(Child(id, "rptOwnerName"));
            var boxes = new[] { "isDirector", "isOfficer", "isTenPercentOwner", "isOther" }.Select(b => Flag(Child(relationship, b)) == "1").ToArray();
            tables["REPORTINGOWNER"].Add(new()
            {
                ["ACCESSION_NUMBER"] = accession,
                ["RPTOWNERCIK"] = cik,
                ["RPTOWNERNAME"] = name,
                ["RPTOWNER_RELATIONSHIP"] = SecWords(boxes),
                ["RPTOWNER_TITLE"] = TextOf(Child(relationship, "officerTitle")),
                ["RPTOWNER_TXT"] = TextOf(Child(relationship, "otherText")),
                ["RPTOWNER_STREET1"] = TextOf(Child(address, "rptOwnerStreet1")),
                ["RPTOWNER_STREET2"] = TextOf(Child(address, "rptOwnerStreet2")),
                ["RPTOWNER_CITY"] = TextOf(Child(address, "rptOwnerCity")),
                ["RPTOWNER_STATE"] = TextOf(Child(address, "rptOwnerState")),
                ["RPTOWNER_ZIPCODE"] = TextOf(Child(address, "rptOwnerZipCode")),
                ["RPTOWNER_STATE_DESC"] = TextOf(Child(address, "rptOwnerStateDescription")),
                ["FILE_NUMBER"] = header?.Owners.FirstOrDefault(o => PadCik(o.Cik) == cik)?.FileNumber ?? "",
            });
            if (isForm3) tables["FORM3_SUMMARY"].Add(Summary(accession, sourcePath, name, FormWords(boxes), issuerName, issuerCik, filingDate));
        }

        var sk = 0;
        foreach (var holding in Children(Child(doc, "nonDerivativeTable"), "nonDerivativeHolding"))
        {
            var row = new Dictionary<string, string> { ["ACCESSION_NUMBER"] = accession, ["NONDERIV_HOLDING_SK"] = (++sk).ToString(CultureInfo.InvariantCulture) };
            Put(row, "SECURITY_TITLE", Child(holding, "securityTitle"));
            PutFormType(row, holding);
            PutAmountsAndNature(row, holding);
            tables["NONDERIV_HOLDING"].Add(row);
        }

        sk = 0;
        foreach (var holding in Children(Child(doc, "derivativeTable"), "derivativeHolding"))
        {
            var row = new Dictionary<string, string> { ["ACCESSION_NUMBER"] = accession, ["DERIV_HOLDING_SK"] = (++sk).ToString(CultureInfo.InvariantCulture) };
            Put(row, "SECURITY_TITLE", Child(holding, "securityTitle"));
            Put(row, "CONV_EXERCISE_PRICE", Child(holding, "conversionOrExercisePrice"));
            PutFormType(row, holding);
            Put(row, "EXERCISE_DATE", Child(holding, "exerciseDate"));
            Put(row, "EXPIRATION_DATE", Child(holding, "expirationDate"));
            var underlying = Child(holding, "underlyingSecurity");
            Put(row, "UNDLYNG_SEC_TITLE", Child(underlying, "underlyingSecurityTitle"));
            Put(row, "UNDLYNG_SEC_SHARES", Child(underlying, "underlyingSecurityShares"));
            Put(row, "UNDLYNG_SEC_VALUE", Child(underlying, "underlyingSecurityValue"));
            PutAmountsAndNature(row, holding);
            tables["DERIV_HOLDING"].Add(row);
        }

        sk = 0;
        foreach (var transaction in Children(Child(doc, "nonDerivativeTable"), "nonDerivativeTransaction"))
        {
            var row = new Dictionary<string, string> { ["ACCESSION_NUMBER"] = accession, ["NONDERIV_TRANS_SK"] = (++sk).ToString(CultureInfo.InvariantCulture) };
            Put(row, "SECURITY_TITLE", Child(transaction, "securityTitle"));
            PutTransaction(row, transaction);
            PutAmountsAndNature(row, transaction);
            tables["NONDERIV_TRANS"].Add(row);
        }

        sk = 0;
        foreach (var transaction in Children(Child(doc, "derivativeTable"), "derivativeTransaction"))
        {
            var row = new Dictionary<string, string> { ["ACCESSION_NUMBER"] = accession, ["DERIV_TRANS_SK"] = (++sk).ToString(CultureInfo.InvariantCulture) };
            Put(row, "SECURITY_TITLE", Child(transaction, "securityTitle"));
            Put(row, "CONV_EXERCISE_PRICE", Child(transaction, "conversionOrExercisePrice"));
            PutTransaction(row, transaction);
            Put(row, "TRANS_TOTAL_VALUE", Child(Child(transaction, "transactionAmounts"), "transactionTotalValue"));
            Put(row, "EXCERCISE_DATE", Child(transaction, "exerciseDate"));
            Put(row, "EXPIRATION_DATE", Child(transaction, "expirationDate"));
            var underlying = Child(transaction, "underlyingSecurity");
            Put(row, "UNDLYNG_SEC_TITLE", Child(underlying, "underlyingSecurityTitle"));
            Put(row, "UNDLYNG_SEC_SHARES", Child(underlying, "underlyingSecurityShares"));
            Put(row, "UNDLYNG_SEC_VALUE", Child(underlying, "underlyingSecurityValue"));
            PutAmountsAndNature(row, transaction);
            tables["DERIV_TRANS"].Add(row);
        }

        foreach (var footnote in Children(Child(doc, "footnotes"), "footnote"))
            tables["FOOTNOTES"].Add(new() { ["ACCESSION_NUMBER"] = accession, ["FOOTNOTE_ID"] = (string?)footnote.Attribute("id") ?? "", ["FOOTNOTE_TXT"] = TextOf(footnote) });

        foreach (var (name, date) in signatures)
            tables["OWNER_SIGNATURE"].Add(new() { ["ACCESSION_NUMBER"] = accession, ["OWNERSIGNATURENAME"] = name, ["OWNERSIGNATUREDATE"] = date });
        return tables;
    }

    /// <summary>A paper-era Form 3 with no XML: what the SEC header says.</summary>
    static Dictionary<string, List<Dictionary<string, string>>> HeaderOnly(Header header, string sourcePath)
    {
        var tables = NewTables();
        var accession = header.Accession.Length > 0 ? header.Accession : AccessionFromPath(sourcePath);
        var filingDate = IsoDate(header.FiledAsOf);
        var issuerCik = PadCik(header.Issuer?.Cik ?? "");
        var issuerName = header.Issuer?.Name ?? "";
        var submission = new Dictionary<string, string>
        {
            ["ACCESSION_NUMBER"] = accession, ["FILING_DATE"] = filingDate, ["PERIOD_OF_REPORT"] = IsoDate(header.Period),
            ["DOCUMENT_TYPE"] = header.SubmissionType, ["ISSUERCIK"] = issuerCik, ["ISSUERNAME"] = issuerName, ["HEADER_ONLY"] = "1",
            ["ACCEPTANCE_DATETIME"] = IsoDateTime(header.AcceptanceDateTime), ["PUBLIC_DOCUMENT_COUNT"] = header.DocumentCount,
            ["ISSUER_SIC"] = header.Issuer?.Sic ?? "", ["SOURCE_PATH"] = sourcePath,
        };
        tables["SUBMISSION"].Add(submission);
        foreach (var owner in header.Owners)
        {
            var words = owner.Relationships.Select(r => r.Trim().ToUpperInvariant()).ToHashSet();
            var boxes = new[] { words.Contains("DIRECTOR"), words.Contains("OFFICER"),
                words.Contains("10 PERCENT OWNER") || words.Contains("10% OWNER") || words.Contains("TEN PERCENT OWNER"), words.Contains("OTHER") };
            var address = owner.Mail.Values.Any(v => v.Length > 0) ? owner.Mail : owner.Business;
            tables["REPORTINGOWNER"].Add(new()
            {
                ["ACCESSION_NUMBER"] = accession, ["RPTOWNERCIK"] = PadCik(owner.Cik), ["RPTOWNERNAME"] = owner.Name, ["RPTOWNER_RELATIONSHIP"] = SecWords(boxes),
                ["RPTOWNER_STREET1"] = address.GetValueOrDefault("STREET 1", ""), ["RPTOWNER_STREET2"] = address.GetValueOrDefault("STREET 2", ""),
                ["RPTOWNER_CITY"] = address.GetValueOrDefault("CITY", ""), ["RPTOWNER_STATE"] = address.GetValueOrDefault("STATE", ""),
                ["RPTOWNER_ZIPCODE"] = address.GetValueOrDefault("ZIP", ""), ["FILE_NUMBER"] = owner.FileNumber,
            });
            if (header.SubmissionType is "3" or "3/A")
                tables["FORM3_SUMMARY"].Add(Summary(accession, sourcePath, owner.Name, FormWords(boxes), issuerName, issuerCik, filingDate));
        }
        return tables;
    }

    static Dictionary<string, string> Summary(string accession, string path, string name, string role, string company, string cik, string date) => new()
    {
        ["ACCESSION_NUMBER"] = accession, ["FILEPATH"] = path, ["INSIDER_NAME"] = name, ["INSIDER_ROLE"] = role,
        ["COMPANY_NAME"] = company, ["COMPANY_CIK"] = cik, ["FILING_DATE"] = date,
    };

    static string SecWords(bool[] boxes) => string.Join(",", new[] { "Director", "Officer", "TenPercentOwner", "Other" }.Where((_, i) => boxes[i]));

    static string FormWords(bool[] boxes) => string.Join("; ", new[] { "Director", "Officer", "10% Owner", "Other" }.Where((_, i) => boxes[i]));

    /// <summary>The schema's "value and footnotes" element: the value (or the element's own text if it is a bare value) and its footnote ids.</summary>
    static void Put(Dictionary<string, string> row, string column, XElement? element)
    {
        var value = Child(element, "value");
        row[column] = value != null ? TextOf(value) : element != null && !element.Elements().Any() ? TextOf(element) : "";
        row[column + "_FN"] = FootnoteIds(element);
    }

    /// <summary>What both tables' holdings end with: the amounts owned, and direct or indirect ownership.</summary>
    static void PutAmountsAndNature(Dictionary<string, string> row, XElement holding)
    {
        var amounts = Child(holding, "postTransactionAmounts");
        Put(row, "SHRS_OWND_FOLWNG_TRANS", Child(amounts, "sharesOwnedFollowingTransaction"));
        Put(row, "VALU_OWND_FOLWNG_TRANS", Child(amounts, "valueOwnedFollowingTransaction"));
        var nature = Child(holding, "ownershipNature");
        Put(row, "DIRECT_INDIRECT_OWNERSHIP", Child(nature, "directOrIndirectOwnership"));
        Put(row, "NATURE_OF_OWNERSHIP", Child(nature, "natureOfOwnership"));
    }

    /// <summary>
    /// What both tables' transactions share: date, deemed execution date, coding (form type, code, equity swap, and
    /// the coding's footnotes as EQUITY_SWAP_TRANS_CD_FN), timeliness, shares, price and acquired or disposed.
    /// </summary>
    static void PutTransaction(Dictionary<string, string> row, XElement transaction)
    {
        Put(row, "TRANS_DATE", Child(transaction, "transactionDate"));
        Put(row, "DEEMED_EXECUTION_DATE", Child(transaction, "deemedExecutionDate"));
        var coding = Child(transaction, "transactionCoding");
        row["TRANS_FORM_TYPE"] = TextOf(Child(coding, "transactionFormType"));
        row["TRANS_CODE"] = TextOf(Child(coding, "transactionCode"));
        row["EQUITY_SWAP_INVOLVED"] = Flag(Child(coding, "equitySwapInvolved"));
        row["EQUITY_SWAP_TRANS_CD_FN"] = FootnoteIds(coding);
        Put(row, "TRANS_TIMELINESS", Child(transaction, "transactionTimeliness"));
        var amounts = Child(transaction, "transactionAmounts");
        Put(row, "TRANS_SHARES", Child(amounts, "transactionShares"));
        Put(row, "TRANS_PRICEPERSHARE", Child(amounts, "transactionPricePerShare"));
        Put(row, "TRANS_ACQUIRED_DISP_CD", Child(amounts, "transactionAcquiredDisposedCode"));
    }

    static void PutFormType(Dictionary<string, string> row, XElement holding)
    {
        var coding = Child(holding, "transactionCoding");
        row["TRANS_FORM_TYPE"] = TextOf(Child(coding, "transactionFormType"));
        row["TRANS_FORM_TYPE_FN"] = FootnoteIds(coding);
    }

    static string FootnoteIds(XElement? element) =>
        string.Join(",", Children(element, "footnoteId").Select(f => (string?)f.Attribute("id") ?? "").Where(id => id.Length > 0));

    static XElement? Child(XElement? parent, string localName) => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    static IEnumerable<XElement> Children(XElement? parent, string localName) => parent?.Elements().Where(e => e.Name.LocalName == localName) ?? [];

    /// <summary>Text trimmed, with every run of XML white space made one space.</summary>
    static string TextOf(XElement? element) => element == null ? "" : Spaces().Replace(element.Value, " ").Trim(' ', '\t', '\r', '\n');

    static string Flag(XElement? element) => TextOf(element) switch
    {
        var t when t.Equals("true", StringComparison.OrdinalIgnoreCase) => "1",
        var t when t.Equals("false", StringComparison.OrdinalIgnoreCase) => "0",
        var t => t,
    };

    static string PadCik(string cik) => cik.Length is > 0 and < 10 && cik.All(char.IsAsciiDigit) ? cik.PadLeft(10, '0') : cik;

    static string IsoDate(string yyyymmdd) =>
        DateTime.TryParseExact(yyyymmdd, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : yyyymmdd;

    static string IsoDateTime(string stamp) =>
        DateTime.TryParseExact(stamp, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) : stamp;

    static string AccessionFromPath(string path)
    {
        if (Regex.Match(path, @"\d{10}-\d{2}-\d{6}") is { Success: true } dashed) return dashed.Value;
        if (Regex.Match(path, @"(?:^|/)(\d{10})(\d{2})(\d{6})(?:/|$)") is { Success: true } folder)
            return $"{folder.Groups[1].Value}-{folder.Groups[2].Value}-{folder.Groups[3].Value}";
        return Path.GetFileNameWithoutExtension(path);
    }

    [GeneratedRegex(@"[ \t\r\n]+")]
    private static partial Regex Spaces();

    /// <summary>The line break before the first line that starts with '&lt;'.</summary>
    [GeneratedRegex(@"\n(?=<)")]
    private static partial Regex EnvelopedSubmission();

    [GeneratedRegex(@"<DOCUMENT>\s*<TYPE>(?<type>[^\r\n<]*)(?<body>.*?)(?<end></DOCUMENT>|\z)", RegexOptions.Singleline)]
    private static partial Regex DocumentBlock();
}
