using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Form3Actors.Messages;

/// <summary>
/// The key of an input file: a 128-bit XxHash of its full path. The coordinator's ledger keeps this key, the size and
/// the modification time per file, never the path, so a run of millions of files stays small in memory and in
/// snapshots. Two paths colliding in 128 bits is not a practical concern (about 1e-26 at a million files). On the
/// wire, in part files and in JSON it is 32 lower-case hex digits.
/// </summary>
[JsonConverter(typeof(FileKeyJsonConverter))]
public readonly record struct FileKey(UInt128 Value) : IComparable<FileKey>
{
    public const int TextLength = 32;

    public static FileKey Of(string fullPath) => new(XxHash128.HashToUInt128(Encoding.UTF8.GetBytes(fullPath)));

    public static FileKey Parse(string text) => TryParse(text, out var key)
        ? key
        : throw new FormatException($"'{text}' is not a file key (32 hex digits)");

    public static bool TryParse(string text, out FileKey key)
    {
        UInt128 value = 0;
        var ok = text.Length == TextLength && UInt128.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        key = new FileKey(value);
        return ok;
    }

    /// <summary>Parses the key as part files hold it (UTF-8 hex), without making a string: the merge does it for every filing of every table.</summary>
    public static FileKey Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length != TextLength) throw new FormatException($"a file key has {TextLength} hex digits, not {utf8.Length}");
        UInt128 value = 0;
        foreach (var digit in utf8)
        {
            var nibble = HexValues[digit];
            if (nibble < 0) throw new FormatException($"'{(char)digit}' is not a hex digit of a file key");
            value = (value << 4) | (uint)nibble;
        }
        return new FileKey(value);
    }

    static readonly sbyte[] HexValues = Enumerable.Range(0, 256)
        .Select(b => (sbyte)(b is >= '0' and <= '9' ? b - '0' : b is >= 'a' and <= 'f' ? b - 'a' + 10 : b is >= 'A' and <= 'F' ? b - 'A' + 10 : -1)).ToArray();

    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt128LittleEndian(destination, Value);

    public static FileKey ReadFrom(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt128LittleEndian(source));

    public int CompareTo(FileKey other) => Value.CompareTo(other.Value);

    public override string ToString() => Value.ToString("x32", CultureInfo.InvariantCulture);
}

/// <summary>A <see cref="FileKey"/> in JSON: its hex text, as the protocol always carried it.</summary>
public sealed class FileKeyJsonConverter : JsonConverter<FileKey>
{
    public override FileKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        FileKey.TryParse(reader.GetString() ?? "", out var key) ? key : throw new JsonException($"'{reader.GetString()}' is not a file key (32 hex digits)");

    public override void Write(Utf8JsonWriter writer, FileKey value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
