using System.Globalization;
using System.Text;

namespace Form3Actors.Testing;

/// <summary>What a generated corpus holds, so tests can check counts without re-reading it.</summary>
/// <param name="NotForm3">Forms 4 and 5 (with <see cref="CorpusGenerator.Generate"/>'s <c>mixed</c>, most of the corpus).</param>
/// <param name="Transactions">Table I and II transactions in all Forms 4 and 5.</param>
/// <param name="Enveloped">Files in EDGAR's privacy-enhanced-message envelope (those filed before March 2011).</param>
public sealed record GeneratedCorpus(string Root, string InputCsv, int Files, int Form3, int HeaderOnly, int Broken, int NotForm3, int ReportingOwners,
    int Transactions = 0, int Enveloped = 0);

/// <summary>
/// Writes N synthetic EDGAR full-submission filings laid out like a mirror (edgar/data/CIK/ACCESSION.txt) and an
/// input CSV listing them. Deterministic for a seed. The filings vary the way real ones do: one to three owners,
/// holdings of both kinds, footnotes and footnote-only values, amendments, paper-era header-only filings, a few
/// Form 4s filed under the wrong list, and a small share of broken files (truncated, invalid XML, binary junk).
/// A mixed corpus is laid out as EDGAR's ownership filings are: mostly Forms 4 (and some 4/A and 5), each with its
/// transactions, from none to dozens, interleaved with holdings. Every era of EDGAR is there: filing dates run from
/// 2003 to 2025, each filing carries a schema version of its time, and those filed before March 2011 are kept in the
/// privacy-enhanced-message envelope EDGAR's archive has for them (about a third).
/// </summary>
public static class CorpusGenerator
{
    static readonly string[] Titles = ["Common Stock", "Class A Common Stock", "Class B Common Stock", "Ordinary Shares", "Series A Preferred Stock"];
    static readonly string[] DerivTitles = ["Stock Option (right to buy)", "Restricted Stock Units", "Warrants", "Performance Stock Units", "Convertible Notes"];
    static readonly string[] Surnames = ["Smith", "Johnson", "Garcia", "Chen", "Okafor", "Müller", "O'Brien", "Nguyen", "Kowalski", "Haddad"];
    static readonly string[] Given = ["Alice", "Robert", "Maria", "Wei", "Chidi", "Jürgen", "Siobhan", "Linh", "Piotr", "Rana"];
    static readonly string[] Companies = ["Acme Robotics Inc.", "Blue Harbor Bancorp", "Cobalt & Finch Holdings", "Delta Genomics Corp", "Evergreen REIT Trust"];
    static readonly string[] Industries = ["SERVICES-PREPACKAGED SOFTWARE [7372]", "STATE COMMERCIAL BANKS [6022]", "PHARMACEUTICAL PREPARATIONS [2834]", "REAL ESTATE INVESTMENT TRUSTS [6798]", "UNKNOWN SIC - 0000 []"];
    static readonly string[] States = ["CA", "NY", "TX", "MA", "IL", "WA", "DE"];

    static readonly string[] Codes = ["S", "S", "S", "P", "P", "A", "A", "M", "M", "F", "F", "G", "J", "C", "D", "I", "W", "X", "Z", "L"];

    /// <summary>The ownership schema versions EDGAR accepted, each from about the year given (later ones replace earlier ones).</summary>
    static readonly (int From, string[] Versions)[] Schemas =
    [
        (2003, ["X0101", "X0201"]), (2005, ["X0202", "X0203"]), (2007, ["X0204", "X0205"]), (2009, ["X0206", "X0301", "X0302"]),
        (2011, ["X0303", "X0304"]), (2013, ["X0305", "X0306"]), (2023, ["X0407", "X0508"]),
    ];

    /// <summary>EDGAR's archive keeps the privacy-enhanced-message envelope on filings accepted before this day.</summary>
    static readonly DateOnly LastEnvelopedDay = new(2011, 2, 28);

    static string SchemaOf(Random random, DateOnly filed)
    {
        var versions = Schemas.Last(s => s.From <= filed.Year).Versions;
        return versions[random.Next(versions.Length)];
    }

    /// <param name="mixed">Forms 4 and 5 as EDGAR has them (about 85 % of the files) instead of a few strays.</param>
    public static GeneratedCorpus Generate(string root, int count, int seed = 1, bool mixed = false)
    {
        var random = new Random(seed);
        Directory.CreateDirectory(root);
        var csvPath = Path.Combine(root, $"form_3_{count}.csv");
        int form3 = 0, headerOnly = 0, broken = 0, notForm3 = 0, owners = 0, transactions = 0, enveloped = 0;
        var strayForms = mixed ? 0.88 : 0.05;
        using var csv = new StreamWriter(csvPath, false, new UTF8Encoding(false));
        csv.WriteLine("cik,form_type,date_filed,filepath");
        for (var i = 0; i < count; i++)
        {
            var issuerCik = Cik(random);
            var accession = $"{900_000_000 + random.Next(0, 99_999_999):D10}-{random.Next(3, 25):D2}-{i:D6}";
            var (relative, listed) = Place(random, root, issuerCik, accession);
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var date = new DateOnly(2003, 7, 1).AddDays(random.Next(0, 8000));
            var roll = random.NextDouble();
            string text;
            string formType;
            if (roll < 0.03)
            {
                formType = "3";
                var n = random.Next(1, 3);
                text = LegacyHeaderOnly(random, accession, issuerCik, date, n);
                headerOnly++;
                owners += n;
            }
            else if (roll < strayForms)
            {
                formType = !mixed ? "4" : random.NextDouble() switch { < 0.9 => "4", < 0.95 => "5", _ => "4/A" };
                text = Submission(random, accession, issuerCik, date, formType, out _, mixed ? t => transactions += t : null);
                notForm3++;
            }
            else
            {
                formType = random.NextDouble() < 0.1 ? "3/A" : "3";
                text = Submission(random, accession, issuerCik, date, formType, out var n);
                if (roll > 0.98) broken++;
                else
                {
                    form3++;
                    owners += n;
                }
            }
            text = Envelop(text, date);
            if (roll > 0.98) text = Break(random, text);
            if (text.StartsWith(PemEnvelope.Begin, StringComparison.Ordinal)) enveloped++;
            File.WriteAllBytes(path, text.StartsWith("BINARY:", StringComparison.Ordinal) ? Junk(random) : Encoding.UTF8.GetBytes(text));
            csv.WriteLine($"{issuerCik},{formType},{date:yyyy-MM-dd},{listed}");
        }
        return new GeneratedCorpus(root, csvPath, count, form3, headerOnly, broken, notForm3, owners, transactions, enveloped);
    }

    /// <summary>A submission of an era whose filings EDGAR's archive keeps in the privacy-enhanced-message envelope, in it.</summary>
    static string Envelop(string submission, DateOnly date) =>
        date > LastEnvelopedDay ? submission : Encoding.UTF8.GetString(PemEnvelope.Wrap(Encoding.UTF8.GetBytes(submission)));

    /// <summary>A CIK of 1 to 10 digits, as EDGAR's folders have: the path lengths vary as a real mirror's do.</summary>
    static long Cik(Random random)
    {
        var digits = random.Next(1, 11);
        return random.NextInt64(digits == 1 ? 1 : (long)Math.Pow(10, digits - 1), (long)Math.Pow(10, digits));
    }

    /// <summary>
    /// Where a filing lives under the corpus root, and how the CSV lists it: mostly EDGAR's own relative path, and
    /// as hand-made lists do, some absolute, some with ./ segments, some in a folder with a non-ASCII name.
    /// </summary>
    static (string Relative, string Listed) Place(Random random, string root, long cik, string accession)
    {
        var edgar = $"edgar/data/{cik}/{accession}.txt";
        return random.Next(20) switch
        {
            0 or 1 => (edgar, Path.GetFullPath(Path.Combine(root, edgar))),
            2 => (edgar, "./" + edgar),
            3 => (edgar, $"edgar/./data/{cik}/{accession}.txt"),
            4 => ($"archiv-Zürich-ü/{edgar}", $"archiv-Zürich-ü/{edgar}"),
            _ => (edgar, edgar),
        };
    }

    static string Break(Random random, string text) => random.Next(3) switch
    {
        0 => text[..random.Next(text.IndexOf("<ownershipDocument>", StringComparison.Ordinal), text.Length - 40)],
        1 => text.Replace("</issuer>", "</issuerX>"),
        _ => "BINARY:",
    };

    static byte[] Junk(Random random)
    {
        var bytes = new byte[random.Next(200, 4000)];
        random.NextBytes(bytes);
        bytes[0] = 0x89;
        return bytes;
    }

    /// <param name="withTransactions">Given: the document gets Table I and II transactions, and learns their number.</param>
    static string Submission(Random random, string accession, long issuerCik, DateOnly date, string type, out int ownerCount, Action<int>? withTransactions = null)
    {
        ownerCount = random.NextDouble() < 0.8 ? 1 : random.Next(2, 4);
        var company = Companies[random.Next(Companies.Length)];
        var filed = date.AddDays(random.Next(1, 10));
        var ownerList = Enumerable.Range(0, ownerCount).Select(_ => (Cik: 1_500_000 + random.Next(0, 400_000), Name: $"{Surnames[random.Next(Surnames.Length)]} {Given[random.Next(Given.Length)]}")).ToList();
        var footnotes = random.Next(0, 9);
        string Fn() => footnotes > 0 && random.NextDouble() < 0.3 ? $"<footnoteId id=\"F{random.Next(1, footnotes + 1)}\"/>" : "";

        var header = new StringBuilder();
        header.Append(CultureInfo.InvariantCulture, $"<SEC-DOCUMENT>{accession}.txt : {filed:yyyyMMdd}\n<SEC-HEADER>{accession}.hdr.sgml : {filed:yyyyMMdd}\n");
        header.Append(CultureInfo.InvariantCulture, $"<ACCEPTANCE-DATETIME>{filed:yyyyMMdd}{16 + issuerCik % 4:D2}{issuerCik % 60:D2}{accession.Length + issuerCik % 37:D2}\n");
        header.Append(CultureInfo.InvariantCulture, $"ACCESSION NUMBER:\t\t{accession}\nCONFORMED SUBMISSION TYPE:\t{type}\nPUBLIC DOCUMENT COUNT:\t\t1\n");
        header.Append(CultureInfo.InvariantCulture, $"CONFORMED PERIOD OF REPORT:\t{date:yyyyMMdd}\nFILED AS OF DATE:\t\t{filed:yyyyMMdd}\n\n");
        foreach (var (cik, name) in ownerList)
        {
            header.Append(CultureInfo.InvariantCulture, $"REPORTING-OWNER:\t\n\n\tOWNER DATA:\t\n\t\tCOMPANY CONFORMED NAME:\t\t\t{name}\n\t\tCENTRAL INDEX KEY:\t\t\t{cik:D10}\n\n");
            header.Append(CultureInfo.InvariantCulture, $"\tFILING VALUES:\n\t\tFORM TYPE:\t\t{type}\n\t\tSEC ACT:\t\t1934 Act\n\t\tSEC FILE NUMBER:\t001-{random.Next(10000, 99999)}\n\n");
        }
        header.Append(CultureInfo.InvariantCulture, $"ISSUER:\t\t\n\n\tCOMPANY DATA:\t\n\t\tCOMPANY CONFORMED NAME:\t\t\t{company.ToUpperInvariant()}\n\t\tCENTRAL INDEX KEY:\t\t\t{issuerCik:D10}\n\t\tSTANDARD INDUSTRIAL CLASSIFICATION:\t{Industries[issuerCik % Industries.Length]}\n</SEC-HEADER>\n");

        var x = new StringBuilder();
        var schema = SchemaOf(random, filed);
        x.Append(CultureInfo.InvariantCulture, $"<?xml version=\"1.0\"?>\n<ownershipDocument>\n    <schemaVersion>{schema}</schemaVersion>\n    <documentType>{type}</documentType>\n");
        x.Append(CultureInfo.InvariantCulture, $"    <periodOfReport>{date:yyyy-MM-dd}</periodOfReport>\n");
        if (type is "3/A" or "4/A") x.Append(CultureInfo.InvariantCulture, $"    <dateOfOriginalSubmission>{date.AddDays(2):yyyy-MM-dd}</dateOfOriginalSubmission>\n");
        var holdingsN = random.Next(0, 7);
        var derivN = random.Next(0, 7);
        if (type is "3" or "3/A") x.Append(CultureInfo.InvariantCulture, $"    <noSecuritiesOwned>{(holdingsN + derivN == 0 ? 1 : 0)}</noSecuritiesOwned>\n");
        else if (withTransactions != null) x.Append(CultureInfo.InvariantCulture, $"    <notSubjectToSection16>{(random.NextDouble() < 0.05 ? "true" : "0")}</notSubjectToSection16>\n");
        if (type == "5" && withTransactions != null) x.Append("    <form3HoldingsReported>0</form3HoldingsReported>\n    <form4TransactionsReported>1</form4TransactionsReported>\n");
        // Most Forms 4 report a trade or two; some report dozens (a day of sales in many lots).
        var nonDerivTrans = withTransactions == null ? 0 : random.NextDouble() < 0.08 ? random.Next(10, 40) : random.Next(0, 4);
        var derivTrans = withTransactions == null ? 0 : random.Next(0, 3);
        withTransactions?.Invoke(nonDerivTrans + derivTrans);
        x.Append(CultureInfo.InvariantCulture, $"    <issuer>\n        <issuerCik>{issuerCik:D10}</issuerCik>\n        <issuerName>{Escape(company)}</issuerName>\n        <issuerTradingSymbol>{(char)('A' + random.Next(26))}{(char)('A' + random.Next(26))}{(char)('A' + random.Next(26))}</issuerTradingSymbol>\n    </issuer>\n");
        foreach (var (cik, name) in ownerList)
        {
            var director = random.NextDouble() < 0.4;
            var officer = !director || random.NextDouble() < 0.3;
            x.Append(CultureInfo.InvariantCulture, $"    <reportingOwner>\n        <reportingOwnerId>\n            <rptOwnerCik>{cik:D10}</rptOwnerCik>\n            <rptOwnerName>{Escape(name)}</rptOwnerName>\n        </reportingOwnerId>\n");
            x.Append(CultureInfo.InvariantCulture, $"        <reportingOwnerAddress>\n            <rptOwnerStreet1>{random.Next(1, 9999)} Market Street</rptOwnerStreet1>\n            <rptOwnerStreet2/>\n            <rptOwnerCity>Springfield</rptOwnerCity>\n            <rptOwnerState>{States[random.Next(States.Length)]}</rptOwnerState>\n            <rptOwnerZipCode>{random.Next(10000, 99999)}</rptOwnerZipCode>\n        </reportingOwnerAddress>\n");
            x.Append(CultureInfo.InvariantCulture, $"        <reportingOwnerRelationship>\n            <isDirector>{(director ? 1 : 0)}</isDirector>\n            <isOfficer>{(officer ? 1 : 0)}</isOfficer>\n            <isTenPercentOwner>{(random.NextDouble() < 0.1 ? 1 : 0)}</isTenPercentOwner>\n            <isOther>0</isOther>\n");
            if (officer) x.Append("            <officerTitle>Chief Operating Officer</officerTitle>\n");
            x.Append("        </reportingOwnerRelationship>\n    </reportingOwner>\n");
        }
        // The Rule 10b5-1 box came with the schemas of 2023.
        if (schema is "X0407" or "X0508") x.Append(CultureInfo.InvariantCulture, $"    <aff10b5One>{(random.NextDouble() < 0.2 ? "1" : random.NextDouble() < 0.05 ? "false" : "0")}</aff10b5One>\n");
        x.Append("    <nonDerivativeTable>\n");
        foreach (var isTransaction in Interleaved(random, holdingsN, nonDerivTrans))
        {
            if (isTransaction)
            {
                NonDerivativeTransaction(x, random, date, type, Fn);
                continue;
            }
            var footnoteOnly = footnotes > 0 && random.NextDouble() < 0.1;
            x.Append(CultureInfo.InvariantCulture, $"        <nonDerivativeHolding>\n            <securityTitle>\n                <value>{Titles[random.Next(Titles.Length)]}</value>{Fn()}\n            </securityTitle>\n");
            x.Append("            <postTransactionAmounts>\n                <sharesOwnedFollowingTransaction>\n");
            x.Append(footnoteOnly ? "                    <footnoteId id=\"F1\"/>\n" : $"                    <value>{random.Next(1, 2_000_000)}</value>{Fn()}\n");
            x.Append("                </sharesOwnedFollowingTransaction>\n            </postTransactionAmounts>\n");
            var indirect = random.NextDouble() < 0.3;
            x.Append(CultureInfo.InvariantCulture, $"            <ownershipNature>\n                <directOrIndirectOwnership>\n                    <value>{(indirect ? "I" : "D")}</value>\n                </directOrIndirectOwnership>\n");
            if (indirect) x.Append(CultureInfo.InvariantCulture, $"                <natureOfOwnership>\n                    <value>By {Surnames[random.Next(Surnames.Length)]} Family Trust</value>{Fn()}\n                </natureOfOwnership>\n");
            x.Append("            </ownershipNature>\n        </nonDerivativeHolding>\n");
        }
        x.Append("    </nonDerivativeTable>\n    <derivativeTable>\n");
        for (var t = 0; t < derivTrans; t++) DerivativeTransaction(x, random, date, type, Fn);
        for (var d = 0; d < derivN; d++)
        {
            var expiry = date.AddYears(random.Next(1, 11));
            x.Append(CultureInfo.InvariantCulture, $"        <derivativeHolding>\n            <securityTitle>\n                <value>{DerivTitles[random.Next(DerivTitles.Length)]}</value>\n            </securityTitle>\n");
            x.Append(CultureInfo.InvariantCulture, $"            <conversionOrExercisePrice>\n                <value>{random.Next(1, 500)}.{random.Next(0, 100):D2}</value>{Fn()}\n            </conversionOrExercisePrice>\n");
            x.Append(random.NextDouble() < 0.4
                ? "            <exerciseDate>\n                <footnoteId id=\"F1\"/>\n            </exerciseDate>\n"
                : $"            <exerciseDate>\n                <value>{date.AddYears(1):yyyy-MM-dd}</value>\n            </exerciseDate>\n");
            x.Append(CultureInfo.InvariantCulture, $"            <expirationDate>\n                <value>{expiry:yyyy-MM-dd}</value>\n            </expirationDate>\n");
            x.Append(CultureInfo.InvariantCulture, $"            <underlyingSecurity>\n                <underlyingSecurityTitle>\n                    <value>Common Stock</value>\n                </underlyingSecurityTitle>\n                <underlyingSecurityShares>\n                    <value>{random.Next(100, 500_000)}</value>{Fn()}\n                </underlyingSecurityShares>\n            </underlyingSecurity>\n");
            x.Append("            <ownershipNature>\n                <directOrIndirectOwnership>\n                    <value>D</value>\n                </directOrIndirectOwnership>\n            </ownershipNature>\n        </derivativeHolding>\n");
        }
        x.Append("    </derivativeTable>\n    <footnotes>\n");
        for (var f = 1; f <= footnotes; f++)
            x.Append(CultureInfo.InvariantCulture, $"        <footnote id=\"F{f}\">The reporting person's holdings include shares held in a trust &amp; vest in {random.Next(2, 5)} annual\n            installments beginning on the first anniversary of the grant date.</footnote>\n");
        x.Append("    </footnotes>\n    <remarks>Exhibit 24 - Power of Attorney</remarks>\n");
        x.Append(CultureInfo.InvariantCulture, $"    <ownerSignature>\n        <signatureName>/s/ {Escape(ownerList[0].Name)}, by attorney-in-fact</signatureName>\n        <signatureDate>{filed:yyyy-MM-dd}</signatureDate>\n    </ownerSignature>\n</ownershipDocument>\n");

        return header + $"<DOCUMENT>\n<TYPE>{type}\n<SEQUENCE>1\n<FILENAME>primary_doc.xml\n<TEXT>\n<XML>\n{x}</XML>\n</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n";
    }

    /// <summary>Holdings (false) and transactions (true) in a random order, as filers mix them in Table I.</summary>
    static IEnumerable<bool> Interleaved(Random random, int holdings, int transactions) => transactions == 0
        ? Enumerable.Repeat(false, holdings)
        : Enumerable.Repeat(false, holdings).Concat(Enumerable.Repeat(true, transactions)).Select(t => (t, random.Next())).OrderBy(p => p.Item2).Select(p => p.t).ToList();

    static void NonDerivativeTransaction(StringBuilder x, Random random, DateOnly date, string type, Func<string> fn)
    {
        var code = Codes[random.Next(Codes.Length)];
        x.Append(CultureInfo.InvariantCulture, $"        <nonDerivativeTransaction>\n            <securityTitle>\n                <value>{Titles[random.Next(Titles.Length)]}</value>{fn()}\n            </securityTitle>\n");
        Transaction(x, random, date, type, code, fn);
        x.Append(CultureInfo.InvariantCulture, $"            <transactionAmounts>\n                <transactionShares>\n                    <value>{random.Next(1, 200_000)}{(random.NextDouble() < 0.2 ? $".{random.Next(0, 1000):D3}" : "")}</value>{fn()}\n                </transactionShares>\n");
        x.Append(random.NextDouble() < 0.15
            ? "                <transactionPricePerShare>\n                    <footnoteId id=\"F1\"/>\n                </transactionPricePerShare>\n"
            : $"                <transactionPricePerShare>\n                    <value>{random.Next(0, 900)}.{random.Next(0, 10_000):D4}</value>\n                </transactionPricePerShare>\n");
        x.Append(CultureInfo.InvariantCulture, $"                <transactionAcquiredDisposedCode>\n                    <value>{(code is "S" or "F" or "G" or "D" ? "D" : "A")}</value>\n                </transactionAcquiredDisposedCode>\n            </transactionAmounts>\n");
        Following(x, random, fn);
        x.Append("        </nonDerivativeTransaction>\n");
    }

    static void DerivativeTransaction(StringBuilder x, Random random, DateOnly date, string type, Func<string> fn)
    {
        var code = random.NextDouble() < 0.6 ? "M" : "A";
        x.Append(CultureInfo.InvariantCulture, $"        <derivativeTransaction>\n            <securityTitle>\n                <value>{DerivTitles[random.Next(DerivTitles.Length)]}</value>\n            </securityTitle>\n");
        x.Append(CultureInfo.InvariantCulture, $"            <conversionOrExercisePrice>\n                <value>{random.Next(1, 500)}.{random.Next(0, 100):D2}</value>{fn()}\n            </conversionOrExercisePrice>\n");
        Transaction(x, random, date, type, code, fn);
        var shares = random.Next(100, 500_000);
        x.Append(CultureInfo.InvariantCulture, $"            <transactionAmounts>\n                <transactionShares>\n                    <value>{shares}</value>\n                </transactionShares>\n");
        if (random.NextDouble() < 0.1) x.Append(CultureInfo.InvariantCulture, $"                <transactionTotalValue>\n                    <value>{shares * 3}</value>\n                </transactionTotalValue>\n");
        x.Append(CultureInfo.InvariantCulture, $"                <transactionPricePerShare>\n                    <value>0</value>{fn()}\n                </transactionPricePerShare>\n                <transactionAcquiredDisposedCode>\n                    <value>{(code == "M" ? "D" : "A")}</value>\n                </transactionAcquiredDisposedCode>\n            </transactionAmounts>\n");
        x.Append(CultureInfo.InvariantCulture, $"            <exerciseDate>\n                <value>{date.AddYears(-1):yyyy-MM-dd}</value>\n            </exerciseDate>\n            <expirationDate>\n                <value>{date.AddYears(random.Next(1, 10)):yyyy-MM-dd}</value>{fn()}\n            </expirationDate>\n");
        x.Append(CultureInfo.InvariantCulture, $"            <underlyingSecurity>\n                <underlyingSecurityTitle>\n                    <value>Common Stock</value>\n                </underlyingSecurityTitle>\n                <underlyingSecurityShares>\n                    <value>{shares}.0</value>\n                </underlyingSecurityShares>\n            </underlyingSecurity>\n");
        Following(x, random, fn);
        x.Append("        </derivativeTransaction>\n");
    }

    /// <summary>Date, deemed execution date (rarely), coding and timeliness (early or late on some Form 5 trades).</summary>
    static void Transaction(StringBuilder x, Random random, DateOnly date, string type, string code, Func<string> fn)
    {
        x.Append(CultureInfo.InvariantCulture, $"            <transactionDate>\n                <value>{date.AddDays(-random.Next(0, 3)):yyyy-MM-dd}</value>{fn()}\n            </transactionDate>\n");
        if (random.NextDouble() < 0.05) x.Append(CultureInfo.InvariantCulture, $"            <deemedExecutionDate>\n                <value>{date:yyyy-MM-dd}</value>\n            </deemedExecutionDate>\n");
        var formType = type.StartsWith('5') || random.NextDouble() < 0.03 ? "5" : "4";
        x.Append(CultureInfo.InvariantCulture, $"            <transactionCoding>\n                <transactionFormType>{formType}</transactionFormType>\n                <transactionCode>{code}</transactionCode>\n                <equitySwapInvolved>{(random.NextDouble() < 0.02 ? "true" : "0")}</equitySwapInvolved>{fn()}\n            </transactionCoding>\n");
        if (formType == "5" && random.NextDouble() < 0.5)
            x.Append(CultureInfo.InvariantCulture, $"            <transactionTimeliness>\n                <value>{(random.NextDouble() < 0.5 ? "E" : "L")}</value>\n            </transactionTimeliness>\n");
    }

    static void Following(StringBuilder x, Random random, Func<string> fn)
    {
        x.Append(CultureInfo.InvariantCulture, $"            <postTransactionAmounts>\n                <sharesOwnedFollowingTransaction>\n                    <value>{random.Next(0, 3_000_000)}</value>{fn()}\n                </sharesOwnedFollowingTransaction>\n            </postTransactionAmounts>\n");
        var indirect = random.NextDouble() < 0.25;
        x.Append(CultureInfo.InvariantCulture, $"            <ownershipNature>\n                <directOrIndirectOwnership>\n                    <value>{(indirect ? "I" : "D")}</value>\n                </directOrIndirectOwnership>\n");
        if (indirect) x.Append(CultureInfo.InvariantCulture, $"                <natureOfOwnership>\n                    <value>By {Surnames[random.Next(Surnames.Length)]} Family Trust</value>\n                </natureOfOwnership>\n");
        x.Append("            </ownershipNature>\n");
    }

    static string LegacyHeaderOnly(Random random, string accession, long issuerCik, DateOnly date, int owners)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"<SEC-DOCUMENT>{accession}.txt : {date:yyyyMMdd}\n<SEC-HEADER>{accession}.hdr.sgml : {date:yyyyMMdd}\n");
        s.Append(CultureInfo.InvariantCulture, $"ACCESSION NUMBER:\t\t{accession}\nCONFORMED SUBMISSION TYPE:\t3\nPUBLIC DOCUMENT COUNT:\t\t1\nFILED AS OF DATE:\t\t{date:yyyyMMdd}\n\n");
        s.Append(CultureInfo.InvariantCulture, $"SUBJECT COMPANY:\n\n\tCOMPANY DATA:\n\t\tCOMPANY CONFORMED NAME:\t\t\tOLD INDUSTRIES INC\n\t\tCENTRAL INDEX KEY:\t\t\t{issuerCik:D10}\n");
        for (var o = 0; o < owners; o++)
        {
            s.Append(CultureInfo.InvariantCulture, $"<REPORTING-OWNER>\n\nCOMPANY DATA:\n\tCOMPANY CONFORMED NAME:\t\t\t{Surnames[random.Next(Surnames.Length)].ToUpperInvariant()} {Given[random.Next(Given.Length)].ToUpperInvariant()}\n");
            s.Append(CultureInfo.InvariantCulture, $"\tCENTRAL INDEX KEY:\t\t\t{1_000_000 + random.Next(0, 900_000):D10}\n<RELATIONSHIP>{(o == 0 ? "DIRECTOR" : "10 PERCENT OWNER")}\n\n");
            s.Append("BUSINESS ADDRESS:\n\tSTREET 1:\t\t1 OLD MILL ROAD\n\tCITY:\t\t\tDAYTON\n\tSTATE:\t\t\tOH\n\tZIP:\t\t\t45402\n</REPORTING-OWNER>\n");
        }
        s.Append("</SEC-HEADER>\n<DOCUMENT>\n<TYPE>3\n<SEQUENCE>1\n<TEXT>\n                 FORM 3 (paper-era text)\n</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n");
        return s.ToString();
    }

    static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace("'", "&apos;");
}
