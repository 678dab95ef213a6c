namespace Form3Actors.Core.Work;

/// <summary>
/// How many files a worker asks for: about form3.node.batch-time of work at the pace its own batches went, so a batch
/// is a second or two on any storage. Counts would be wrong on one storage or the other: a file read one at a time
/// takes well under a millisecond from a warm page cache and about 45 ms at 10 ms a request, so 1,024 files are
/// either a blink or long enough for a few early askers to hold a whole run.
/// </summary>
public sealed class BatchSizer(int firstRequest, int maxRequest, TimeSpan batchTime)
{
    double _filesPerSecond;

    /// <summary>The size of the next request: <c>firstRequest</c> until a batch was timed.</summary>
    public int NextRequest => _filesPerSecond <= 0
        ? firstRequest
        : (int)Math.Clamp(_filesPerSecond * batchTime.TotalSeconds, 1, maxRequest);

    /// <summary>A batch of <paramref name="files"/> took <paramref name="elapsed"/>: the pace moves halfway towards it.</summary>
    public void Observe(int files, TimeSpan elapsed)
    {
        if (files <= 0 || elapsed <= TimeSpan.Zero) return;
        var pace = files / elapsed.TotalSeconds;
        _filesPerSecond = _filesPerSecond <= 0 ? pace : (_filesPerSecond + pace) / 2;
    }
}
