using System.Globalization;
using Akka.Configuration;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// Reads typed values of one section of the configuration, so that a value that is wrong (not a duration, a count
/// below its least, an unknown unit) is one clear error naming the key, what it holds and what it takes, at start,
/// instead of an exception with a stack trace in the middle of a run.
/// </summary>
public sealed class SettingsReader(Config config, string section)
{
    Config Section => config.GetConfig(section) ?? throw new ConfigurationException($"{section} is missing from the configuration");

    /// <summary>A duration such as 30s, 250ms or 2m, more than zero unless <paramref name="allowZero"/>.</summary>
    public TimeSpan Duration(string key, bool allowZero = false)
    {
        var value = Read(key, "a duration such as 30s, 250ms or 2m", c => c.GetTimeSpan(key, null, allowInfinite: false));
        if (value < TimeSpan.Zero || value == TimeSpan.Zero && !allowZero)
            throw Bad(key, $"must be {(allowZero ? "zero or more" : "more than zero")}, like 30s");
        return value;
    }

    public int Int(string key, int least = 1)
    {
        var value = Read(key, "a whole number", c => c.GetInt(key));
        return value >= least ? value : throw Bad(key, $"must be at least {least}");
    }

    public double Double(string key, double least, double most)
    {
        var value = Read(key, "a number", c => c.GetDouble(key));
        return value >= least && value <= most ? value : throw Bad(key, $"must be between {least} and {most}");
    }

    /// <summary>A size such as 64 MiB.</summary>
    public long Bytes(string key) =>
        Read(key, "a size such as 64 MiB", c => c.GetByteSize(key)) is > 0 and long bytes ? bytes : throw Bad(key, "must be a size of more than 0 bytes, like 64 MiB");

    public string String(string key) => Read(key, "text", c => c.GetString(key)) is { Length: > 0 } text ? text : throw Bad(key, "must not be empty");

    public IReadOnlyList<string> Strings(string key) => Read(key, "a list such as [\"*.txt\"]", c => c.GetStringList(key)).ToList();

    public bool Bool(string key) => Read(key, "on or off", c => c.GetBoolean(key));

    /// <summary>One of the names of <typeparamref name="T"/>, in any case.</summary>
    public T Enum<T>(string key) where T : struct, Enum
    {
        var names = string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));
        return System.Enum.TryParse<T>(String(key), ignoreCase: true, out var value) && System.Enum.IsDefined(value)
            ? value
            : throw Bad(key, $"is not one of {names}");
    }

    T Read<T>(string key, string expected, Func<Config, T> read)
    {
        if (!Section.HasPath(key)) throw new ConfigurationException($"{section}.{key} is not set; every setting has a default in hocon/: restore it there");
        try
        {
            return read(Section);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or ConfigurationException or InvalidCastException or OverflowException)
        {
            throw Bad(key, $"is not {expected}");
        }
    }

    ConfigurationException Bad(string key, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{section}.{key} = {Raw(key)} {problem}; fix it in hocon/ or in the file FORM3_CONFIG names"));

    string Raw(string key)
    {
        try
        {
            return Section.GetValue(key)?.ToString() ?? "(nothing)";
        }
        catch (Exception e) when (e is FormatException or ArgumentException or ConfigurationException)
        {
            return "(unreadable)";
        }
    }
}
