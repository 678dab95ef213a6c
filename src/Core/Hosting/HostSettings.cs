using Akka.Configuration;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// The settings both commands read before anything starts (form3.shutdown-deadline, form3.verbose-logs,
/// form3.cluster, form3.node's workers and join timeout), checked value by value: a wrong one ends the command at once
/// with exit 2 and the key it is about.
/// </summary>
public sealed record HostSettings(TimeSpan ShutdownDeadline, bool VerboseLogs, TimeSpan DownUnreachableAfter, TimeSpan CoordinatorUnreachableAfter,
    int Workers, TimeSpan JoinTimeout)
{
    public static HostSettings From(Config config)
    {
        var top = new SettingsReader(config, "form3");
        var cluster = new SettingsReader(config, "form3.cluster");
        var node = new SettingsReader(config, "form3.node");
        return new HostSettings(top.Duration("shutdown-deadline"), top.Bool("verbose-logs"), cluster.Duration("down-unreachable-after"),
            cluster.Duration("coordinator-unreachable-after"), node.Int("workers", least: 0), node.Duration("join-timeout"));
    }
}
