namespace Form3Actors.Core.Extraction;

/// <summary>The relationship boxes a reporting owner ticked.</summary>
public readonly record struct Roles(bool Director, bool Officer, bool TenPercentOwner, bool Other)
{
    /// <summary>RPTOWNER_RELATIONSHIP: the SEC data sets' words, comma separated.</summary>
    public string SecWords() => Join(",", "Director", "Officer", "TenPercentOwner", "Other");

    /// <summary>INSIDER_ROLE: the words printed on the form, semicolon separated.</summary>
    public string FormWords() => Join("; ", "Director", "Officer", "10% Owner", "Other");

    string Join(string separator, string director, string officer, string tenPercent, string other)
    {
        var words = new List<string>(4);
        if (Director) words.Add(director);
        if (Officer) words.Add(officer);
        if (TenPercentOwner) words.Add(tenPercent);
        if (Other) words.Add(other);
        return string.Join(separator, words);
    }

    /// <summary>Legacy headers' &lt;RELATIONSHIP&gt; values: DIRECTOR, OFFICER, 10 PERCENT OWNER, OTHER.</summary>
    public static Roles FromHeader(IEnumerable<string> relationships)
    {
        var roles = new Roles();
        foreach (var relationship in relationships)
        {
            var word = relationship.Trim().ToUpperInvariant();
            roles = word switch
            {
                "DIRECTOR" => roles with { Director = true },
                "OFFICER" => roles with { Officer = true },
                "10 PERCENT OWNER" or "10% OWNER" or "TEN PERCENT OWNER" => roles with { TenPercentOwner = true },
                "OTHER" => roles with { Other = true },
                _ => roles,
            };
        }
        return roles;
    }
}
