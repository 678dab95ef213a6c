namespace Form3Actors.Coordinator.Inputs;

/// <summary>One filing to process: where it is, how the input named it, and the version (size, time) seen at start.</summary>
public sealed record InputFile(UInt128 Key, string Path, string SourcePath, long Size, long ModifiedUtcTicks);

/// <summary>A listed file that does not exist: reported in ERRORS.csv (stage input), not fatal.</summary>
public sealed record MissingInput(string SourcePath, string Path);

/// <summary>What an input (CSV, folder or EDGAR index) lists, with what was wrong with its rows.</summary>
public sealed record InputListing(
    string Description,
    IReadOnlyList<InputFile> Files,
    IReadOnlyList<MissingInput> Missing,
    int BlankRows,
    int DuplicateRows,
    int SkippedRows);

/// <summary>Thrown when the input as a whole cannot be used: the message says what is wrong and how to fix it.</summary>
public sealed class InputException(string message) : Exception(message);
