using Akka.Event;
using Form3Actors.Coordinator.State;

namespace Form3Actors.Coordinator.Output;

/// <summary>
/// Writes status.json on a thread of its own (never one of the pool the actors run on), so that a stalled run folder
/// never holds up the run. While one write hangs, later readings are skipped (only the latest matters); a final
/// reading (finished, stopped) is written after any earlier one, so it is the one that stays.
/// </summary>
public sealed class StatusWriter(string runDirectory, ILoggingAdapter log)
{
    Task _last = Task.CompletedTask;

    /// <summary>The latest write, finished or not.</summary>
    public Task Last => _last;

    public Task Write(ProgressReport report, bool final)
    {
        if (!final && !_last.IsCompleted) return _last;
        _last = _last.ContinueWith(_ =>
        {
            try
            {
                StatusFile.Write(runDirectory, report, Environment.ProcessId, Environment.MachineName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Only `status` reads it: the run goes on without it.
                log.Warning("Could not write the status file: {Reason}", e.Message);
            }
        }, CancellationToken.None, TaskContinuationOptions.LongRunning, TaskScheduler.Default);
        return _last;
    }
}
