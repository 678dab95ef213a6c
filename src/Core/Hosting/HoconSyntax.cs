namespace Form3Actors.Core.Hosting;

/// <summary>
/// The mistakes in a HOCON file that Akka's parser passes over without a word: braces and brackets that do not pair
/// up, and a line that starts with a separator where a key should be. Quoted strings and comments are skipped.
/// </summary>
public static class HoconSyntax
{
    /// <summary>What is wrong, with its line, or null.</summary>
    public static string? Problem(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        var lineStart = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
                lineStart = true;
                continue;
            }
            if (char.IsWhiteSpace(c)) continue;
            if (c == '#' || c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                continue;
            }
            if (lineStart && c is '=' or ':') return $"line {line} starts with '{c}': a key is missing before it";
            lineStart = false;
            switch (c)
            {
                case '"':
                    var triple = string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0;
                    var end = triple ? text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal) : QuoteEnd(text, i);
                    if (end < 0) return $"line {line} opens a quoted string that is never closed";
                    line += text.AsSpan(i, end - i).Count('\n');
                    i = triple ? end + 2 : end;
                    break;
                case '{' or '[':
                    open.Push((c, line));
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0) return $"line {line} closes a '{c}' that was never opened";
                    var (bracket, at) = open.Pop();
                    if (bracket != expected) return $"line {line} closes a '{c}', but the '{bracket}' of line {at} is still open";
                    break;
            }
        }
        return open.Count > 0 ? $"the '{open.Peek().Bracket}' of line {open.Peek().Line} is never closed" : null;
    }

    /// <summary>The closing quote of the single-line string opened at <paramref name="start"/>, or -1.</summary>
    static int QuoteEnd(string text, int start)
    {
        for (var i = start + 1; i < text.Length && text[i] != '\n'; i++)
        {
            if (text[i] == '\\') i++;
            else if (text[i] == '"') return i;
        }
        return -1;
    }
}
