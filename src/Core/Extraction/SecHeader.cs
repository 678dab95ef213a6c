namespace Form3Actors.Core.Extraction;

/// <summary>A company or person named in the SEC header (the issuer, or one reporting owner).</summary>
public sealed class HeaderParty
{
    public string Name { get; set; } = "";
    public string Cik { get; set; } = "";
    public string FileNumber { get; set; } = "";

    /// <summary>STANDARD INDUSTRIAL CLASSIFICATION's code (the digits in brackets), or .nc's ASSIGNED-SIC.</summary>
    public string Sic { get; set; } = "";
    public HeaderAddress Business { get; } = new();
    public HeaderAddress Mail { get; } = new();

    /// <summary>Legacy headers' &lt;RELATIONSHIP&gt; tags (DIRECTOR, OFFICER, 10 PERCENT OWNER, OTHER), in order.</summary>
    public List<string> Relationships { get; } = [];

    /// <summary>The owner's mailing address when the header gives one, else the business address.</summary>
    public HeaderAddress Address => Mail.IsEmpty ? Business : Mail;
}

public sealed class HeaderAddress
{
    public string Street1 { get; set; } = "";
    public string Street2 { get; set; } = "";
    public string City { get; set; } = "";
    public string State { get; set; } = "";
    public string Zip { get; set; } = "";

    public bool IsEmpty => Street1.Length == 0 && City.Length == 0 && State.Length == 0 && Zip.Length == 0;
}

/// <summary>What the SEC header of a full-submission file says about the filing.</summary>
public sealed class SecHeader
{
    public string AccessionNumber { get; set; } = "";
    public string SubmissionType { get; set; } = "";

    /// <summary>FILED AS OF DATE, as EDGAR gives it (yyyyMMdd).</summary>
    public string FiledAsOf { get; set; } = "";

    public string PeriodOfReport { get; set; } = "";

    /// <summary>ACCEPTANCE-DATETIME as EDGAR gives it (yyyyMMddHHmmss, Eastern time): when the filing became public.</summary>
    public string AcceptanceDateTime { get; set; } = "";

    public string PublicDocumentCount { get; set; } = "";
    public HeaderParty? Issuer { get; set; }
    public List<HeaderParty> ReportingOwners { get; } = [];
}
