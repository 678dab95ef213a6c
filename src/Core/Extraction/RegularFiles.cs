using Mono.Unix;

namespace Form3Actors.Core.Extraction;

/// <summary>
/// Only regular files are read. Opening a FIFO blocks until some other process writes to it, and a socket or device
/// is never a filing, so such a path is reported as an error row instead of being opened.
/// </summary>
/// <remarks>
/// .NET has no public API for a file's type; Mono.Unix's stat binding gives it, following symbolic links, but costs
/// about 5 µs a file, twice a plain <see cref="FileInfo"/>. FIFOs, sockets and devices all report a length of 0, so
/// the type is looked up only for files of length 0: a filing of any size pays nothing more.
/// </remarks>
public static class RegularFiles
{
    /// <summary>As <see cref="WhatElse(string)"/>, for a path whose length is already known (0 for anything not regular).</summary>
    public static string? WhatElse(string path, long length) => length > 0 ? null : WhatElse(path);

    /// <summary>Null for a regular file (or a path that does not exist); otherwise what the path is instead.</summary>
    public static string? WhatElse(string path)
    {
        UnixFileInfo info;
        try
        {
            info = new UnixFileInfo(path);
            if (!info.Exists) return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
        return info.FileType switch
        {
            FileTypes.RegularFile => null,
            FileTypes.Fifo => "a named pipe (FIFO)",
            FileTypes.Socket => "a socket",
            FileTypes.CharacterDevice => "a character device",
            FileTypes.BlockDevice => "a block device",
            FileTypes.Directory => "a directory",
            var other => $"a {other}",
        };
    }

    /// <summary>The ERRORS.csv message for a path that is not a regular file.</summary>
    public static string Refusal(string path, string what) => $"{path} is {what}, not a regular file; only regular files are read";
}
