namespace Form3Actors.Core.Extraction;

/// <summary>
/// Reads the SEC header of a full-submission file in either of EDGAR's two layouts: the classic
/// "KEY:&lt;tab&gt;value" lines inside &lt;SEC-HEADER&gt; (with the 1990s &lt;REPORTING-OWNER&gt; and
/// &lt;RELATIONSHIP&gt; tags), and the tagged "&lt;KEY&gt;value" lines of the .nc dissemination format.
/// </summary>
public static class SecHeaderParser
{
    enum Section { None, Issuer, Owner, Ignored }

    public static SecHeader ParseClassic(ReadOnlySpan<char> header)
    {
        var result = new SecHeader();
        var section = Section.None;
        HeaderParty? party = null;
        var sub = "";
        for (var rest = header; !rest.IsEmpty;)
        {
            var rawLine = NextLine(ref rest);
            var line = rawLine.TrimEnd();
            if (line.IsEmpty) continue;
            if (line[0] == '<')
            {
                if (line.StartsWith("<REPORTING-OWNER>", StringComparison.Ordinal))
                {
                    party = NewOwner(result);
                    section = Section.Owner;
                    sub = "";
                }
                else if (line.StartsWith("</REPORTING-OWNER>", StringComparison.Ordinal))
                {
                    party = null;
                    section = Section.Ignored;
                }
                else if (line.StartsWith("<RELATIONSHIP>", StringComparison.Ordinal))
                {
                    var relationship = line["<RELATIONSHIP>".Length..].Trim();
                    if (!relationship.IsEmpty) party?.Relationships.Add(relationship.ToString());
                }
                else if (line.StartsWith("<ACCEPTANCE-DATETIME>", StringComparison.Ordinal))
                {
                    result.AcceptanceDateTime = line["<ACCEPTANCE-DATETIME>".Length..].Trim().ToString();
                }
                continue;
            }
            var body = line.TrimStart();
            var indented = body.Length != line.Length;
            var colon = body.IndexOf(':');
            if (colon <= 0) continue;
            var key = body[..colon].Trim();
            var value = body[(colon + 1)..].Trim();
            if (value.IsEmpty)
            {
                var top = indented ? Section.None : TopSection(key);
                if (top != Section.None)
                {
                    section = top;
                    party = top switch
                    {
                        Section.Owner => NewOwner(result),
                        Section.Issuer when result.Issuer == null || key.SequenceEqual("ISSUER") => result.Issuer = new HeaderParty(),
                        _ => null,
                    };
                    sub = "";
                }
                else
                {
                    sub = key.ToString();
                }
                continue;
            }
            if (section == Section.None)
            {
                SetTopField(result, key, value.ToString());
            }
            else if (party != null)
            {
                SetPartyField(party, sub, key, value.ToString());
            }
        }
        return result;
    }

    public static SecHeader ParseTagged(ReadOnlySpan<char> header)
    {
        var result = new SecHeader();
        var section = Section.None;
        HeaderParty? party = null;
        var sub = "";
        for (var rest = header; !rest.IsEmpty;)
        {
            var rawLine = NextLine(ref rest);
            var line = rawLine.Trim();
            if (line.Length < 3 || line[0] != '<') continue;
            var close = line.IndexOf('>');
            if (close < 0) continue;
            var closing = line[1] == '/';
            var tag = line[(closing ? 2 : 1)..close];
            var value = line[(close + 1)..].Trim();
            if (tag.SequenceEqual("DOCUMENT")) break;
            if (closing)
            {
                if (tag.SequenceEqual("REPORTING-OWNER") || tag.SequenceEqual("ISSUER") || tag.SequenceEqual("SUBJECT-COMPANY")
                    || tag.SequenceEqual("FILER") || tag.SequenceEqual("FILED-BY"))
                {
                    section = Section.Ignored;
                    party = null;
                }
                continue;
            }
            if (value.IsEmpty)
            {
                switch (tag)
                {
                    case "REPORTING-OWNER":
                        section = Section.Owner;
                        party = NewOwner(result);
                        sub = "";
                        break;
                    case "ISSUER" or "SUBJECT-COMPANY":
                        section = Section.Issuer;
                        party = result.Issuer == null || tag.SequenceEqual("ISSUER") ? result.Issuer = new HeaderParty() : null;
                        sub = "";
                        break;
                    case "FILER" or "FILED-BY":
                        section = Section.Ignored;
                        party = null;
                        break;
                    case "BUSINESS-ADDRESS":
                        sub = "BUSINESS ADDRESS";
                        break;
                    case "MAIL-ADDRESS":
                        sub = "MAIL ADDRESS";
                        break;
                    case "FORMER-COMPANY" or "FORMER-NAME":
                        sub = "FORMER COMPANY";
                        break;
                    case "COMPANY-DATA" or "OWNER-DATA":
                        sub = "COMPANY DATA";
                        break;
                    case "FILING-VALUES":
                        sub = "FILING VALUES";
                        break;
                }
                continue;
            }
            var text = value.ToString();
            if (section == Section.None)
            {
                switch (tag)
                {
                    case "ACCESSION-NUMBER": result.AccessionNumber = text; break;
                    case "TYPE": result.SubmissionType = text; break;
                    case "FILING-DATE": result.FiledAsOf = text; break;
                    case "PERIOD": result.PeriodOfReport = text; break;
                    case "ACCEPTANCE-DATETIME": result.AcceptanceDateTime = text; break;
                    case "PUBLIC-DOCUMENT-COUNT": result.PublicDocumentCount = text; break;
                }
            }
            else if (party != null)
            {
                var key = tag switch
                {
                    "CONFORMED-NAME" => "COMPANY CONFORMED NAME",
                    "CIK" => "CENTRAL INDEX KEY",
                    "FILE-NUMBER" => "SEC FILE NUMBER",
                    "STREET1" => "STREET 1",
                    "STREET2" => "STREET 2",
                    "RELATIONSHIP" => "RELATIONSHIP",
                    "ASSIGNED-SIC" => "STANDARD INDUSTRIAL CLASSIFICATION",
                    _ => tag.ToString(),
                };
                if (key == "RELATIONSHIP") party.Relationships.Add(text);
                else SetPartyField(party, sub, key, text);
            }
        }
        return result;
    }

    static HeaderParty NewOwner(SecHeader header)
    {
        var owner = new HeaderParty();
        header.ReportingOwners.Add(owner);
        return owner;
    }

    static Section TopSection(ReadOnlySpan<char> key) => key switch
    {
        "ISSUER" or "SUBJECT COMPANY" => Section.Issuer,
        "REPORTING-OWNER" => Section.Owner,
        "FILER" or "FILED BY" or "GROUP MEMBERS" => Section.Ignored,
        _ => Section.None,
    };

    static void SetTopField(SecHeader header, ReadOnlySpan<char> key, string value)
    {
        switch (key)
        {
            case "ACCESSION NUMBER": header.AccessionNumber = value; break;
            case "CONFORMED SUBMISSION TYPE": header.SubmissionType = value; break;
            case "FILED AS OF DATE": header.FiledAsOf = value; break;
            case "CONFORMED PERIOD OF REPORT": header.PeriodOfReport = value; break;
            case "PUBLIC DOCUMENT COUNT": header.PublicDocumentCount = value; break;
        }
    }

    static void SetPartyField(HeaderParty party, string sub, ReadOnlySpan<char> key, string value)
    {
        switch (sub)
        {
            case "COMPANY DATA" or "OWNER DATA" or "":
                if (key.SequenceEqual("COMPANY CONFORMED NAME")) party.Name = value;
                else if (key.SequenceEqual("CENTRAL INDEX KEY")) party.Cik = value;
                else if (key.SequenceEqual("STANDARD INDUSTRIAL CLASSIFICATION")) party.Sic = SicCode(value);
                break;
            case "FILING VALUES":
                if (key.SequenceEqual("SEC FILE NUMBER")) party.FileNumber = value;
                break;
            case "BUSINESS ADDRESS":
                SetAddressField(party.Business, key, value);
                break;
            case "MAIL ADDRESS":
                SetAddressField(party.Mail, key, value);
                break;
        }
    }

    /// <summary>"NATURAL GAS DISTRIBUTION [4924]" gives 4924; .nc headers give the bare code.</summary>
    static string SicCode(string value)
    {
        var open = value.LastIndexOf('[');
        var code = open >= 0 && value.EndsWith(']') ? value[(open + 1)..^1].Trim() : value.Trim();
        return code.Length > 0 && code.All(char.IsAsciiDigit) ? code : "";
    }

    static void SetAddressField(HeaderAddress address, ReadOnlySpan<char> key, string value)
    {
        switch (key)
        {
            case "STREET 1": address.Street1 = value; break;
            case "STREET 2": address.Street2 = value; break;
            case "CITY": address.City = value; break;
            case "STATE": address.State = value; break;
            case "ZIP": address.Zip = value; break;
        }
    }

    /// <summary>
    /// Cuts the first line off <paramref name="rest"/>. Lines end at \r\n, \r or \n only: string.EnumerateLines also
    /// ends them at form feeds and U+0085, which Latin-1 makes of the bytes 0x0C and 0x85 inside a value.
    /// </summary>
    static ReadOnlySpan<char> NextLine(ref ReadOnlySpan<char> rest)
    {
        var at = rest.IndexOfAny('\r', '\n');
        if (at < 0)
        {
            var last = rest;
            rest = [];
            return last;
        }
        var line = rest[..at];
        rest = rest[(at + (rest[at] == '\r' && at + 1 < rest.Length && rest[at + 1] == '\n' ? 2 : 1))..];
        return line;
    }
}
