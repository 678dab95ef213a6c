using System.Diagnostics;

namespace Form3Actors.Testing;

/// <summary>
/// A folder served through shared/bench/latencyfs (FUSE 3): every metadata request and every read waits a set delay,
/// as on a cluster's network file system. Built from its C source with Debian's fuse3 and libfuse3-dev (installed
/// here when missing and running as root), mounted read-only, and unmounted again on dispose.
/// </summary>
public sealed class LatencyMount : IAsyncDisposable
{
    static readonly string Source = Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "bench", "latencyfs.c"));

    readonly Process _server;

    public string MountPoint { get; }

    /// <summary>The CPU time the file server process has used so far (user and system).</summary>
    public TimeSpan ServerCpu()
    {
        _server.Refresh();
        return _server.TotalProcessorTime;
    }

    LatencyMount(Process server, string mountPoint)
    {
        _server = server;
        MountPoint = mountPoint;
    }

    /// <summary>
    /// Mounts <paramref name="folder"/> at <paramref name="mountPoint"/> with the given delays, or returns why it cannot
    /// be done on this machine (no FUSE device, not root, no compiler, the source missing).
    /// </summary>
    public static async Task<(LatencyMount? Mount, string? WhyNot)> TryMount(string folder, string mountPoint, TimeSpan metadataDelay, TimeSpan readDelay,
        string buildFolder)
    {
        if (!File.Exists("/dev/fuse")) return (null, "this machine has no /dev/fuse (FUSE is unavailable, as in some containers)");
        if (!File.Exists(Source)) return (null, $"the latency file system's source is not at {Source}");
        if (await Ensure() is { } missing) return (null, missing);
        Directory.CreateDirectory(buildFolder);
        var binary = Path.Combine(buildFolder, "latencyfs");
        if (!File.Exists(binary) || File.GetLastWriteTimeUtc(binary) < File.GetLastWriteTimeUtc(Source))
        {
            var (code, _, error) = await Shell.TryRun("sh", ["-c", $"cc -O2 -o '{binary}' '{Source}' $(pkg-config --cflags --libs fuse3)"]);
            if (code != 0) return (null, $"building latencyfs failed: {error.Trim()}");
        }
        Directory.CreateDirectory(mountPoint);
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { folder, mountPoint, Micros(metadataDelay), Micros(readDelay) }) info.ArgumentList.Add(arg);
        var server = Process.Start(info)!;
        var deadline = Stopwatch.StartNew();
        while (!IsMounted(mountPoint))
        {
            if (server.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                if (!server.HasExited) server.Kill();
                return (null, $"latencyfs did not mount {mountPoint}: {await server.StandardError.ReadToEndAsync()}".Trim());
            }
            await Task.Delay(20);
        }
        return (new LatencyMount(server, mountPoint), null);
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
