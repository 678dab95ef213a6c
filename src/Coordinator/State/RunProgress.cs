using System.Globalization;

namespace Form3Actors.Coordinator.State;

/// <summary>One progress reading: what the log line and the status file show.</summary>
public sealed record ProgressReport(
    string Phase,
    int Done,
    int Total,
    int Skipped,
    double FilesPerSecond,
    TimeSpan? Eta,
    int NodesUp,
    int Workers,
    int Retries,
    int Failures,
    DateTimeOffset StartedAt,
    DateTimeOffset At)
{
    public double Percent => Total == 0 ? 100 : 100.0 * Done / Total;

    /// <summary>The one-line form written to the job log at every interval.</summary>
    public string LogLine => string.Create(CultureInfo.InvariantCulture,
        $"Progress {Phase}: {Done:N0}/{Total:N0} files ({Percent:F1}%), {FilesPerSecond:N0} files/s, ETA {EtaText}, " +
        $"nodes {NodesUp} ({Workers} workers), retries {Retries}, failures {Failures}, skipped {Skipped:N0} already done");

    /// <summary>The ETA as h:mm:ss, or "-" while there is no rate to estimate it from.</summary>
    public string EtaText => FormatEta(Eta);

    static string FormatEta(TimeSpan? eta) => eta is { } t ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : "-";
}

/// <summary>Counts a run's progress and estimates its rate from a sliding window, so the ETA follows the recent pace.</summary>
public sealed class RunProgress(int total, int skipped, DateTimeOffset startedAt, TimeSpan window)
{
    readonly Queue<(DateTimeOffset At, int Done)> _samples = new();

    public int Done { get; private set; }
    public int Total { get; private set; } = total;
    public int Skipped { get; private set; } = skipped;
    public int Failures { get; private set; }

    public void Completed(int files) => Done += files;

    /// <summary>Files found already done by earlier runs (a rerun's check): not this run's to do.</summary>
    public void Skip(int files)
    {
        Total -= files;
        Skipped += files;
    }

    /// <summary>Files done before whose rows were lost (damaged part segments): to be done again by this run.</summary>
    public void Reopen(int files) => Total += files;

    public void Quarantined(int files)
    {
        Done += files;
        Failures += files;
    }

    public ProgressReport Report(string phase, DateTimeOffset now, int nodesUp, int workers, int retries)
    {
        _samples.Enqueue((now, Done));
        while (_samples.Count > 2 && now - _samples.Peek().At > window) _samples.Dequeue();
        var (firstAt, firstDone) = _samples.Count > 1 ? _samples.Peek() : (startedAt, 0);
        var seconds = (now - firstAt).TotalSeconds;
        var rate = seconds > 0 ? (Done - firstDone) / seconds : 0;
        TimeSpan? eta = Done >= Total ? TimeSpan.Zero : rate > 0 ? TimeSpan.FromSeconds((Total - Done) / rate) : null;
        return new ProgressReport(phase, Done, Total, Skipped, rate, eta, nodesUp, workers, retries, Failures, startedAt, now);
    }
}
