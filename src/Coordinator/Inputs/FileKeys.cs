using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Form3Actors.Coordinator.Inputs;

/// <summary>
/// The coordinator's compact key of an input file: a 128-bit XxHash of its full path. The ledger keeps this key, the
/// size and the modification time per file, never the path, so a run of millions of files stays small in memory
/// and in snapshots. Two paths colliding in 128 bits is not a practical concern (about 1e-26 at a million files).
/// </summary>
public static class FileKeys
{
    public static UInt128 Of(string fullPath) => XxHash128.HashToUInt128(Encoding.UTF8.GetBytes(fullPath));

    public static string ToText(UInt128 key) => key.ToString("x32", CultureInfo.InvariantCulture);

    public static UInt128 Parse(string text) => UInt128.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>Parses the key as part files hold it (UTF-8 hex), without making a string.</summary>
    public static UInt128 Parse(ReadOnlySpan<byte> utf8) => UInt128.Parse(utf8, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
