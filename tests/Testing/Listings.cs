namespace Form3Actors.Testing;

/// <summary>Input lists made from a generated corpus's list.</summary>
public static class Listings
{
    /// <summary>
    /// The first <paramref name="take"/> rows of <paramref name="inputCsv"/>, written as <paramref name="name"/> beside it
    /// with every path relative to <paramref name="root"/>: the same list then names the same files wherever the
    /// folder is seen from (locally, or through a mount of it).
    /// </summary>
    public static string Relative(string root, string inputCsv, string name, int take = int.MaxValue)
    {
        var csv = Path.Combine(root, name);
        File.WriteAllLines(csv, File.ReadLines(inputCsv).Take(take == int.MaxValue ? int.MaxValue : take + 1).Select((line, i) =>
        {
            if (i == 0) return line;
            var cut = line.LastIndexOf(',') + 1;
            var path = line[cut..];
            return line[..cut] + (Path.IsPathRooted(path) ? Path.GetRelativePath(root, path) : path);
        }));
        return csv;
    }

    /// <summary>The full paths a list of <see cref="Relative"/> names, in order.</summary>
    public static List<string> Paths(string csv) =>
        File.ReadLines(csv).Skip(1).Select(l => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(csv)!, l[(l.LastIndexOf(',') + 1)..]))).ToList();
}
