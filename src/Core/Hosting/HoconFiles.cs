using Akka.Configuration;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// Loads the HOCON files from hocon/ (copied beside the executables). They are the one home of configuration:
/// code reads every knob from here, and command-line options are layered on top as overrides. A site or a test can
/// override any key without editing them: FORM3_CONFIG names one more HOCON file that takes precedence.
/// </summary>
public static class HoconFiles
{
    public const string OverrideVariable = "FORM3_CONFIG";

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "hocon");

    /// <summary>
    /// Loads the named files, the first taking precedence over the later ones, under FORM3_CONFIG if set; null, with
    /// the reason on stderr, when a file is missing or not valid HOCON (the commands then exit 2).
    /// </summary>
    public static Config? TryLoad(params string[] names)
    {
        try
        {
            return Load(names);
        }
        catch (Exception e) when (e is FileNotFoundException or ConfigurationException or FormatException)
        {
            Console.Error.WriteLine($"error: configuration: {e.Message}");
            return null;
        }
    }

    /// <summary>Loads the named files, the first taking precedence over the later ones, under FORM3_CONFIG if set.</summary>
    public static Config Load(params string[] names)
    {
        var config = Config.Empty;
        if (Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } overrides)
        {
            if (!File.Exists(overrides)) throw new FileNotFoundException($"{OverrideVariable} names a file that does not exist: {overrides}", overrides);
            config = Parse(overrides);
        }
        foreach (var name in names)
        {
            var path = Path.Combine(Directory, name);
            if (!File.Exists(path)) throw new FileNotFoundException($"configuration file missing: {path}", path);
            config = config.WithFallback(Parse(path));
        }
        return config;
    }

    static Config Parse(string path)
    {
        var text = File.ReadAllText(path);
        // Akka's parser skips what it cannot read (a stray brace, a key without a value) and the setting silently does not apply.
        if (HoconSyntax.Problem(text) is { } problem) throw new ConfigurationException($"{path}: {problem}");
        return ConfigurationFactory.ParseString(text);
    }
}
