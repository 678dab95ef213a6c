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
    public static WorkerSettings From(Config config, string partsDirectory) => new(
        config.GetByteSize("form3.node.max-file-bytes") ?? throw new ConfigurationException("form3.node.max-file-bytes is not set"),
        config.GetInt("form3.node.first-request-size"),
        config.GetInt("form3.node.max-request-size"),
        config.GetTimeSpan("form3.node.batch-time"),
        config.GetInt("form3.node.reads-in-flight"),
        config.GetTimeSpan("form3.node.inline-reads-under"),
        config.GetTimeSpan("form3.node.no-work-retry"),
        config.GetTimeSpan("form3.node.file-deadline"),
        config.GetTimeSpan("form3.node.report-resend-interval"),
        config.GetTimeSpan("form3.node.request-resend-interval"),
        config.GetTimeSpan("form3.node.lease-renew-interval"),
        partsDirectory);
}
