using Form3Actors.Coordinator.Inputs;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Output;

/// <summary>manifest.json in the results folder: what a finished run read, wrote and how.</summary>
public sealed record Manifest(
    string Program,
    string Version,
    ManifestInput Input,
    IReadOnlyDictionary<string, int> RowsPerTable,
    IReadOnlyDictionary<string, int> ErrorsByKind,
    IReadOnlyDictionary<string, int> FilingDateSources,
    int DuplicateFilingsDropped,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    string CoordinatorHost,
    IReadOnlyList<string> NodeHosts,
    string Journal,
    int SlurmRestartCount,
    double RecoverySeconds,
    long CoordinatorPeakMemoryBytes)
{
    public const string FileName = "manifest.json";

    /// <summary>The manifest of a finished run: its input, what the merge wrote, and where and how it ran.</summary>
    /// <param name="processed">Files this run processed (the rest of the input was done by earlier runs).</param>
    public static Manifest Of(InputListing input, int alreadyDone, int processed, MergeResult merge, DateTimeOffset startedAt, DateTimeOffset finishedAt,
        IEnumerable<string> nodeHosts, string journal, TimeSpan recovery) => new(
        "Form3Actors", typeof(Manifest).Assembly.GetName().Version?.ToString() ?? "",
        new ManifestInput(input.Description, input.Count, alreadyDone, processed, input.Unusable.Count, input.BlankRows, input.DuplicateRows, input.SkippedRows),
        merge.RowsPerTable, merge.ErrorsByKind, merge.FilingDateSources, merge.DuplicateFilings,
        startedAt, finishedAt, Environment.MachineName, nodeHosts.Order(StringComparer.Ordinal).ToList(), journal,
        RunEnvironment.SlurmRestartCount, Math.Round(recovery.TotalSeconds, 3), System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64);

    public void Write(string resultsDirectory) => JsonFile.WriteAtomically(Path.Combine(resultsDirectory, FileName), this);

    public static Manifest? Read(string resultsDirectory) => JsonFile.Read<Manifest>(Path.Combine(resultsDirectory, FileName));
}

/// <summary>The run's input as the coordinator read it.</summary>
/// <param name="Listed">Files found and readable.</param>
/// <param name="AlreadyDone">Of those, finished by an earlier run of this journal and not changed since.</param>
/// <param name="Processed">Of those, processed by this run.</param>
public sealed record ManifestInput(string Description, int Listed, int AlreadyDone, int Processed, int Unusable, int BlankRows, int DuplicateRows, int SkippedRows);
