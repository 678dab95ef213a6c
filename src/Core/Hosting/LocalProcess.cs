using System.Diagnostics;

namespace Form3Actors.Core.Hosting;

/// <summary>What a pid written into the run folder (the lock, the status file) says about a process on this host.</summary>
public static class LocalProcess
{
    /// <summary>
    /// Whether process <paramref name="pid"/> still runs on this host and is the one that was already running at
    /// <paramref name="since"/>, not a later one that reuses its pid.
    /// </summary>
    public static bool RunsSince(int pid, DateTimeOffset since)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && process.StartTime.ToUniversalTime() <= since.UtcDateTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
