using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Mono.Unix;
using Mono.Unix.Native;

namespace Form3Actors.Core.Extraction;

/// <summary>
/// Reads a filing with as few requests to the file system as it can: one open (non-blocking, so a FIFO cannot hang
/// it), one fstat on the open file for its type, size and modification time, and one read for a typical file. On a
/// network file system every request is a round trip, so nothing is checked before the open. Thread-safe: the
/// buffers come from a shared pool, and each <see cref="FileRead"/> must be given back with <see cref="FileRead.Release"/>.
/// </summary>
public sealed class FilingReader(long maxBytes) : IFilingSource
{
    public long MaxBytes { get; } = maxBytes;

    /// <summary>The file's bytes and version; throws <see cref="BadFilingException"/> for expected failures.</summary>
    public FileRead Read(string path)
    {
        var fd = Syscall.open(path, OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC);
        if (fd < 0) throw OpenFailed(path, Stdlib.GetLastError());
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Syscall.fstat(fd, out var stat) != 0)
            throw new BadFilingException(Stage.Read, ErrorKind.IoError, $"cannot read file: {UnixMarshal.GetErrorDescription(Stdlib.GetLastError())}");
        var version = FileVersion.Of(stat);
        if (RegularFiles.WhatElse(stat.st_mode) is { } what)
            throw new BadFilingException(Stage.Read, ErrorKind.NotRegularFile, RegularFiles.Refusal(path, what), version);
        if (stat.st_size > MaxBytes)
            throw new BadFilingException(Stage.Read, ErrorKind.TooLarge,
                $"file is {stat.st_size:N0} bytes, over the {MaxBytes:N0}-byte cap (form3.node.max-file-bytes)", version);
        var length = (int)stat.st_size;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var total = 0;
            while (total < length)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(total, length - total), total);
                if (read == 0) break;
                total += read;
            }
            return new FileRead(buffer, total, version);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new BadFilingException(Stage.Read, ErrorKind.IoError, $"cannot read file: {e.Message}", version);
        }
    }

    /// <summary>
    /// What an open's failure means: a file that is not there, or a path that cannot lead to one, is a result of this
    /// run (recorded as the version "missing", so a rerun finds it as it was, or changed); any other failure is of
    /// the moment, and the file is tried again.
    /// </summary>
    static BadFilingException OpenFailed(string path, Errno errno) => errno switch
    {
        Errno.ENOENT or Errno.ENOTDIR => new BadFilingException(Stage.Read, ErrorKind.MissingFile, $"file not found: {path}", FileVersion.Missing),
        Errno.ELOOP or Errno.ENAMETOOLONG => new BadFilingException(Stage.Read, ErrorKind.BadPath,
            $"the path cannot be opened ({UnixMarshal.GetErrorDescription(errno)}): {path}; fix the symbolic links or the listing", FileVersion.Missing),
        _ => new BadFilingException(Stage.Read, ErrorKind.IoError, $"cannot read file: {UnixMarshal.GetErrorDescription(errno)}: {path}"),
    };
}

/// <summary>One filing's bytes in a pooled buffer, and the version of the file they were read from.</summary>
public readonly record struct FileRead(byte[] Buffer, int Length, FileVersion Version)
{
    public ReadOnlyMemory<byte> Bytes => Buffer.AsMemory(0, Length);

    /// <summary>Gives the buffer back to the pool; the bytes must not be used after this.</summary>
    public void Release() => ArrayPool<byte>.Shared.Return(Buffer);
}

/// <summary>Where a worker gets a filing's bytes: the file system, or in tests a source that never answers.</summary>
public interface IFilingSource
{
    /// <summary>The file's bytes and version; throws <see cref="BadFilingException"/> for expected failures.</summary>
    FileRead Read(string path);
}
