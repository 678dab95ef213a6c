namespace Form3Actors.Testing;

/// <summary>What a user's hand, a full disk or a failing server does to result and part files between runs.</summary>
public static class Tamper
{
    /// <summary>Keeps the first half of the file, as a write cut short does.</summary>
    public static void CutInHalf(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.SetLength(file.Length / 2);
    }

    /// <summary>Overwrites <paramref name="bytes"/> bytes in the middle of the file with letters: same length, other content.</summary>
    public static void Overwrite(string path, int bytes, long? at = null)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Position = at ?? file.Length / 2;
        file.Write(Enumerable.Repeat((byte)'X', bytes).ToArray());
    }
}
