using System.Text;

namespace Form3Actors.Testing;

/// <summary>How <see cref="PemEnvelope.Wrap"/> leaves the envelope: whole, or damaged as archives and downloads leave some.</summary>
public enum EnvelopeDamage { None, NoBlankLine, NoEndLine, MangledHeaderLine, BeginLineOnly }

/// <summary>
/// EDGAR's privacy-enhanced-message envelope (RFC 1421 style), which its archive keeps on full submissions accepted
/// up to early 2011: a BEGIN line, header lines (some continued on lines that start with a space), a blank line, the
/// submission, an END line. For tests and the corpus generator: wraps a submission as EDGAR did, or takes it off.
/// </summary>
public static class PemEnvelope
{
    public const string Begin = "-----BEGIN PRIVACY-ENHANCED MESSAGE-----";
    public const string End = "-----END PRIVACY-ENHANCED MESSAGE-----";

    /// <summary>The header lines of a real envelope (0001181431-10-001904); their content is never read.</summary>
    const string Header =
        "Proc-Type: 2001,MIC-CLEAR\n" +
        "Originator-Name: webmaster@www.sec.gov\n" +
        "Originator-Key-Asymmetric:\n" +
        " MFgwCgYEVQgBAQICAf8DSgAwRwJAW2sNKK9AVtBzYZmr6aGjlWyK3XmZv3dTINen\n" +
        " TWSM7vrzLADbmYQaionwg5sDW3P6oaM5D3tdezXMm7z1T+B+twIDAQAB\n" +
        "MIC-Info: RSA-MD5,RSA,\n" +
        " SlyiPlhByeAXy+GnykrEeTh3YjpcLnD5ChpHO3bw8rjcFkuICY63ch02TSqjauKn\n" +
        " ESXrgZ2TjMn8lJ7UIxKZ6g==\n";

    public static bool IsEnveloped(byte[] file) => Encoding.Latin1.GetString(file, 0, Math.Min(file.Length, 64)).TrimStart().StartsWith(Begin, StringComparison.Ordinal);

    /// <summary>The submission wrapped in the envelope, damaged as asked.</summary>
    public static byte[] Wrap(byte[] submission, EnvelopeDamage damage = EnvelopeDamage.None)
    {
        var header = damage == EnvelopeDamage.MangledHeaderLine ? Header.Replace("MIC-Info: RSA-MD5", "MIC\u0001Info RSA-MD5", StringComparison.Ordinal) : Header;
        if (damage == EnvelopeDamage.BeginLineOnly) return Encoding.Latin1.GetBytes(Begin + "\n" + header);
        var body = Encoding.Latin1.GetString(submission);
        if (!body.EndsWith('\n')) body += "\n";
        var text = Begin + "\n" + header + (damage == EnvelopeDamage.NoBlankLine ? "" : "\n") + body + (damage == EnvelopeDamage.NoEndLine ? "" : End + "\n");
        return Encoding.Latin1.GetBytes(text);
    }

    /// <summary>What an enveloped file holds between its blank line and its END line: the submission as it would be filed today.</summary>
    public static byte[] Unwrap(byte[] enveloped)
    {
        var text = Encoding.Latin1.GetString(enveloped);
        var start = text.IndexOf("\n\n", StringComparison.Ordinal);
        var end = text.LastIndexOf(End, StringComparison.Ordinal);
        if (!IsEnveloped(enveloped) || start < 0 || end < start) throw new ArgumentException("not a whole privacy-enhanced-message envelope", nameof(enveloped));
        return Encoding.Latin1.GetBytes(text[(start + 2)..end]);
    }
}
