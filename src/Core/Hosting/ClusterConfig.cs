using System.Globalization;
using Akka.Configuration;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// Where a process listens and how others reach it: <paramref name="Public"/> is the address it advertises (the one
/// every other host of the job resolves to this machine), <paramref name="Bind"/> the interface it listens on (the
/// same by default; 0.0.0.0 for every interface), <paramref name="Port"/> 0 for a free one.
/// </summary>
public sealed record Addresses(string Public, string Bind, int Port);

/// <summary>Layers runtime facts (addresses, the journal) from the command line over the HOCON files.</summary>
public static class ClusterConfig
{
    public const string SystemName = "form3";

    public static Config Build(Config files, Addresses addresses, IEnumerable<string> extraHocon)
    {
        var overrides = string.Join("\n", extraHocon.Prepend(string.Create(CultureInfo.InvariantCulture,
            $"akka.remote.dot-netty.tcp {{ hostname = {Quote(addresses.Bind)}, public-hostname = {Quote(addresses.Public)}, port = {addresses.Port} }}")));
        return ConfigurationFactory.ParseString(overrides).WithFallback(files);
    }

    /// <summary>A HOCON string literal.</summary>
    public static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
