using Microsoft.Win32.SafeHandles;

namespace Form3Actors.Core.Extraction;

/// <summary>
/// Reads a filing into a buffer it reuses, with one open and one read call for a typical file, and refuses files
/// over a size cap before reading them. One instance per worker thread.
/// </summary>
public sealed class FilingReader(long maxBytes) : IFilingSource
{
    byte[] _buffer = new byte[64 * 1024];

    public long MaxBytes { get; } = maxBytes;

    /// <summary>The file's bytes, valid until the next call; throws <see cref="BadFilingException"/> for expected failures.</summary>
    public ReadOnlyMemory<byte> Read(string path)
    {
        // Opening a FIFO would block: refuse anything not regular first (the listing did too; this catches a swap since).
        if (new FileInfo(path) is { Exists: true } info && RegularFiles.WhatElse(path, info.Length) is { } what)
            throw new BadFilingException(Stage.Read, ErrorKind.NotRegularFile, RegularFiles.Refusal(path, what));
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(handle);
            if (length > MaxBytes)
                throw new BadFilingException(Stage.Read, ErrorKind.TooLarge, $"file is {length:N0} bytes, over the {MaxBytes:N0}-byte cap (form3.node.max-file-bytes)");
            if (_buffer.Length < length) _buffer = new byte[Math.Max(length, _buffer.Length * 2L)];
            var total = 0;
            while (total < length)
            {
                var read = RandomAccess.Read(handle, _buffer.AsSpan(total, (int)length - total), total);
                if (read == 0) break;
                total += read;
            }
            return _buffer.AsMemory(0, total);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BadFilingException(Stage.Read, ErrorKind.MissingFile, $"file not found: {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadFilingException(Stage.Read, ErrorKind.IoError, $"cannot read file: {e.Message}");
        }
    }
}

/// <summary>Where a worker gets a filing's bytes: the file system, or in tests a source that never answers.</summary>
public interface IFilingSource
{
    /// <summary>The file's bytes, valid until the next call; throws <see cref="BadFilingException"/> for expected failures.</summary>
    ReadOnlyMemory<byte> Read(string path);
}
