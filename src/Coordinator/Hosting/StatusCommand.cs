using System.CommandLine;
using System.Globalization;
using Form3Actors.Coordinator.Output;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Hosting;

/// <summary>`form3-coordinator status RUN_DIR`: prints a run's progress from its status file, from any terminal.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var runDir = new Argument<string>("run-dir") { Description = "The run folder given to `run` (e.g. runs/form_3_10)" };
        var command = new Command("status", "Show a run's progress (done/total, rate, ETA, nodes, failures) and, once finished, its tables") { runDir };
        command.SetAction(parse => Print(parse.GetRequiredValue(runDir)));
        return command;
    }

    static int Print(string runDir)
    {
        if (HoconFiles.TryLoad("coordinator.conf", "node.conf", "shared.conf") is not { } config) return ExitCodes.BadUsage;
        StatusDocument? status;
        try
        {
            status = StatusFile.Read(runDir);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {StatusFile.FileName} in {runDir} could not be read ({e.Message}); a running coordinator rewrites it " +
                "at every progress interval, so try again in a moment; if it stays unreadable, the coordinator is not running");
            return ExitCodes.Failed;
        }
        if (status == null)
        {
            Console.Error.WriteLine($"error: no {StatusFile.FileName} in {runDir}; is it a run folder, and has its run started?");
            return ExitCodes.BadUsage;
        }
        var age = DateTimeOffset.UtcNow - status.UpdatedAt;
        var gone = CoordinatorGone(status, age, config.GetTimeSpan("form3.coordinator.progress-interval"));
        var eta = status.EtaSeconds is { } s ? TimeSpan.FromSeconds(s).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : "-";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run folder  {Path.GetFullPath(runDir)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"phase       {status.Phase} (updated {age.TotalSeconds:N0} s ago by pid {status.Pid} on {status.Host})"));
        if (gone != null) Console.WriteLine($"coordinator GONE: {gone}; the figures below are its last; run the same command again to resume");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done        {status.Done:N0}/{status.Total:N0} files ({status.Percent:F1}%), {status.Skipped:N0} skipped as already done"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rate        {status.FilesPerSecond:N0} files/s, ETA {eta}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nodes       {status.NodesUp} ({status.Workers} workers)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"retries     {status.Retries}, failures {status.Failures}"));
        var manifest = Manifest.Read(new RunFolder(Path.GetFullPath(runDir)).Results);
        if (status.Phase == "finished" && manifest != null)
        {
            Console.WriteLine("tables      " + string.Join(", ", manifest.RowsPerTable.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:N0}"))));
            if (manifest.ErrorsByKind.Count > 0)
                Console.WriteLine("errors      " + string.Join(", ", manifest.ErrorsByKind.Select(kv => $"{kv.Key} {kv.Value}")));
        }
        return gone == null ? 0 : ExitCodes.Failed;
    }

    /// <summary>
    /// Why the coordinator that wrote an unfinished status is no longer running, or null if it may be: on this host
    /// its process is checked; elsewhere, a status not rewritten for three progress <paramref name="interval"/>s means it stopped.
    /// </summary>
    static string? CoordinatorGone(StatusDocument status, TimeSpan age, TimeSpan interval)
    {
        if (status.Phase is "finished" or "stopped") return null;
        if (status.Host == Environment.MachineName)
            return LocalProcess.RunsSince(status.Pid, status.StartedAt) ? null : $"process {status.Pid} on this host has ended without finishing the run";
        return age > StaleAfterIntervals * interval
            ? string.Create(CultureInfo.InvariantCulture, $"no update for {age.TotalSeconds:N0} s, while it writes one every {interval.TotalSeconds:N0} s")
            : null;
    }

    /// <summary>Progress intervals without a status update after which a coordinator on another host counts as gone.</summary>
    const int StaleAfterIntervals = 3;
}
