using System.Text.Json;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Hosting;
using Form3Actors.Core.Output;
using Mono.Unix;
using Mono.Unix.Native;

namespace Form3Actors.Coordinator.Hosting;

/// <summary>Who holds a run folder's lock, as its lock file says.</summary>
public sealed record LockHolder(string Token, string Host, int Pid, string? SlurmJob, int SlurmRestart, DateTimeOffset AcquiredAt)
{
    public override string ToString() => $"host {Host}, pid {Pid}, Slurm job {SlurmJob ?? "none"}, since {AcquiredAt:u}";
}

/// <summary>Whether a lock found in place may be taken over, and why.</summary>
public abstract record LockVerdict
{
    /// <summary>Its holder is gone: take it over.</summary>
    public sealed record Stale(string Why) : LockVerdict;

    /// <summary>Its holder may be alive: refuse, with a message for the user.</summary>
    public sealed record Held(string Message) : LockVerdict;

    /// <summary>
    /// A lock found in place, judged by its holder and by how long ago it was last renewed (<paramref name="silence"/>,
    /// measured on the file system's own clock): stale when its holder on this host is no longer running, when it is an
    /// earlier attempt of this same Slurm job that has stopped renewing (a requeued job's earlier attempt is over, unless
    /// its node failed and it still runs: two renewals missed tell), or when it was not renewed for the lease.
    /// </summary>
    public static LockVerdict Judge(LockHolder holder, LockHolder me, TimeSpan silence, LockSettings settings, Func<int, DateTimeOffset, bool> runsHere)
    {
        if (holder.Host == me.Host && !runsHere(holder.Pid, holder.AcquiredAt)) return new Stale($"process {holder.Pid} on this host has ended");
        if (holder.SlurmJob != null && holder.SlurmJob == me.SlurmJob && holder.SlurmRestart < me.SlurmRestart && silence > 2 * settings.RenewInterval)
            return new Stale($"it is attempt {holder.SlurmRestart} of this Slurm job, which was requeued, and not renewed for {silence.TotalSeconds:N0} s");
        if (silence > settings.Lease) return new Stale($"it was not renewed for {silence.TotalSeconds:N0} s");
        return new Held($"held by {holder}, renewed {Math.Max(0, silence.TotalSeconds):N0} s ago; it is taken over once not renewed for " +
            $"{settings.Lease.TotalSeconds:N0} s (form3.coordinator.lock-lease)");
    }
}

/// <summary>
/// Keeps a second coordinator off a run folder: two writers on one SQLite journal corrupt the run. Each coordinator
/// writes a file of its own (coordinator.lock.TOKEN, naming it) and takes the lock by hard-linking coordinator.lock
/// to it, which fails if a lock is there, atomically on every file system a run folder may be on (an OS lock such as
/// flock is silently a no-op on Lustre mounted without flock and on some NFS set-ups). The holder renews by writing
/// its own file, so a renewal can never touch a lock another coordinator took, and it knows the lock is still its
/// own while coordinator.lock names it (its token). How long ago a lock was renewed is measured on the
/// file system's clock (the lock's modification time against that of a file written just then), never against
/// another host's wall clock. A renewal that fails (a read error, a stall) is tried again; only once it has failed for
/// longer than the lease, or the lock is another's, is the lock lost, and the run stops.
/// </summary>
public sealed class RunLock : IDisposable
{
    readonly string _lock;
    readonly string _own;
    readonly string _token;
    readonly byte[] _content;
    readonly LockSettings _settings;
    readonly Action<string> _lost;
    readonly CancellationTokenSource _stop = new();
    readonly Thread _renewal;
    bool _released;

    RunLock(string lockPath, string token, string own, byte[] content, LockSettings settings, Action<string> lost)
    {
        (_lock, _token, _own, _content, _settings, _lost) = (lockPath, token, own, content, settings, lost);
        // Its own thread: a renewal blocked by a stalled file system must not hold a thread of the pool the actors run on.
        _renewal = new Thread(RenewLoop) { IsBackground = true, Name = "form3-lock" };
        _renewal.Start();
    }

    /// <summary>Takes the run folder's lock, or throws <see cref="RunFolderInUseException"/> naming who holds it. <paramref name="lost"/> is called if it is lost later.</summary>
    public static RunLock Acquire(RunFolder folder, LockSettings settings, Action<string> lost)
    {
        var me = new LockHolder(Guid.NewGuid().ToString("N"), Environment.MachineName, Environment.ProcessId, RunEnvironment.SlurmJobId,
            RunEnvironment.SlurmRestartCount, DateTimeOffset.UtcNow);
        var own = $"{folder.Lock}.{me.Token}";
        var content = JsonSerializer.SerializeToUtf8Bytes(me, JsonFile.Options);
        AtomicFile.Write(own, content, durable: true);
        try
        {
            if (!Link(own, folder.Lock)) TakeOver(folder, me, settings);
        }
        catch
        {
            File.Delete(own);
            throw;
        }
        return new RunLock(folder.Lock, me.Token, own, content, settings, lost);
    }

    /// <summary>Judges the lock in place and takes it over if its holder is gone; throws if it is held.</summary>
    static void TakeOver(RunFolder folder, LockHolder me, LockSettings settings)
    {
        var (holder, silence) = Inspect(folder);
        var verdict = holder is null
            ? silence > settings.Lease
                ? new LockVerdict.Stale($"it names no holder and was not written for {silence.TotalSeconds:N0} s (a crash while it was written)")
                : new LockVerdict.Held("another coordinator is taking it right now")
            : LockVerdict.Judge(holder, me, silence, settings, LocalProcess.RunsSince);
        if (verdict is LockVerdict.Held held) throw InUse(folder, held.Message);
        // Moved aside under a name of our own (of two takers, one moves it), then checked to be the lock judged.
        var aside = $"{folder.Lock}.stale-{me.Token}";
        if (Syscall.rename(folder.Lock, aside) != 0)
        {
            if (Link($"{folder.Lock}.{me.Token}", folder.Lock)) return; // gone meanwhile: ours if we are first
            throw InUse(folder, "another coordinator took it over at the same moment");
        }
        if (Read(aside)?.Token != holder?.Token)
        {
            // A fresh lock of another coordinator was moved: it goes back, unless a third took the name meanwhile
            // (then the one moved finds at its next renewal that the lock is not its own, and stops).
            if (Syscall.link(aside, folder.Lock) != 0 && Stdlib.GetLastError() != Errno.EEXIST) throw Failure("put back", folder.Lock);
            File.Delete(aside);
            throw InUse(folder, "another coordinator took it over at the same moment");
        }
        File.Delete(aside);
        if (holder != null) File.Delete($"{folder.Lock}.{holder.Token}");
        if (!Link($"{folder.Lock}.{me.Token}", folder.Lock)) throw InUse(folder, "another coordinator took it over at the same moment");
        Console.Error.WriteLine($"note: took over the run folder's lock ({holder?.ToString() ?? "unreadable"}): {((LockVerdict.Stale)verdict).Why}");
    }

    /// <summary>The lock in place: its holder (null if it names none), and how long ago it was last written, on the file system's clock.</summary>
    static (LockHolder? Holder, TimeSpan Silence) Inspect(RunFolder folder)
    {
        LockHolder? holder;
        Stat stat;
        try
        {
            using var file = new FileStream(folder.Lock, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (Syscall.fstat((int)file.SafeFileHandle.DangerousGetHandle(), out stat) != 0) throw Failure("read", folder.Lock);
            try
            {
                holder = JsonSerializer.Deserialize<LockHolder>(file, JsonFile.Options);
            }
            catch (JsonException)
            {
                holder = null;
            }
        }
        catch (FileNotFoundException)
        {
            return (null, TimeSpan.MaxValue);
        }
        catch (IOException e)
        {
            throw InUse(folder, $"its lock file could not be read ({e.Message}); try again once the file system answers");
        }
        return (holder, FileSystemNow(folder.Lock) - ModifiedAt(stat));
    }

    /// <summary>The holder a lock file names; null if it is gone or names none. Throws <see cref="IOException"/> if it cannot be read now.</summary>
    static LockHolder? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<LockHolder>(File.ReadAllBytes(path), JsonFile.Options);
        }
        catch (Exception e) when (e is FileNotFoundException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The file system's clock: the modification time of a file written now beside <paramref name="path"/>.</summary>
    static DateTime FileSystemNow(string path)
    {
        var probe = $"{path}.probe-{Guid.NewGuid():N}";
        File.WriteAllBytes(probe, []);
        try
        {
            return Syscall.stat(probe, out var stat) == 0 ? ModifiedAt(stat) : DateTime.UtcNow;
        }
        finally
        {
            File.Delete(probe);
        }
    }

    static DateTime ModifiedAt(in Stat stat) => DateTime.UnixEpoch.AddTicks(stat.st_mtime * TimeSpan.TicksPerSecond + stat.st_mtime_nsec / 100);

    /// <summary>Links <paramref name="name"/> to <paramref name="target"/>, atomically, unless the name exists (false).</summary>
    static bool Link(string target, string name)
    {
        if (Syscall.link(target, name) == 0) return true;
        var errno = Stdlib.GetLastError();
        if (errno == Errno.EEXIST) return false;
        throw new IOException(errno is Errno.EPERM or Errno.EOPNOTSUPP or Errno.ENOSYS
            ? $"the run folder's file system does not allow hard links, which the run lock needs ({UnixMarshal.GetErrorDescription(errno)}); put the run folder elsewhere"
            : $"could not take the run folder's lock {name}: {UnixMarshal.GetErrorDescription(errno)}");
    }

    static IOException Failure(string what, string path) => new($"could not {what} {path}: {UnixMarshal.GetErrorDescription(Stdlib.GetLastError())}");

    static RunFolderInUseException InUse(RunFolder folder, string why) =>
        new($"another coordinator is using the run folder {folder.Root} ({why}); wait for it to finish, stop it, or use another --run-dir");

    /// <summary>Renews every interval until released; says once if the lock is lost.</summary>
    void RenewLoop()
    {
        var lastRenewed = TimeProvider.System.GetTimestamp();
        var failing = false;
        while (!_stop.Token.WaitHandle.WaitOne(_settings.RenewInterval))
        {
            string? lost;
            try
            {
                lost = Renew();
                if (lost == null)
                {
                    if (failing)
                        Serilog.Log.Information("Renewed the run folder's lock again after {Seconds:F0} s", TimeProvider.System.GetElapsedTime(lastRenewed).TotalSeconds);
                    failing = false;
                    lastRenewed = TimeProvider.System.GetTimestamp();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A stall or an I/O error of the run folder's storage: the next renewal tries again while the lease covers it.
                if (!failing)
                    Serilog.Log.Warning("Could not renew the run folder's lock ({Reason}); trying again every {Interval} s while its lease ({Lease} s) covers it",
                        e.Message, _settings.RenewInterval.TotalSeconds, _settings.Lease.TotalSeconds);
                failing = true;
                var silent = TimeProvider.System.GetElapsedTime(lastRenewed);
                lost = silent < _settings.Lease - _settings.RenewInterval ? null
                    : $"the run folder's lock could not be renewed for {silent.TotalSeconds:N0} s, and another coordinator may take it over " +
                      $"once not renewed for form3.coordinator.lock-lease ({_settings.Lease.TotalSeconds:N0} s); check the run folder's file system";
            }
            if (lost == null) continue;
            lock (_stop)
            {
                if (_released) return;
                _released = true;
            }
            _lost(lost);
            return;
        }
    }

    /// <summary>Writes our own file again (the lock, while it is ours); the reason it is lost, or null. A lock that cannot be read now throws.</summary>
    string? Renew()
    {
        if (!File.Exists(_lock))
            return "the run folder's lock was taken over (the lock file is gone): this coordinator was paused or cut off for longer than " +
                $"form3.coordinator.lock-lease ({_settings.Lease.TotalSeconds:N0} s)";
        if (Read(_lock) is not { } holder || holder.Token != _token)
            return $"the run folder's lock was taken over ({Read(_lock)?.ToString() ?? "by another coordinator"}): this coordinator was paused or cut off for " +
                $"longer than form3.coordinator.lock-lease ({_settings.Lease.TotalSeconds:N0} s)";
        using var file = new FileStream(_own, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        file.Write(_content);
        file.Flush(flushToDisk: true);
        return null;
    }

    public void Dispose()
    {
        _stop.Cancel();
        lock (_stop)
        {
            if (_released) return;
            _released = true;
        }
        try
        {
            if (Read(_lock)?.Token == _token) File.Delete(_lock);
            File.Delete(_own);
        }
        catch (IOException)
        {
            // Left behind on a failing file system: it names this process, which has ended, so the next coordinator takes it over.
        }
    }
}

/// <summary>Another coordinator holds the run folder: a state of the world, not a usage error (exit 1).</summary>
public sealed class RunFolderInUseException(string message) : Exception(message);
