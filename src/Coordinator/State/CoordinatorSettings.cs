using Akka.Configuration;

namespace Form3Actors.Coordinator.State;

/// <summary>The form3.coordinator section of hocon/coordinator.conf.</summary>
public sealed record CoordinatorSettings(
    QueueSettings Queue,
    int SnapshotEveryFiles,
    TimeSpan ProgressInterval,
    TimeSpan RateWindow,
    TimeSpan NodeJoinTimeout,
    int ChecksInFlight,
    TimeSpan LeaseCheckInterval)
{
    public static CoordinatorSettings From(Config config)
    {
        var c = config.GetConfig("form3.coordinator") ?? throw new ConfigurationException("form3.coordinator is missing from the configuration");
        var (batchSize, minBatchSize) = (c.GetInt("batch-size"), c.GetInt("min-batch-size"));
        if (minBatchSize < 1 || minBatchSize > batchSize)
            throw new ConfigurationException($"form3.coordinator.min-batch-size is {minBatchSize} and batch-size {batchSize}: " +
                "set min-batch-size between 1 and batch-size");
        return new CoordinatorSettings(
            new QueueSettings(batchSize, minBatchSize, c.GetInt("max-attempts"), c.GetInt("isolate-after-failures"),
                c.GetTimeSpan("batch-lease")),
            c.GetInt("snapshot-every-files"),
            c.GetTimeSpan("progress-interval"),
            c.GetTimeSpan("rate-window"),
            c.GetTimeSpan("node-join-timeout"),
            c.GetInt("checks-in-flight"),
            c.GetTimeSpan("lease-check-interval"));
    }
}
