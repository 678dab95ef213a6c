using Form3Actors.Coordinator.State;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// status.json in the run folder: the latest progress reading, rewritten atomically at every interval so that
/// `form3-coordinator status` can print it from another terminal while the run goes on.
/// </summary>
public static class StatusFile
{
    public const string FileName = "status.json";

    public static void Write(string runDirectory, ProgressReport report, int pid, string host)
    {
        var status = new StatusDocument(report.Phase, report.Done, report.Total, Math.Round(report.Percent, 2), report.Skipped,
            Math.Round(report.FilesPerSecond, 1), report.Eta?.TotalSeconds, report.NodesUp, report.Workers, report.Retries,
            report.Failures, report.StartedAt, report.At, host, pid);
        JsonFile.WriteAtomically(Path.Combine(runDirectory, FileName), status);
    }

    public static StatusDocument? Read(string runDirectory) => JsonFile.Read<StatusDocument>(Path.Combine(runDirectory, FileName));
}

/// <summary>The content of status.json.</summary>
public sealed record StatusDocument(
    string Phase, int Done, int Total, double Percent, int Skipped, double FilesPerSecond, double? EtaSeconds,
    int NodesUp, int Workers, int Retries, int Failures, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt, string Host, int Pid);
