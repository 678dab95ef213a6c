using System.Collections.Concurrent;
using Form3Actors.Core.Extraction;

namespace Form3Actors.Core.Work;

/// <summary>
/// A node's reads, on threads of its own: on a network file system every open and read waits a round trip, so many
/// reads are kept in flight (form3.node.reads-in-flight) while the workers extract, one per core, from what has
/// arrived. The reads never block the thread pool, where the actor system, remoting and heartbeats run.
/// </summary>
public sealed class FileFetcher : IDisposable
{
    readonly BlockingCollection<Fetch> _requests = new(new ConcurrentQueue<Fetch>());
    readonly IFilingSource _source;
    /// <summary>Per read thread, the path it reads now and since when (0: idle), to tell a hung mount.</summary>
    readonly string?[] _reading;
    readonly long[] _since;
    int _threads;
    int _stuckReported;

    public FileFetcher(IFilingSource source, int readers)
    {
        _source = source;
        (_reading, _since) = (new string?[readers], new long[readers]);
        // The loops end when Dispose completes the queue; a read that hangs holds only its own thread.
        _ = OwnThreads.Run(readers, "form3-read", () => ReadLoop(Interlocked.Increment(ref _threads) - 1));
    }

    /// <summary>
    /// A path one of them reads, when every read thread has been on its read for longer than <paramref name="deadline"/>
    /// (a dead mount: more reads would only queue behind them); null otherwise.
    /// </summary>
    public string? AllStuck(TimeSpan deadline)
    {
        for (var i = 0; i < _reading.Length; i++)
            if (Volatile.Read(ref _reading[i]) == null || TimeProvider.System.GetElapsedTime(Volatile.Read(ref _since[i])) < deadline) return null;
        return Volatile.Read(ref _reading[0]);
    }

    /// <summary>True for the first caller after reads got stuck: one warning per episode, not one per worker.</summary>
    public bool TryClaimStuckReport() => Interlocked.Exchange(ref _stuckReported, 1) == 0;

    /// <summary>Where the reads come from, for a worker that reads a file itself (when reads are quick, see <see cref="ReadPace"/>).</summary>
    public IFilingSource Source => _source;

    /// <summary>Queues a read; its result waits in the returned <see cref="Fetch"/>.</summary>
    public Fetch Enqueue(string path)
    {
        var fetch = new Fetch(path);
        if (!_requests.TryAdd(fetch)) fetch.Complete(default, new ObjectDisposedException(nameof(FileFetcher)), TimeSpan.Zero);
        return fetch;
    }

    void ReadLoop(int slot)
    {
        foreach (var fetch in _requests.GetConsumingEnumerable())
        {
            if (fetch.Abandoned) continue;
            var started = TimeProvider.System.GetTimestamp();
            Volatile.Write(ref _since[slot], started);
            Volatile.Write(ref _reading[slot], fetch.Path);
            try
            {
                var read = _source.Read(fetch.Path);
                fetch.Complete(read, null, TimeProvider.System.GetElapsedTime(started));
            }
            catch (Exception e)
            {
                fetch.Complete(default, e, TimeProvider.System.GetElapsedTime(started));
            }
            finally
            {
                Volatile.Write(ref _reading[slot], null);
                Volatile.Write(ref _stuckReported, 0);
            }
        }
    }

    /// <summary>No more reads are taken; reads under way finish on their own (a hung one holds only its thread).</summary>
    public void Dispose() => _requests.CompleteAdding();
}

/// <summary>One queued read: the worker waits for it when it gets to the file.</summary>
public sealed class Fetch(string path)
{
    readonly ManualResetEventSlim _done = new();
    FileRead _read;
    Exception? _failure;
    volatile bool _abandoned;
    int _released;

    public string Path { get; } = path;

    internal bool Abandoned => _abandoned;

    /// <summary>How long the read itself took on its thread (not counting its wait in the queue).</summary>
    public TimeSpan ReadTime { get; private set; }

    internal void Complete(FileRead read, Exception? failure, TimeSpan readTime)
    {
        (_read, _failure, ReadTime) = (read, failure, readTime);
        _done.Set();
        if (_abandoned) ReleaseOnce();
    }

    /// <summary>The file's bytes and version once read; throws what the read threw (<see cref="BadFilingException"/> for expected failures).</summary>
    public FileRead Wait(CancellationToken cancel)
    {
        _done.Wait(cancel);
        if (_failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
        return _read;
    }

    /// <summary>Nobody will wait for this read: skip it if not started, give its buffer back if done.</summary>
    public void Abandon()
    {
        _abandoned = true;
        if (_done.IsSet) ReleaseOnce();
    }

    /// <summary>The read and <see cref="Abandon"/> may both see the other done: only one gives the buffer back.</summary>
    void ReleaseOnce()
    {
        if (_failure == null && Interlocked.Exchange(ref _released, 1) == 0) _read.Release();
    }
}
