namespace Form3Actors.Coordinator.Inputs;

/// <summary>One filing to process: how the input named it, the folder that name is relative to, and the version (size, time) seen at start.</summary>
public sealed record InputFile(UInt128 Key, string Root, string SourcePath, long Size, long ModifiedUtcTicks)
{
    public string Path => FullPath(Root, SourcePath);

    /// <summary>The absolute path of <paramref name="sourcePath"/> (itself absolute, or relative to <paramref name="root"/>).</summary>
    public static string FullPath(string root, string sourcePath) => System.IO.Path.GetFullPath(System.IO.Path.Combine(root, sourcePath));
}

/// <summary>A listed path that cannot be read (it does not exist, or is a FIFO, socket or device): an ERRORS.csv row (stage input), not fatal.</summary>
public sealed record UnusableInput(string SourcePath, string Kind, string Message);

/// <summary>Thrown when the input as a whole cannot be used: the message says what is wrong and how to fix it.</summary>
public sealed class InputException(string message) : Exception(message);
