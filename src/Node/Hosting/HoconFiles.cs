using Akka.Configuration;

namespace Form3Actors.Node.Hosting;

/// <summary>
/// Loads the HOCON files from hocon/ (copied beside the executables). They are the one home of configuration:
/// code reads every knob from here, and command-line options are layered on top as overrides.
/// </summary>
public static class HoconFiles
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "hocon");

    /// <summary>Loads the named files, the first taking precedence over the later ones.</summary>
    public static Config Load(params string[] names)
    {
        var config = Config.Empty;
        foreach (var name in names)
        {
            var path = Path.Combine(Directory, name);
            if (!File.Exists(path)) throw new FileNotFoundException($"configuration file missing: {path}", path);
            config = config.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(path)));
        }
        return config;
    }
}
