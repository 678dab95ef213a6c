using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Hosting;

/// <summary>
/// Keeps a second coordinator off a run folder: two writers on one SQLite journal corrupt the run. The lock is an
/// OS lock on coordinator.lock held while the process lives, so a crashed or killed coordinator (a preempted job)
/// leaves nothing that blocks the next attempt. Who holds it is written beside it for the error message.
/// </summary>
public sealed class RunLock : IDisposable
{
    readonly FileStream _lock;
    readonly string _ownerPath;

    RunLock(FileStream @lock, string ownerPath)
    {
        _lock = @lock;
        _ownerPath = ownerPath;
    }

    public static RunLock Acquire(RunFolder folder)
    {
        var ownerPath = folder.Lock + ".owner";
        FileStream stream;
        try
        {
            stream = new FileStream(folder.Lock, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var owner = File.Exists(ownerPath) ? File.ReadAllText(ownerPath).Trim() : "unknown owner";
            throw new RunFolderInUseException($"another coordinator is using the run folder {folder.Root} ({owner}); wait for it to finish, stop it, or use another --run-dir");
        }
        File.WriteAllText(ownerPath, $"host {Environment.MachineName}, pid {Environment.ProcessId}, Slurm job {RunEnvironment.SlurmJobId ?? "none"}, since {DateTimeOffset.UtcNow:u}\n");
        return new RunLock(stream, ownerPath);
    }

    public void Dispose()
    {
        File.Delete(_ownerPath);
        _lock.Dispose();
    }
}

/// <summary>Another coordinator holds the run folder: a state of the world, not a usage error (exit 1).</summary>
public sealed class RunFolderInUseException(string message) : Exception(message);
