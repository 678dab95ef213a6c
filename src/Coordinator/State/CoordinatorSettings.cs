using Akka.Configuration;
using Form3Actors.Coordinator.Output;
using Form3Actors.Core.Hosting;
using ParquetSharp;

namespace Form3Actors.Coordinator.State;

/// <summary>The form3.coordinator section of hocon/coordinator.conf, checked value by value.</summary>
public sealed record CoordinatorSettings(
    QueueSettings Queue,
    TimeSpan ProgressInterval,
    TimeSpan RateWindow,
    TimeSpan NodeJoinTimeout,
    int ChecksInFlight,
    TimeSpan CheckDeadline,
    TimeSpan LeaseCheckInterval,
    MissingSettings Missing,
    CheckpointSettings Checkpoint,
    LockSettings Lock,
    TimeSpan NodesLeaveTimeout,
    string CsvPathColumn,
    IReadOnlyList<string> DirectoryPatterns,
    ParquetSettings Parquet)
{
    public static CoordinatorSettings From(Config config)
    {
        var c = new SettingsReader(config, "form3.coordinator");
        var (batchSize, minBatchSize) = (c.Int("batch-size"), c.Int("min-batch-size"));
        if (minBatchSize > batchSize)
            throw new ConfigurationException($"form3.coordinator.min-batch-size is {minBatchSize} and batch-size {batchSize}: set min-batch-size between 1 and batch-size");
        return new CoordinatorSettings(
            new QueueSettings(batchSize, minBatchSize, c.Int("max-attempts"), c.Int("isolate-after-failures"), c.Duration("batch-lease")),
            c.Duration("progress-interval"),
            c.Duration("rate-window"),
            c.Duration("node-join-timeout"),
            c.Int("checks-in-flight"),
            c.Duration("check-deadline"),
            c.Duration("lease-check-interval"),
            new MissingSettings(c.Int("all-missing-stop-after", least: 0), c.Double("missing-warn-share", 0, 1)),
            new CheckpointSettings(c.Double("checkpoint-when-journal-exceeds", 1, 100), c.Int("checkpoint-min-files", least: 0), c.Int("checkpoint-part-files")),
            new LockSettings(c.Duration("lock-lease"), c.Duration("lock-renew-interval")),
            c.Duration("nodes-leave-timeout"),
            c.String("csv-path-column"),
            c.Strings("directory-patterns"),
            new ParquetSettings(c.Int("parquet.row-group-rows"), c.Bytes("parquet.row-group-bytes"), c.Enum<Compression>("parquet.compression"),
                c.Int("parquet.compression-level")));
    }
}

/// <summary>
/// When a finishing run compacts its journal into a checkpoint: once the files it journaled since the last one exceed
/// <paramref name="WhenJournalExceeds"/> times the files the ledger holds (and <paramref name="MinFiles"/>), in parts of
/// <paramref name="PartFiles"/> files.
/// </summary>
public sealed record CheckpointSettings(double WhenJournalExceeds, int MinFiles, int PartFiles);

/// <summary>The run folder's lock: taken over once not renewed for <paramref name="Lease"/>; renewed every <paramref name="RenewInterval"/>.</summary>
public sealed record LockSettings(TimeSpan Lease, TimeSpan RenewInterval);
