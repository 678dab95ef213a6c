using System.Buffers;
using System.Text;

namespace Form3Actors.Core.Extraction;

/// <summary>What a filing file holds once its EDGAR wrapping is taken off.</summary>
/// <param name="Header">The SEC header, or null for a bare ownership XML file.</param>
/// <param name="Xml">The ownership XML of the Form 3, 4 or 5 document, or empty for a legacy header-only filing.</param>
public readonly record struct FilingEnvelope(SecHeader? Header, ReadOnlyMemory<byte> Xml)
{
    static readonly SearchValues<byte> BinaryMarkers = SearchValues.Create([0, 1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);

    public bool IsHeaderOnly => Header != null && Xml.IsEmpty;

    /// <summary>The first line of EDGAR's privacy-enhanced-message envelope (RFC 1421 style), kept on filings accepted up to early 2011.</summary>
    public static ReadOnlySpan<byte> PemBegin => "-----BEGIN PRIVACY-ENHANCED MESSAGE-----"u8;

    /// <summary>
    /// Recognises an EDGAR full submission (classic &lt;SEC-DOCUMENT&gt; or tagged &lt;SUBMISSION&gt;, bare or inside
    /// EDGAR's privacy-enhanced-message envelope) or a bare ownership XML document, checks it is complete and of a form
    /// in <paramref name="forms"/>, and cuts out the ownership XML (a bare XML document's form is checked by the extractor).
    /// </summary>
    public static FilingEnvelope Open(ReadOnlyMemory<byte> file, FormSelection forms)
    {
        var s = file.Span;
        if (s.IsEmpty) throw new BadFilingException(Stage.Read, ErrorKind.Empty, "file is empty");
        var start = s.StartsWith("\xEF\xBB\xBF"u8) ? 3 : 0;
        var first = s[start..].IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0) throw new BadFilingException(Stage.Read, ErrorKind.Empty, "file holds only white space");
        start += first;
        var body = s[start..];

        if (body.StartsWith(PemBegin)) return OpenEnveloped(file, start, forms);
        if (OpenSubmission(file, start, forms) is { } submission) return submission;
        if (LooksLikeXml(body)) return new FilingEnvelope(null, file[start..]);

        var probe = body[..Math.Min(body.Length, 1024)];
        var marker = probe.IndexOfAny(BinaryMarkers);
        if (marker >= 0)
            throw new BadFilingException(Stage.Envelope, ErrorKind.Binary, $"binary data: byte 0x{probe[marker]:X2} at offset {start + marker}; not a text filing");
        throw new BadFilingException(Stage.Envelope, ErrorKind.Unrecognized,
            $"neither an EDGAR submission (<SEC-DOCUMENT> or <SUBMISSION>) nor ownership XML (<ownershipDocument>); starts with '{Preview(body)}'");
    }

    /// <summary>A full submission starting at <paramref name="start"/>, or null if none starts there.</summary>
    static FilingEnvelope? OpenSubmission(ReadOnlyMemory<byte> file, int start, FormSelection forms)
    {
        var body = file.Span[start..];
        if (body.StartsWith("<SEC-DOCUMENT>"u8) || body.StartsWith("<SEC-HEADER>"u8) || body.StartsWith("<IMS-DOCUMENT>"u8))
            return OpenClassic(file, start, forms);
        if (body.StartsWith("<SUBMISSION>"u8))
            return OpenTagged(file, start, forms);
        return null;
    }

    /// <summary>
    /// A submission inside the privacy-enhanced-message envelope: the BEGIN line, header lines (Proc-Type,
    /// Originator-Name, MIC-Info, ... and their continuations), a blank line, the submission, an END line. The
    /// submission is the first line that starts with '&lt;', so a damaged envelope (no blank line, a header line
    /// mangled, the END line missing) still gives the submission inside; what follows its end tag is not read.
    /// </summary>
    static FilingEnvelope OpenEnveloped(ReadOnlyMemory<byte> file, int start, FormSelection forms)
    {
        var s = file.Span;
        var line = start;
        while (true)
        {
            var end = s[line..].IndexOf((byte)'\n');
            if (end < 0)
                throw Truncated("the privacy-enhanced-message envelope (EDGAR's wrapping of filings accepted up to early 2011) holds no submission: " +
                    "no line after its header starts with '<'");
            line += end + 1;
            if (line < s.Length && s[line] == (byte)'<') break;
        }
        return OpenSubmission(file, line, forms) ?? throw new BadFilingException(Stage.Envelope, ErrorKind.Unrecognized,
            $"the privacy-enhanced-message envelope holds no EDGAR submission (<SEC-DOCUMENT>); its content at offset {line} starts with '{Preview(s[line..])}'");
    }

    static FilingEnvelope OpenClassic(ReadOnlyMemory<byte> file, int start, FormSelection forms)
    {
        var s = file.Span;
        var headerEnd = s.IndexOf("</SEC-HEADER>"u8);
        if (headerEnd < 0) throw Truncated("the SEC header is not closed (no </SEC-HEADER>)");
        if (s[headerEnd..].IndexOf("</SEC-DOCUMENT>"u8) < 0 && s[headerEnd..].IndexOf("</IMS-DOCUMENT>"u8) < 0)
            throw Truncated("the submission ends without </SEC-DOCUMENT>");
        var header = SecHeaderParser.ParseClassic(Encoding.Latin1.GetString(s[start..headerEnd]));
        return new FilingEnvelope(header, FindOwnershipXml(file, headerEnd, header, forms));
    }

    static FilingEnvelope OpenTagged(ReadOnlyMemory<byte> file, int start, FormSelection forms)
    {
        var s = file.Span;
        if (s.LastIndexOf("</SUBMISSION>"u8) < 0) throw Truncated("the submission ends without </SUBMISSION>");
        var firstDocument = s.IndexOf("<DOCUMENT>"u8);
        var headerEnd = firstDocument < 0 ? s.Length : firstDocument;
        var header = SecHeaderParser.ParseTagged(Encoding.Latin1.GetString(s[start..headerEnd]));
        return new FilingEnvelope(header, FindOwnershipXml(file, headerEnd, header, forms));
    }

    static ReadOnlyMemory<byte> FindOwnershipXml(ReadOnlyMemory<byte> file, int from, SecHeader header, FormSelection forms)
    {
        forms.Check(header.SubmissionType, Stage.Envelope, "the SEC header");

        var s = file.Span;
        var pos = from;
        while (true)
        {
            var at = s[pos..].IndexOf("<DOCUMENT>"u8);
            if (at < 0) return ReadOnlyMemory<byte>.Empty;
            var docStart = pos + at + "<DOCUMENT>"u8.Length;
            var docEndRel = s[docStart..].IndexOf("</DOCUMENT>"u8);
            if (docEndRel < 0) throw Truncated($"document at offset {docStart} is not closed (no </DOCUMENT>)");
            var docEnd = docStart + docEndRel;
            var document = s[docStart..docEnd];
            if (forms.Takes(DocumentType(document)))
            {
                var xmlAt = document.IndexOf("<XML>"u8);
                if (xmlAt < 0) return ReadOnlyMemory<byte>.Empty;
                var xmlStart = docStart + xmlAt + "<XML>"u8.Length;
                var xmlEnd = s[xmlStart..docEnd].IndexOf("</XML>"u8);
                if (xmlEnd < 0) throw Truncated($"ownership XML at offset {xmlStart} is not closed (no </XML>)");
                var xml = file.Slice(xmlStart, xmlEnd);
                // EDGAR puts a line break after <XML>; an XML declaration after white space is not well-formed.
                var content = xml.Span.IndexOfAnyExcept(" \t\r\n"u8);
                return content < 0 ? ReadOnlyMemory<byte>.Empty : xml[content..];
            }
            pos = docEnd;
        }
    }

    static string DocumentType(ReadOnlySpan<byte> document)
    {
        var at = document.IndexOf("<TYPE>"u8);
        if (at < 0) return "";
        var rest = document[(at + "<TYPE>"u8.Length)..];
        var end = rest.IndexOfAny("\r\n<"u8);
        return Encoding.Latin1.GetString((end < 0 ? rest : rest[..end]).Trim(" \t"u8));
    }

    /// <summary>Markup at the start: a declaration, comment, DOCTYPE or element (the XML scanner judges the rest), or a UTF-16 byte order mark.</summary>
    static bool LooksLikeXml(ReadOnlySpan<byte> body) =>
        body.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || body.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
        || (body.Length > 1 && body[0] == (byte)'<' && (body[1] is (byte)'?' or (byte)'!' or (byte)'_' || char.IsAsciiLetter((char)body[1])));

    static BadFilingException Truncated(string message) => new(Stage.Envelope, ErrorKind.Truncated, message);

    static string Preview(ReadOnlySpan<byte> body)
    {
        var text = Encoding.Latin1.GetString(body[..Math.Min(body.Length, 24)]);
        return new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
    }
}
