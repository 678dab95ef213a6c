using Form3Actors.Messages;

namespace Form3Actors.Coordinator.Inputs;

/// <summary>One filing to process: its key, how the input named it, and the folder that name is relative to.</summary>
/// <remarks>No version: listing checks nothing on disk; a worker reports the version it read, and a rerun checks the files the journal knows.</remarks>
public sealed record InputFile(FileKey Key, string Root, string SourcePath)
{
    public string Path => FullPath(Root, SourcePath);

    /// <summary>The absolute path of <paramref name="sourcePath"/> (itself absolute, or relative to <paramref name="root"/>).</summary>
    public static string FullPath(string root, string sourcePath) => System.IO.Path.GetFullPath(System.IO.Path.Combine(root, sourcePath));
}

/// <summary>Thrown when the input as a whole cannot be used: the message says what is wrong and how to fix it.</summary>
public sealed class InputException(string message) : Exception(message);
