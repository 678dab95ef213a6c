using Form3Actors.Coordinator.Inputs;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Coordinator.State;

/// <summary>
/// Watches how many of the files a run settles were missing on disk. A listing whose first files are all missing is a
/// mirror that is not mounted on this machine or a wrong --mirror-root, not a run worth finishing: it is stopped
/// after <see cref="MissingSettings.AllMissingStopAfter"/> files, naming the folder looked in. A run that finishes
/// with a share of missing files above <see cref="MissingSettings.WarnShare"/> says so in one line.
/// </summary>
public sealed class MissingFiles(InputListing listing, MissingSettings settings)
{
    const int Examples = 3;
    readonly List<string> _examples = [];

    public int Settled { get; private set; }
    public int Missing { get; private set; }

    public void Count(int index, FileVersion version)
    {
        Settled++;
        if (version != FileVersion.Missing) return;
        Missing++;
        if (_examples.Count < Examples) _examples.Add(InputFile.FullPath(listing.Root, listing[index].SourcePath));
    }

    /// <summary>Why the run should stop now (every file settled so far is missing, and enough were), or null.</summary>
    public string? AllMissing()
    {
        if (settings.AllMissingStopAfter <= 0 || Missing < Math.Min(settings.AllMissingStopAfter, listing.Count) || Missing != Settled) return null;
        return $"none of the first {Missing:N0} files the input lists exists (looked in {Folder()}; for example {string.Join(", ", _examples)}); " +
            "check that the mirror is mounted on this machine and that --mirror-root or the input's paths point into it";
    }

    /// <summary>The warning for a run that finished with many missing files, or null.</summary>
    public string? TooMany() => Settled > 0 && Missing > settings.WarnShare * Settled
        ? $"{Missing:N0} of the {Settled:N0} files this run read were missing ({100.0 * Missing / Settled:F1}%, for example {string.Join(", ", _examples)}); " +
          $"they are ERRORS rows (missing_file) until they appear. Check that {Folder()} is the mirror you meant"
        : null;

    string Folder() => _examples.Count == 0 ? listing.Root : CommonFolder(_examples);

    static string CommonFolder(IReadOnlyList<string> paths)
    {
        var common = Path.GetDirectoryName(paths[0]) ?? "/";
        while (paths.Any(p => !p.StartsWith(common.TrimEnd('/') + "/", StringComparison.Ordinal)) && Path.GetDirectoryName(common) is { } up) common = up;
        return common;
    }
}

/// <summary>The missing-files thresholds of form3.coordinator.</summary>
public sealed record MissingSettings(int AllMissingStopAfter, double WarnShare);
