using System.Buffers;
using System.Text;

namespace Form3Actors.Core.Extraction;

/// <summary>
/// A parsed XML document as a flat array of elements that point into the source bytes. Reused from filing to
/// filing by one thread, so parsing a filing allocates only the strings that end up in rows.
/// </summary>
/// <remarks>Built by <see cref="XmlScanner"/>; read by <see cref="OwnershipExtractor"/> with child look-ups by local name.</remarks>
public sealed class XmlTree
{
    internal struct Element
    {
        public int QNameStart, QNameLength;
        public int LocalStart, LocalLength;
        public int AttrStart, AttrEnd;
        public int ContentStart, ContentEnd;
        public int Parent, FirstChild, LastChild, NextSibling;
    }

    Element[] _elements = new Element[256];
    byte[] _scratch = new byte[4096];

    internal int Count;
    internal ReadOnlyMemory<byte> Source;

    public const int None = -1;

    /// <summary>The document element, always index 0 once parsed.</summary>
    public int Root => Count > 0 ? 0 : None;

    internal ref Element this[int index] => ref _elements[index];

    internal void Reset(ReadOnlyMemory<byte> source)
    {
        Source = source;
        Count = 0;
    }

    internal int Add()
    {
        if (Count == _elements.Length) Array.Resize(ref _elements, _elements.Length * 2);
        _elements[Count] = default;
        return Count++;
    }

    public ReadOnlySpan<byte> LocalName(int element) =>
        Source.Span.Slice(_elements[element].LocalStart, _elements[element].LocalLength);

    public string LocalNameString(int element) => Encoding.UTF8.GetString(LocalName(element));

    /// <summary>The first child element with this local name, or <see cref="None"/>.</summary>
    public int Child(int element, ReadOnlySpan<byte> localName)
    {
        if (element == None) return None;
        var span = Source.Span;
        for (var c = _elements[element].FirstChild; c != None; c = _elements[c].NextSibling)
        {
            ref var e = ref _elements[c];
            if (span.Slice(e.LocalStart, e.LocalLength).SequenceEqual(localName)) return c;
        }
        return None;
    }

    /// <summary>All child elements with this local name, in document order.</summary>
    public ChildEnumerator Children(int element, ReadOnlySpan<byte> localName) => new(this, element, localName);

    public int FirstChild(int element) => element == None ? None : _elements[element].FirstChild;

    /// <summary>Text of the child element <paramref name="localName"/>, or "" when absent.</summary>
    public string ChildText(int element, ReadOnlySpan<byte> localName) => Text(Child(element, localName));

    /// <summary>
    /// The element's text with entities and CDATA resolved, comments dropped and XML white space collapsed to single
    /// spaces and trimmed (filers wrap long values across lines; a table cell should not). "" when absent.
    /// </summary>
    public string Text(int element) => Text(element, out _);

    /// <summary>
    /// <see cref="Text(int)"/>, and in <paramref name="asFiled"/> the text trimmed but with its white space as filed
    /// when that differs (null when it is the same).
    /// </summary>
    public string Text(int element, out string? asFiled)
    {
        asFiled = null;
        if (element == None) return "";
        ref var e = ref _elements[element];
        if (e.ContentEnd <= e.ContentStart) return "";
        var raw = Source.Span[e.ContentStart..e.ContentEnd];
        if (raw.IndexOfAny((byte)'&', (byte)'<') < 0) return Normalize(raw, out asFiled);
        var needed = raw.Length;
        if (_scratch.Length < needed) _scratch = new byte[Math.Max(needed, _scratch.Length * 2)];
        var length = XmlScanner.DecodeContent(raw, _scratch);
        return Normalize(_scratch.AsSpan(0, length), out asFiled);
    }

    /// <summary>The cell of the element's text: its value with white space collapsed, and its text as filed.</summary>
    public Cell TextCell(int element) => new(Text(element, out var asFiled), asFiled);

    /// <summary>The cell of the child element's text.</summary>
    public Cell ChildTextCell(int element, ReadOnlySpan<byte> localName) => TextCell(Child(element, localName));

    /// <summary>The unescaped value of an attribute of the element, or null when it has none of that name.</summary>
    public string? Attribute(int element, ReadOnlySpan<byte> name)
    {
        if (element == None) return null;
        ref var e = ref _elements[element];
        var region = Source.Span[e.AttrStart..e.AttrEnd];
        var pos = 0;
        while (pos < region.Length)
        {
            while (pos < region.Length && XmlScanner.IsSpace(region[pos])) pos++;
            if (pos >= region.Length || region[pos] == (byte)'/') break;
            var nameStart = pos;
            while (pos < region.Length && region[pos] != (byte)'=' && !XmlScanner.IsSpace(region[pos])) pos++;
            var attrName = region[nameStart..pos];
            while (pos < region.Length && region[pos] != (byte)'"' && region[pos] != (byte)'\'') pos++;
            if (pos >= region.Length) break;
            var quote = region[pos++];
            var valueStart = pos;
            var close = region[pos..].IndexOf(quote);
            if (close < 0) break;
            pos += close;
            var value = region[valueStart..pos];
            pos++;
            if (LocalPart(attrName).SequenceEqual(name))
            {
                if (value.IndexOf((byte)'&') < 0) return Normalize(value, out _);
                var buffer = new byte[value.Length];
                return Normalize(buffer.AsSpan(0, XmlScanner.DecodeContent(value, buffer)), out _);
            }
        }
        return null;
    }

    static ReadOnlySpan<byte> LocalPart(ReadOnlySpan<byte> qname)
    {
        var colon = qname.LastIndexOf((byte)':');
        return colon < 0 ? qname : qname[(colon + 1)..];
    }

    static readonly SearchValues<byte> WhiteSpaceOtherThanSpace = SearchValues.Create("\t\r\n"u8);

    /// <summary>The text trimmed, with each run of white space made one space; <paramref name="asFiled"/> the trimmed text when that differs.</summary>
    static string Normalize(ReadOnlySpan<byte> text, out string? asFiled)
    {
        asFiled = null;
        var start = 0;
        var end = text.Length;
        while (start < end && XmlScanner.IsSpace(text[start])) start++;
        while (end > start && XmlScanner.IsSpace(text[end - 1])) end--;
        text = text[start..end];
        if (text.IsEmpty) return "";
        if (text.IndexOfAny(WhiteSpaceOtherThanSpace) < 0 && text.IndexOf("  "u8) < 0) return Encoding.UTF8.GetString(text);
        asFiled = Encoding.UTF8.GetString(text);

        var buffer = text.Length <= 1024 ? stackalloc byte[text.Length] : new byte[text.Length];
        var length = 0;
        var inSpace = false;
        foreach (var b in text)
        {
            if (XmlScanner.IsSpace(b))
            {
                if (!inSpace) buffer[length++] = (byte)' ';
                inSpace = true;
            }
            else
            {
                buffer[length++] = b;
                inSpace = false;
            }
        }
        return Encoding.UTF8.GetString(buffer[..length]);
    }

    /// <summary>Enumerates the children of one element that have a given local name.</summary>
    public ref struct ChildEnumerator
    {
        readonly XmlTree _tree;
        readonly ReadOnlySpan<byte> _name;
        int _next;

        internal ChildEnumerator(XmlTree tree, int parent, ReadOnlySpan<byte> name)
        {
            _tree = tree;
            _name = name;
            _next = parent == None ? None : tree._elements[parent].FirstChild;
            Current = None;
        }

        public int Current { get; private set; }

        public readonly ChildEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            var span = _tree.Source.Span;
            while (_next != None)
            {
                var candidate = _next;
                ref var e = ref _tree._elements[candidate];
                _next = e.NextSibling;
                if (span.Slice(e.LocalStart, e.LocalLength).SequenceEqual(_name))
                {
                    Current = candidate;
                    return true;
                }
            }
            return false;
        }
    }
}
