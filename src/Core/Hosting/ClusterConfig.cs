using System.Globalization;
using Akka.Configuration;

namespace Form3Actors.Core.Hosting;

/// <summary>Layers runtime facts (bind address, seed) from the command line over the HOCON files.</summary>
public static class ClusterConfig
{
    public const string SystemName = "form3";

    public static Config Build(Config files, string host, int port, IEnumerable<string> extraHocon)
    {
        var overrides = string.Join("\n", extraHocon.Prepend(string.Create(CultureInfo.InvariantCulture,
            $"akka.remote.dot-netty.tcp {{ hostname = \"{host}\", port = {port} }}")));
        return ConfigurationFactory.ParseString(overrides).WithFallback(files);
    }

    /// <summary>A HOCON string literal.</summary>
    public static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
