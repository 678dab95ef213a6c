using System.Globalization;
using System.IO.Hashing;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// manifest.json in the results folder: what a finished run read, wrote (each table's size and checksum) and how.
/// Written durably after the tables it names, so a manifest on disk always names tables that are on disk.
/// </summary>
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
    long CoordinatorPeakMemoryBytes,
    long JournalSequenceNr = 0,
    string InputFingerprint = "",
    IReadOnlyDictionary<string, TableFile>? Tables = null,
    string Outputs = "",
    IReadOnlyDictionary<string, int>? ParquetNulls = null)
{
    public const string FileName = "manifest.json";

    /// <summary>The manifest of a finished run: its input, what the merge wrote, and where and how it ran.</summary>
    /// <param name="processed">Files this run processed (the rest of the input was done by earlier runs).</param>
    public static Manifest Of(InputListing input, int alreadyDone, int processed, MergeResult merge, DateTimeOffset startedAt, DateTimeOffset finishedAt,
        IEnumerable<string> nodeHosts, string journal, TimeSpan recovery, MergeStamp stamp) => new(
        "Form3Actors", ProgramVersion,
        new ManifestInput(input.Description, input.Count, alreadyDone, processed, input.BlankRows, input.DuplicateRows, input.SkippedRows),
        merge.RowsPerTable, merge.ErrorsByKind, merge.FilingDateSources, merge.DuplicateFilings,
        startedAt, finishedAt, Environment.MachineName, nodeHosts.Order(StringComparer.Ordinal).ToList(), journal,
        RunEnvironment.SlurmRestartCount, Math.Round(recovery.TotalSeconds, 3), System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64,
        stamp.JournalSequenceNr, stamp.InputFingerprint, merge.Tables, stamp.Outputs, stamp.Outputs.Contains("parquet", StringComparison.Ordinal) ? merge.ParquetNulls : null);

    /// <summary>What the tables were merged from, when this program wrote them; null for another version's manifest.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public MergeStamp? Stamp => Version == ProgramVersion && InputFingerprint.Length > 0 ? new MergeStamp(JournalSequenceNr, InputFingerprint, Outputs) : null;

    static string ProgramVersion => typeof(Manifest).Assembly.GetName().Version?.ToString() ?? "";

    public void Write(string resultsDirectory) => JsonFile.WriteAtomically(Path.Combine(resultsDirectory, FileName), this, durable: true);

    public static Manifest? Read(string resultsDirectory) => JsonFile.Read<Manifest>(Path.Combine(resultsDirectory, FileName));

    /// <summary>The manifest an earlier run left, or null if there is none or it cannot be read (then the tables are merged again).</summary>
    public static Manifest? ReadIfAny(string resultsDirectory)
    {
        try
        {
            return Read(resultsDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// What is wrong with the files in <paramref name="resultsDirectory"/> against this manifest (missing, cut short, or
    /// changed by hand), each file named, or null when every file is as the merge wrote it. Reads every file once.
    /// </summary>
    /// <param name="tableFiles">The files to check, as paths under results/.</param>
    public string? ProblemWithTables(string resultsDirectory, IEnumerable<string> tableFiles)
    {
        const int Named = 5;
        // Checksums of gigabytes of tables: one file per core at a time, the order of the names kept for the message.
        var problems = tableFiles.ToArray().AsParallel().AsOrdered().WithDegreeOfParallelism(Environment.ProcessorCount)
            .Select(name => ProblemWith(resultsDirectory, name)).OfType<string>().ToList();
        return problems.Count switch
        {
            0 => null,
            <= Named => string.Join("; ", problems),
            _ => string.Join("; ", problems.Take(Named)) + $"; and {problems.Count - Named} more",
        };
    }

    string? ProblemWith(string resultsDirectory, string name)
    {
        if (Tables?.GetValueOrDefault(name) is not { } expected) return $"{FileName} records no checksum of {name}";
        var path = Path.Combine(resultsDirectory, name);
        var file = new FileInfo(path);
        if (!file.Exists) return $"{name} is missing";
        if (file.Length != expected.Bytes) return $"{name} has {file.Length:N0} bytes, the merge wrote {expected.Bytes:N0}";
        TableFile actual;
        try
        {
            actual = TableFile.Of(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{name} could not be read ({e.Message})";
        }
        if (actual.Bytes != expected.Bytes) return $"{name} has {actual.Bytes:N0} bytes, the merge wrote {expected.Bytes:N0}";
        return actual.Checksum != expected.Checksum ? $"{name} was changed since the merge wrote it (its checksum differs)" : null;
    }
}

/// <summary>A table file as the merge wrote it: its size and XXH3 checksum (64 bits, hex).</summary>
public sealed record TableFile(long Bytes, string Checksum)
{
    const int ReadChunkBytes = 1 << 20;

    public static string Hex(ulong checksum) => checksum.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>The size and checksum of the file at <paramref name="path"/> now.</summary>
    public static TableFile Of(string path)
    {
        var hash = new XxHash3();
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ReadChunkBytes);
        hash.Append(file);
        return new TableFile(file.Length, Hex(hash.GetCurrentHashAsUInt64()));
    }
}

/// <summary>
/// What merged tables are made of: the journal up to a sequence number and a listing with this fingerprint
/// (<see cref="Inputs.InputListing.Fingerprint"/>, with the versions the journal holds), written as these outputs
/// (<see cref="ResultOutputs"/>). Equal stamps, equal files.
/// </summary>
public sealed record MergeStamp(long JournalSequenceNr, string InputFingerprint, string Outputs);

/// <summary>The run's input as the coordinator read it.</summary>
/// <param name="Listed">Files the input lists (missing or unreadable ones included: they have ERRORS.csv rows).</param>
/// <param name="AlreadyDone">Of those, finished by an earlier run of this journal and not changed since.</param>
/// <param name="Processed">Of those, processed by this run.</param>
public sealed record ManifestInput(string Description, int Listed, int AlreadyDone, int Processed, int BlankRows, int DuplicateRows, int SkippedRows);
