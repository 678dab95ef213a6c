namespace Form3Actors.Core.Work;

/// <summary>
/// Blocking file-system work on threads of its own: on a network file system every request waits a round trip, and
/// on the thread pool such waits starve the actor system, remoting and heartbeats that run there.
/// </summary>
public static class OwnThreads
{
    /// <summary>
    /// Runs <paramref name="body"/> once on each of <paramref name="count"/> background threads named
    /// <paramref name="name"/>-1, -2, …; the task completes when every one has returned, faulted with what any threw.
    /// </summary>
    public static Task Run(int count, string name, Action body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return Task.WhenAll(Enumerable.Range(1, count).Select(i =>
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            new Thread(() =>
            {
                try
                {
                    body();
                    done.SetResult();
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            }) { IsBackground = true, Name = $"{name}-{i}" }.Start();
            return done.Task;
        }).ToList());
    }
}
