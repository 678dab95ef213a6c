using Akka.Configuration;

namespace Form3Actors.Core.Work;

/// <summary>The form3.node section of hocon/node.conf.</summary>
public sealed record WorkerSettings(long MaxFileBytes, int RequestSize, TimeSpan NoWorkRetry, TimeSpan FileDeadline, TimeSpan ReportResendInterval, string PartsDirectory)
{
    public static WorkerSettings From(Config config, string partsDirectory) => new(
        config.GetByteSize("form3.node.max-file-bytes") ?? throw new ConfigurationException("form3.node.max-file-bytes is not set"),
        config.GetInt("form3.node.request-size"),
        config.GetTimeSpan("form3.node.no-work-retry"),
        config.GetTimeSpan("form3.node.file-deadline"),
        config.GetTimeSpan("form3.node.report-resend-interval"),
        partsDirectory);
}
