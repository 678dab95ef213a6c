namespace Form3Actors.Testing;

/// <summary>
/// The storage of a soak with <see cref="SoakStorageFaults"/>: the run folder on a flakyfs mount whose reads can fail,
/// the corpus on one whose requests can stall, and the corpus listed with relative paths so that the same list names
/// the same files locally (for the reference run) and through the mount.
/// </summary>
public sealed class SoakStorage : IAsyncDisposable
{
    /// <summary>Configuration the soak needs beside its own: the lock renewed often enough for its reads to be hit.</summary>
    public const string LockConfig = "form3.coordinator { lock-renew-interval = 1s, lock-lease = 10s }";

    readonly FuseMount _runMount;
    readonly FuseMount _corpusMount;

    SoakStorage(FuseMount runMount, FuseMount corpusMount, string localCsv, GeneratedCorpus mounted, SoakStorageFaults faults) =>
        (_runMount, _corpusMount, LocalCsv, Corpus, Faults) = (runMount, corpusMount, localCsv, mounted, faults);

    /// <summary>The corpus's listing with relative paths, read locally: the reference run's input.</summary>
    public string LocalCsv { get; }
    /// <summary>The corpus as seen through its mount.</summary>
    public GeneratedCorpus Corpus { get; }
    public SoakStorageFaults Faults { get; }

    /// <summary>A run folder on the flaky mount.</summary>
    public string RunFolder(string name) => Path.Combine(_runMount.MountPoint, name);

    /// <summary>Mounts both under <paramref name="root"/>; throws with the reason where FUSE cannot be used.</summary>
    public static async Task<SoakStorage> Mount(string root, GeneratedCorpus corpus, TimeSpan faultDuration)
    {
        var csv = Listings.Relative(corpus.Root, corpus.InputCsv, "relative.csv");
        var (runSwitch, corpusSwitch) = (Path.Combine(root, "lock-fails"), Path.Combine(root, "filing-hangs"));
        var backing = Directory.CreateDirectory(Path.Combine(root, "run-backing")).FullName;
        var (runMount, whyNot) = await FuseMount.TryMountFlaky(backing, Path.Combine(root, "run-mnt"), runSwitch, Path.Combine(root, "build"));
        if (runMount == null) throw new InvalidOperationException($"no flaky file system: {whyNot}");
        var (corpusMount, whyNotStall) = await FuseMount.TryMountFlaky(corpus.Root, Path.Combine(root, "corpus-mnt"), corpusSwitch, Path.Combine(root, "build"),
            FlakyMode.Stall);
        if (corpusMount == null)
        {
            await runMount.DisposeAsync();
            throw new InvalidOperationException($"no stalling file system: {whyNotStall}");
        }
        var filings = File.ReadLines(csv).Skip(1).Select(line => Path.GetFileName(line[(line.LastIndexOf(',') + 1)..])).ToList();
        return new SoakStorage(runMount, corpusMount, csv, corpus with { InputCsv = Path.Combine(corpusMount.MountPoint, Path.GetFileName(csv)) },
            new SoakStorageFaults(runSwitch, corpusSwitch, filings, faultDuration));
    }

    public async ValueTask DisposeAsync()
    {
        await _corpusMount.DisposeAsync();
        await _runMount.DisposeAsync();
    }
}
