namespace Form3Actors.Core.Work;

/// <summary>
/// Whether a worker reads its next batch's files itself or through the node's read threads. From a warm page cache a
/// read takes microseconds and handing each one to another thread and back costs more than it saves on two cores;
/// on a network file system a read is a round trip and only many in flight keep a worker busy. The pace of recent
/// reads decides, batch by batch, so a run follows its storage either way.
/// </summary>
public sealed class ReadPace(TimeSpan inlineUnder)
{
    /// <summary>Weight of the newest read in the moving average: about the last twenty reads count.</summary>
    const double NewestWeight = 0.05;

    /// <summary>Seconds a read takes, on average; unknown at first, which counts as slow (the safe side on a network file system).</summary>
    double _seconds = double.PositiveInfinity;

    public bool ReadsInline => _seconds < inlineUnder.TotalSeconds;

    /// <summary>One read took <paramref name="took"/> (on whichever thread it ran, not counting a wait in a queue).</summary>
    public void Observe(TimeSpan took) =>
        _seconds = double.IsPositiveInfinity(_seconds) ? took.TotalSeconds : (1 - NewestWeight) * _seconds + NewestWeight * took.TotalSeconds;
}
