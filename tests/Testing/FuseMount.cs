using System.Diagnostics;

namespace Form3Actors.Testing;

/// <summary>
/// A folder served through a FUSE 3 file system built from its C source with Debian's fuse3 and
/// libfuse3-dev (installed here when missing and running as root), and unmounted again on dispose: shared/bench's
/// latencyfs (every metadata request and every read waits a set delay, as on a cluster's network file system) or
/// tests/Testing/Fuse/flakyfs (reads fail with EIO, or every request waits, while a switch file says so, as on a failing
/// storage server or one that fails over).
/// </summary>
public sealed class FuseMount : IAsyncDisposable
{
    static readonly string LatencySource = Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "bench", "latencyfs.c"));
    static readonly string FlakySource = Path.Combine(TestData.RepoRoot, "tests", "Testing", "Fuse", "flakyfs.c");

    readonly Process _server;

    public string MountPoint { get; }

    /// <summary>The CPU time the file server process has used so far (user and system).</summary>
    public TimeSpan ServerCpu()
    {
        _server.Refresh();
        return _server.TotalProcessorTime;
    }

    FuseMount(Process server, string mountPoint)
    {
        _server = server;
        MountPoint = mountPoint;
    }

    /// <summary>
    /// Mounts <paramref name="folder"/> at <paramref name="mountPoint"/> through latencyfs with the given delays, or
    /// returns why it cannot be done on this machine (no FUSE device, not root, no compiler, the source missing).
    /// </summary>
    public static Task<(FuseMount? Mount, string? WhyNot)> TryMountSlow(string folder, string mountPoint, TimeSpan metadataDelay, TimeSpan readDelay,
        string buildFolder) =>
        TryMount(LatencySource, buildFolder, [folder, mountPoint, Micros(metadataDelay), Micros(readDelay)], mountPoint);

    /// <summary>
    /// Mounts <paramref name="folder"/> at <paramref name="mountPoint"/> through flakyfs: while <paramref name="switchFile"/>
    /// exists, for files whose path contains its text (every file, if it is empty), reads fail with EIO, or every
    /// request waits until the switch file is gone, or POSIX locks fail (see <see cref="FlakyMode"/>).
    /// </summary>
    public static Task<(FuseMount? Mount, string? WhyNot)> TryMountFlaky(string folder, string mountPoint, string switchFile, string buildFolder,
        FlakyMode mode = FlakyMode.ReadsFail) =>
        TryMount(FlakySource, buildFolder, [folder, mountPoint, switchFile, mode switch
        {
            FlakyMode.Stall => "stall",
            FlakyMode.NoLocks => "nolock",
            _ => "eio",
        }], mountPoint);

    static async Task<(FuseMount? Mount, string? WhyNot)> TryMount(string source, string buildFolder, string[] args, string mountPoint)
    {
        var name = Path.GetFileNameWithoutExtension(source);
        if (!File.Exists("/dev/fuse")) return (null, "this machine has no /dev/fuse (FUSE is unavailable, as in some containers)");
        if (!File.Exists(source)) return (null, $"the source of {name} is not at {source}");
        if (await Ensure() is { } missing) return (null, missing);
        Directory.CreateDirectory(buildFolder);
        var binary = Path.Combine(buildFolder, name);
        if (!File.Exists(binary) || File.GetLastWriteTimeUtc(binary) < File.GetLastWriteTimeUtc(source))
        {
            var (code, _, error) = await Shell.TryRun("sh", ["-c", $"cc -O2 -o '{binary}' '{source}' $(pkg-config --cflags --libs fuse3)"]);
            if (code != 0) return (null, $"building {name} failed: {error.Trim()}");
        }
        Directory.CreateDirectory(mountPoint);
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var server = Process.Start(info)!;
        var deadline = Stopwatch.StartNew();
        while (!IsMounted(mountPoint))
        {
            if (server.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                if (!server.HasExited) server.Kill();
                return (null, $"{name} did not mount {mountPoint}: {await server.StandardError.ReadToEndAsync()}".Trim());
            }
            await Task.Delay(20);
        }
        return (new FuseMount(server, mountPoint), null);
    }

    /// <summary>Reads every file once on many threads: the server's threads start slowly, and measurements should not see that.</summary>
    public static void WarmUp(IEnumerable<string> paths) =>
        Parallel.ForEach(paths, new ParallelOptions { MaxDegreeOfParallelism = 64 }, path =>
        {
            try
            {
                File.ReadAllBytes(path);
            }
            catch (IOException)
            {
            }
        });

    static string Micros(TimeSpan delay) => ((long)(delay.TotalMicroseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    static bool IsMounted(string mountPoint) =>
        File.ReadLines("/proc/mounts").Any(l => l.Split(' ') is [_, var at, "fuse", ..] && at == Path.GetFullPath(mountPoint).TrimEnd('/'));

    /// <summary>fusermount3 and the FUSE 3 headers, installed from Debian's packages when missing (as root); null once present.</summary>
    static async Task<string?> Ensure()
    {
        var present = await Shell.TryRun("sh", ["-c", "command -v fusermount3 && command -v cc && pkg-config --exists fuse3"]);
        if (present.Code == 0) return null;
        if (Environment.UserName != "root") return "fuse3 and libfuse3-dev are not installed, and only root may install them";
        var install = await Shell.TryRun("sh", ["-c", "apt-get install -y -qq fuse3 libfuse3-dev || (apt-get update -qq && apt-get install -y -qq fuse3 libfuse3-dev)"],
            timeout: TimeSpan.FromMinutes(10));
        return install.Code == 0 ? null : $"installing fuse3 and libfuse3-dev failed: {install.Error.Trim()}";
    }

    public async ValueTask DisposeAsync()
    {
        await Shell.TryRun("fusermount3", ["-u", MountPoint]);
        if (!_server.WaitForExit(5000))
        {
            await Shell.TryRun("fusermount3", ["-uz", MountPoint]);
            _server.Kill();
        }
        _server.Dispose();
    }
}

/// <summary>What flakyfs does to the paths its switch file names.</summary>
public enum FlakyMode
{
    /// <summary>Reads fail with EIO, as on a failing disk or network path.</summary>
    ReadsFail,
    /// <summary>Every request waits, as while a storage server fails over.</summary>
    Stall,
    /// <summary>POSIX (fcntl) locks fail with ENOSYS, as on Lustre mounted without flock.</summary>
    NoLocks,
}
