using Mono.Unix.Native;

namespace Form3Actors.Core.Output;

/// <summary>
/// Makes renames durable. A file's fsync makes its bytes durable, but its name lives in the folder: after a power
/// loss or a server failover a renamed file can come back under its old name, or not at all, unless the folder is
/// fsynced too.
/// </summary>
public static class DurableFiles
{
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

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> through a temporary name, fsynced before and after the rename.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
