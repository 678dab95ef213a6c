using Form3Actors.Node.Hosting;

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

    public void Write(string resultsDirectory) => JsonFile.WriteAtomically(Path.Combine(resultsDirectory, FileName), this);

    public static Manifest? Read(string resultsDirectory) => JsonFile.Read<Manifest>(Path.Combine(resultsDirectory, FileName));
}

/// <summary>The run's input as the coordinator read it.</summary>
/// <param name="Listed">Files found and readable.</param>
/// <param name="AlreadyDone">Of those, finished by an earlier run of this journal and not changed since.</param>
/// <param name="Processed">Of those, processed by this run.</param>
public sealed record ManifestInput(string Description, int Listed, int AlreadyDone, int Processed, int Unusable, int BlankRows, int DuplicateRows, int SkippedRows);
