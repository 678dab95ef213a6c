using Mono.Unix.Native;

namespace Form3Actors.Core.Extraction;

/// <summary>
/// Only regular files are read. A FIFO would block a reader until some other process writes to it, and a socket or
/// device is never a filing, so such a path is reported as an error row; the reader opens non-blocking and asks the
/// open file what it is.
/// </summary>
public static class RegularFiles
{
    /// <summary>Null for a regular file; otherwise what the file is instead.</summary>
    public static string? WhatElse(FilePermissions mode) => (mode & FilePermissions.S_IFMT) switch
    {
        FilePermissions.S_IFREG => null,
        FilePermissions.S_IFIFO => "a named pipe (FIFO)",
        FilePermissions.S_IFSOCK => "a socket",
        FilePermissions.S_IFCHR => "a character device",
        FilePermissions.S_IFBLK => "a block device",
        FilePermissions.S_IFDIR => "a directory",
        var other => $"a file of type {other}",
    };

    /// <summary>The ERRORS.csv message for a path that is not a regular file.</summary>
    public static string Refusal(string path, string what) => $"{path} is {what}, not a regular file; only regular files are read";
}
