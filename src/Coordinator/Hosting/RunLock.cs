using System.Text.Json;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Hosting;

/// <summary>Who holds a run folder's lock, as written in coordinator.lock; <paramref name="RenewedAt"/> is its lease.</summary>
public sealed record LockHolder(string Token, string Host, int Pid, string? SlurmJob, int SlurmRestart, DateTimeOffset AcquiredAt, DateTimeOffset RenewedAt)
{
    public override string ToString() =>
        $"host {Host}, pid {Pid}, Slurm job {SlurmJob ?? "none"}, since {AcquiredAt:u}, renewed {RenewedAt:u}";
}

/// <summary>Whether a lock file found in place may be taken over, and why.</summary>
public abstract record LockVerdict
{
    /// <summary>Its holder is gone: take it over.</summary>
    public sealed record Stale(string Why) : LockVerdict;

    /// <summary>Its holder may be alive: refuse, with a message for the user.</summary>
    public sealed record Held(string Message) : LockVerdict;

    /// <summary>
    /// A lock found in place, judged: stale when its lease ran out, when its holder on this host is no longer
    /// running, or when it is an earlier attempt of this same Slurm job (a requeued job's earlier attempt is over).
    /// </summary>
    public static LockVerdict Judge(LockHolder holder, LockHolder me, TimeSpan lease, Func<int, DateTimeOffset, bool> runsHere)
    {
        var silent = me.AcquiredAt - holder.RenewedAt;
        if (silent > lease) return new Stale($"its lease ran out {silent.TotalSeconds:N0} s ago");
        if (holder.Host == me.Host && !runsHere(holder.Pid, holder.AcquiredAt)) return new Stale($"process {holder.Pid} on this host has ended");
        if (holder.SlurmJob != null && holder.SlurmJob == me.SlurmJob && holder.SlurmRestart < me.SlurmRestart)
            return new Stale($"it is attempt {holder.SlurmRestart} of this Slurm job, which was requeued");
        return new Held($"held by {holder}; it is taken over once not renewed for {lease.TotalSeconds:N0} s (form3.coordinator.lock-lease)");
    }
}

/// <summary>
/// Keeps a second coordinator off a run folder: two writers on one SQLite journal corrupt the run. The lock is
/// coordinator.lock, made by an exclusive create, which holds on every file system a run folder may be on (an OS
/// lock such as flock is silently a no-op on Lustre mounted without flock and on some NFS set-ups). It names its
/// holder and carries a lease the holder renews; a lock whose lease ran out, whose holder on this host has ended,
/// or that an earlier attempt of the same Slurm job left, is taken over. If the lock is taken over while this
/// coordinator still runs (it was frozen past its lease), the renewal finds that out and the run stops.
/// </summary>
public sealed class RunLock : IDisposable
{
    readonly string _path;
    readonly TimeSpan _lease;
    readonly Timer _renewal;
    readonly Action<string> _lost;
    readonly LockHolder _me;
    bool _released;

    RunLock(string path, LockHolder me, TimeSpan lease, TimeSpan renewEvery, Action<string> lost)
    {
        _path = path;
        _me = me;
        _lease = lease;
        _lost = lost;
        _renewal = new Timer(_ => Renew(), null, renewEvery, renewEvery);
    }

    /// <summary>Takes the run folder's lock, or throws <see cref="RunFolderInUseException"/> naming who holds it. <paramref name="lost"/> is called if it is taken over later.</summary>
    public static RunLock Acquire(RunFolder folder, TimeSpan lease, TimeSpan renewEvery, Action<string> lost)
    {
        var now = DateTimeOffset.UtcNow;
        var me = new LockHolder(Guid.NewGuid().ToString("N"), Environment.MachineName, Environment.ProcessId, RunEnvironment.SlurmJobId,
            RunEnvironment.SlurmRestartCount, now, now);
        if (!TryCreate(folder.Lock, me))
        {
            var holder = Read(folder.Lock);
            var verdict = holder is not null ? LockVerdict.Judge(holder, me, lease, LocalProcess.RunsSince) : JudgeUnreadable(folder.Lock, lease);
            if (verdict is LockVerdict.Held held) throw InUse(folder, held.Message);
            if (!TakeOver(folder.Lock, holder, me))
                throw InUse(folder, $"another coordinator took it over at the same moment ({Read(folder.Lock)?.ToString() ?? "unknown"})");
            Console.Error.WriteLine($"note: took over the run folder's lock ({holder?.ToString() ?? "unreadable"}): {((LockVerdict.Stale)verdict).Why}");
        }
        return new RunLock(folder.Lock, me, lease, renewEvery, lost);
    }

    /// <summary>
    /// A lock file that names no holder is being created by another coordinator right now, or was left half-written
    /// by a crash: only its age tells the two apart.
    /// </summary>
    static LockVerdict JudgeUnreadable(string path, TimeSpan lease)
    {
        var age = DateTime.UtcNow - File.GetLastWriteTimeUtc(path);
        return age > lease
            ? new LockVerdict.Stale($"it names no holder and is {age.TotalSeconds:N0} s old (a crash while it was written)")
            : new LockVerdict.Held("another coordinator is taking it right now");
    }

    static RunFolderInUseException InUse(RunFolder folder, string why) =>
        new($"another coordinator is using the run folder {folder.Root} ({why}); wait for it to finish, stop it, or use another --run-dir");

    /// <summary>Creates the lock file only if there is none: the exclusive create is the lock.</summary>
    static bool TryCreate(string path, LockHolder me)
    {
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            file.Write(JsonSerializer.SerializeToUtf8Bytes(me, JsonFile.Options));
            file.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    /// <summary>
    /// Moves the stale lock aside under a name of our own (a rename is atomic: of two takers, one moves it), checks
    /// that what moved is the stale lock and not one a quicker taker made meanwhile, then creates ours.
    /// </summary>
    static bool TakeOver(string path, LockHolder? stale, LockHolder me)
    {
        var aside = $"{path}.stale-{me.Token}";
        try
        {
            File.Move(path, aside);
        }
        catch (FileNotFoundException)
        {
            return TryCreate(path, me);
        }
        var moved = Read(aside);
        if (moved?.Token != stale?.Token)
        {
            File.Move(aside, path); // a fresh lock of another coordinator: put it back
            return false;
        }
        File.Delete(aside);
        return TryCreate(path, me);
    }

    static LockHolder? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<LockHolder>(File.ReadAllBytes(path), JsonFile.Options);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Renews the lease by writing a new lock file and renaming it over the old one, so that a coordinator judging the
    /// lock never reads half a file; if the lock is no longer ours, says so once and stops renewing.
    /// </summary>
    void Renew()
    {
        lock (_renewal)
        {
            if (_released) return;
            var renewed = $"{_path}.renew-{_me.Token}";
            try
            {
                using (var file = new FileStream(renewed, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    file.Write(JsonSerializer.SerializeToUtf8Bytes(_me with { RenewedAt = DateTimeOffset.UtcNow }, JsonFile.Options));
                    file.Flush(flushToDisk: true);
                }
                // Checked last, right before the rename, so that a takeover in between is as unlikely as can be.
                var holder = Read(_path);
                if (holder?.Token != _me.Token)
                {
                    File.Delete(renewed);
                    _released = true;
                    _lost($"the run folder's lock was taken over ({holder?.ToString() ?? "the lock file is gone"}): this coordinator was " +
                        $"paused or cut off for longer than form3.coordinator.lock-lease ({_lease.TotalSeconds:N0} s)");
                    return;
                }
                File.Move(renewed, _path, overwrite: true);
            }
            catch (IOException)
            {
                // A stall of the run folder's storage: the next renewal tries again, and the lease covers the gap.
            }
        }
    }

    public void Dispose()
    {
        _renewal.Dispose();
        lock (_renewal)
        {
            if (_released) return;
            _released = true;
            if (Read(_path)?.Token == _me.Token) File.Delete(_path);
        }
    }
}

/// <summary>Another coordinator holds the run folder: a state of the world, not a usage error (exit 1).</summary>
public sealed class RunFolderInUseException(string message) : Exception(message);
