using System.Text.RegularExpressions;

namespace Form3Actors.Testing.Reference;

/// <summary>A company or person of the SEC header, as the reference reader keeps it.</summary>
public sealed class Party
{
    public string Name = "", Cik = "", FileNumber = "", Sic = "";
    public readonly Dictionary<string, string> Business = [], Mail = [];
    public readonly List<string> Relationships = [];
}

/// <summary>
/// The reference reader's SEC header: the classic "KEY:&lt;tab&gt;value" layout (sections by indentation, 1990s
/// &lt;REPORTING-OWNER&gt; blocks) and the tagged .nc layout, read line by line with regular expressions.
/// </summary>
public sealed partial class Header
{
    public string Accession = "", SubmissionType = "", FiledAsOf = "", Period = "", AcceptanceDateTime = "", DocumentCount = "";
    public Party? Issuer;
    public readonly List<Party> Owners = [];

    enum In { Top, Issuer, Owner, Elsewhere }

    public static Header ParseClassic(string text)
    {
        var header = new Header();
        var section = In.Top;
        Party? party = null;
        var sub = "";
        foreach (var line in Lines().Split(text))
        {
            if (line.StartsWith('<'))
            {
                if (line.StartsWith("<ACCEPTANCE-DATETIME>")) header.AcceptanceDateTime = line["<ACCEPTANCE-DATETIME>".Length..].Trim();
                else if (line.StartsWith("<REPORTING-OWNER>")) (section, party, sub) = (In.Owner, header.NewOwner(), "");
                else if (line.StartsWith("</REPORTING-OWNER>")) (section, party) = (In.Elsewhere, null);
                else if (line.StartsWith("<RELATIONSHIP>") && line["<RELATIONSHIP>".Length..].Trim() is { Length: > 0 } relationship) party?.Relationships.Add(relationship);
                continue;
            }
            var match = KeyValue().Match(line);
            if (!match.Success) continue;
            var indented = match.Groups["indent"].Length > 0;
            var key = match.Groups["key"].Value.Trim();
            var value = match.Groups["value"].Value.Trim();
            if (value.Length == 0)
            {
                switch (indented ? "" : key)
                {
                    case "ISSUER":
                        (section, party, sub) = (In.Issuer, header.Issuer = new Party(), "");
                        break;
                    case "SUBJECT COMPANY":
                        (section, party, sub) = (In.Issuer, header.Issuer == null ? header.Issuer = new Party() : null, "");
                        break;
                    case "REPORTING-OWNER":
                        (section, party, sub) = (In.Owner, header.NewOwner(), "");
                        break;
                    case "FILER" or "FILED BY" or "GROUP MEMBERS":
                        (section, party, sub) = (In.Elsewhere, null, "");
                        break;
                    default:
                        sub = key;
                        break;
                }
                continue;
            }
            if (section == In.Top)
            {
                switch (key)
                {
                    case "ACCESSION NUMBER": header.Accession = value; break;
                    case "CONFORMED SUBMISSION TYPE": header.SubmissionType = value; break;
                    case "FILED AS OF DATE": header.FiledAsOf = value; break;
                    case "CONFORMED PERIOD OF REPORT": header.Period = value; break;
                    case "PUBLIC DOCUMENT COUNT": header.DocumentCount = value; break;
                }
            }
            else if (party != null)
            {
                SetPartyField(party, sub, key, value);
            }
        }
        return header;
    }

    public static Header ParseTagged(string text)
    {
        var header = new Header();
        var section = In.Top;
        Party? party = null;
        var sub = "";
        foreach (var raw in Lines().Split(text))
        {
            var match = Tag().Match(raw.Trim());
            if (!match.Success) continue;
            var (closing, tag, value) = (match.Groups["close"].Length > 0, match.Groups["tag"].Value, match.Groups["value"].Value.Trim());
            if (closing)
            {
                if (tag is "REPORTING-OWNER" or "ISSUER" or "SUBJECT-COMPANY" or "FILER" or "FILED-BY") (section, party) = (In.Elsewhere, null);
                continue;
            }
            if (value.Length == 0)
            {
                switch (tag)
                {
                    case "REPORTING-OWNER": (section, party, sub) = (In.Owner, header.NewOwner(), ""); break;
                    case "ISSUER": (section, party, sub) = (In.Issuer, header.Issuer = new Party(), ""); break;
                    case "SUBJECT-COMPANY": (section, party, sub) = (In.Issuer, header.Issuer == null ? header.Issuer = new Party() : null, ""); break;
                    case "FILER" or "FILED-BY": (section, party) = (In.Elsewhere, null); break;
                    case "BUSINESS-ADDRESS": sub = "BUSINESS ADDRESS"; break;
                    case "MAIL-ADDRESS": sub = "MAIL ADDRESS"; break;
                    case "COMPANY-DATA" or "OWNER-DATA": sub = "COMPANY DATA"; break;
                    case "FILING-VALUES": sub = "FILING VALUES"; break;
                    case "FORMER-COMPANY" or "FORMER-NAME": sub = "FORMER COMPANY"; break;
                }
                continue;
            }
            if (section == In.Top)
            {
                switch (tag)
                {
                    case "ACCESSION-NUMBER": header.Accession = value; break;
                    case "TYPE": header.SubmissionType = value; break;
                    case "FILING-DATE": header.FiledAsOf = value; break;
                    case "PERIOD": header.Period = value; break;
                    case "ACCEPTANCE-DATETIME": header.AcceptanceDateTime = value; break;
                    case "PUBLIC-DOCUMENT-COUNT": header.DocumentCount = value; break;
                }
            }
            else if (party != null)
            {
                if (tag == "RELATIONSHIP") party.Relationships.Add(value);
                else SetPartyField(party, sub, TaggedToClassic.GetValueOrDefault(tag, tag), value);
            }
        }
        return header;
    }

    static readonly Dictionary<string, string> TaggedToClassic = new()
    {
        ["CONFORMED-NAME"] = "COMPANY CONFORMED NAME", ["CIK"] = "CENTRAL INDEX KEY", ["ASSIGNED-SIC"] = "STANDARD INDUSTRIAL CLASSIFICATION",
        ["FILE-NUMBER"] = "SEC FILE NUMBER", ["STREET1"] = "STREET 1", ["STREET2"] = "STREET 2",
    };

    Party NewOwner()
    {
        var owner = new Party();
        Owners.Add(owner);
        return owner;
    }

    static void SetPartyField(Party party, string sub, string key, string value)
    {
        switch (sub, key)
        {
            case ("COMPANY DATA" or "OWNER DATA" or "", "COMPANY CONFORMED NAME"): party.Name = value; break;
            case ("COMPANY DATA" or "OWNER DATA" or "", "CENTRAL INDEX KEY"): party.Cik = value; break;
            case ("COMPANY DATA" or "OWNER DATA" or "", "STANDARD INDUSTRIAL CLASSIFICATION"):
                party.Sic = SicCode().Match(value) is { Success: true } code ? code.Groups[1].Value : value.All(char.IsAsciiDigit) ? value : "";
                break;
            case ("FILING VALUES", "SEC FILE NUMBER"): party.FileNumber = value; break;
            case ("BUSINESS ADDRESS", "STREET 1" or "STREET 2" or "CITY" or "STATE" or "ZIP"): party.Business[key] = value; break;
            case ("MAIL ADDRESS", "STREET 1" or "STREET 2" or "CITY" or "STATE" or "ZIP"): party.Mail[key] = value; break;
        }
    }

    [GeneratedRegex(@"\r\n|\r|\n")]
    private static partial Regex Lines();

    [GeneratedRegex(@"^(?<indent>[ \t]*)(?<key>[^:<]+):(?<value>.*)$")]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"^<(?<close>/?)(?<tag>[A-Z0-9-]+)>(?<value>.*)$")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\[(\d+)\]\s*$")]
    private static partial Regex SicCode();
}
