using Mono.Unix.Native;

namespace Form3Actors.Core.Output;

/// <summary>
/// The one way files of a run folder are written whole or not at all: under a temporary name beside the final one,
/// then renamed over it, so that a reader in another process never sees half a file. Durable writes also fsync the
/// file before the rename and the folder after it: a file's fsync makes its bytes durable, but its name lives in the
/// folder, and after a power loss or a server failover a renamed file can come back under its old name, or not at
/// all, unless the folder is fsynced too.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> whole or not at all (created with <paramref name="mode"/> if given).</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes, bool durable, UnixFileMode? mode = null)
    {
        using var pending = Create(path, mode);
        pending.Stream.Write(bytes);
        pending.Commit(durable);
    }

    /// <summary>A file written in pieces under its temporary name; <see cref="Pending.Commit"/> puts it in place, disposing without it removes it.</summary>
    public static Pending Create(string path, UnixFileMode? mode = null) => new(path, mode);

    public sealed class Pending : IDisposable
    {
        readonly string _path;
        readonly string _temp;
        bool _done;

        internal Pending(string path, UnixFileMode? mode)
        {
            _path = path;
            _temp = path + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
            if (mode is { } unixMode && !OperatingSystem.IsWindows()) options.UnixCreateMode = unixMode;
            Stream = new FileStream(_temp, options);
        }

        public FileStream Stream { get; }

        /// <summary>Makes the file durable (if asked) and renames it into place; with <paramref name="syncFolder"/> false, the caller fsyncs the folder once for many files.</summary>
        public void Commit(bool durable, bool syncFolder = true)
        {
            if (durable) Stream.Flush(flushToDisk: true);
            Stream.Dispose();
            File.Move(_temp, _path, overwrite: true);
            _done = true;
            if (durable && syncFolder) SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        }

        public void Dispose()
        {
            Stream.Dispose();
            if (!_done) File.Delete(_temp);
        }
    }

    /// <summary>Fsyncs a folder, so that the files renamed into it stay renamed.</summary>
    public static void SyncDirectory(string directory)
    {
        var fd = Syscall.open(directory, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0) throw new IOException($"could not open the folder {directory} to make its renames durable: {Stdlib.strerror(Stdlib.GetLastError())}");
        try
        {
            // Some file systems (some FUSE and network ones) do not sync folders: EINVAL says so, and there is nothing more to do.
            if (Syscall.fsync(fd) < 0 && Stdlib.GetLastError() is var errno && errno != Errno.EINVAL)
                throw new IOException($"could not make the renames in {directory} durable: {Stdlib.strerror(errno)}");
        }
        finally
        {
            Syscall.close(fd);
        }
    }
}
