using Akka.Configuration;

namespace Form3Actors.Core.Work;

/// <summary>The form3.node section of hocon/node.conf.</summary>
public sealed record WorkerSettings(
    long MaxFileBytes,
    int FirstRequestSize,
    int MaxRequestSize,
    TimeSpan BatchTime,
    int ReadsInFlight,
    TimeSpan InlineReadsUnder,
    TimeSpan NoWorkRetry,
    TimeSpan FileDeadline,
    TimeSpan ReportResendInterval,
    TimeSpan RequestResendInterval,
    TimeSpan LeaseRenewInterval,
    string PartsDirectory)
{
    /// <summary>Reads form3.node, value by value; a wrong value is a <see cref="Akka.Configuration.ConfigurationException"/> naming it.</summary>
    public static WorkerSettings From(Config config, string partsDirectory)
    {
        var n = new Hosting.SettingsReader(config, "form3.node");
        return new WorkerSettings(
            n.Bytes("max-file-bytes"),
            n.Int("first-request-size"),
            n.Int("max-request-size"),
            n.Duration("batch-time"),
            n.Int("reads-in-flight"),
            n.Duration("inline-reads-under", allowZero: true),
            n.Duration("no-work-retry"),
            n.Duration("file-deadline"),
            n.Duration("report-resend-interval"),
            n.Duration("request-resend-interval"),
            n.Duration("lease-renew-interval"),
            partsDirectory);
    }
}
