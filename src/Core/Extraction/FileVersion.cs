using Mono.Unix;
using Mono.Unix.Native;

namespace Form3Actors.Core.Extraction;

/// <summary>
/// Which version of a file was read: its size and modification time, as the file opened (or, for a rerun's check,
/// a stat that follows symbolic links) reports them. A file that does not exist has the version <see cref="Missing"/>,
/// so a missing filing is finished as an error row until it appears, and then counts as changed.
/// </summary>
public readonly record struct FileVersion(long Size, long ModifiedUtcTicks)
{
    public static readonly FileVersion Missing = new(-1, 0);

    /// <summary>A version no file on disk has: what was never read (or could not be checked) is always due again.</summary>
    public static readonly FileVersion Unknown = new(-2, 0);

    /// <summary>The version a stat reports (size and modification time to the tenth of a microsecond, in UTC ticks).</summary>
    internal static FileVersion Of(in Stat stat) =>
        new(stat.st_size, DateTime.UnixEpoch.Ticks + stat.st_mtime * TimeSpan.TicksPerSecond + stat.st_mtime_nsec / 100);

    /// <summary>The version of the file at <paramref name="path"/> now, following symbolic links; <see cref="Missing"/> if there is none.</summary>
    /// <exception cref="IOException">The path exists but cannot be checked (permissions, an I/O error).</exception>
    public static FileVersion Check(string path)
    {
        if (Syscall.stat(path, out var stat) == 0) return Of(stat);
        var errno = Stdlib.GetLastError();
        // A loop of symbolic links or an over-long name never comes right by itself: like an absent file, it has no version.
        if (errno is Errno.ENOENT or Errno.ENOTDIR or Errno.ELOOP or Errno.ENAMETOOLONG) return Missing;
        throw new IOException($"cannot check {path}: {UnixMarshal.GetErrorDescription(errno)}");
    }
}
