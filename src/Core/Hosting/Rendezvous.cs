using System.Text.Json;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// rendezvous.json in the run folder: the coordinator's cluster address, written once it listens, so nodes on any
/// host of the job can find it without knowing its port in advance. Job id and restart count tell a requeued job's
/// nodes not to trust the previous attempt's file. Secure says whether the coordinator uses the run's TLS certificate,
/// so nodes follow it without being told. Finished says the run is complete: a node that starts (or is still joining)
/// after that exits at once instead of waiting for a coordinator that is gone.
/// </summary>
public sealed record Rendezvous(string Address, string Host, int Pid, string? SlurmJobId, int SlurmRestartCount, bool Secure, DateTimeOffset WrittenAt,
    bool Finished = false)
{
    public const string FileName = "rendezvous.json";

    public void Write(string runDirectory) => JsonFile.WriteAtomically(Path.Combine(runDirectory, FileName), this);

    /// <summary>The rendezvous of this job attempt, or null while there is none (or only a stale one).</summary>
    public static Rendezvous? ReadCurrent(string runDirectory)
    {
        Rendezvous? found;
        try
        {
            found = JsonFile.Read<Rendezvous>(Path.Combine(runDirectory, FileName));
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
        if (found == null) return null;
        var job = RunEnvironment.SlurmJobId;
        if (job != null && (found.SlurmJobId != job || found.SlurmRestartCount != RunEnvironment.SlurmRestartCount)) return null;
        return found;
    }

    /// <summary>Marks the run finished, for nodes that start or are still joining once the coordinator is gone.</summary>
    public void WriteFinished(string runDirectory) => (this with { Finished = true, WrittenAt = DateTimeOffset.UtcNow }).Write(runDirectory);
}
