using System.Numerics;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>The batching and retry rules, from form3.coordinator in hocon/coordinator.conf.</summary>
public sealed record QueueSettings(int BatchSize, int MinBatchSize, int MaxAttempts, int IsolateAfterFailures, TimeSpan BatchLease);

/// <summary>What a report or a lost batch came to: files to journal as completed, and files that ran out of attempts.</summary>
public sealed record Settlement(IReadOnlyList<(int Index, FileVersion Version)> Completed, IReadOnlyList<QuarantinedFile> Quarantined);

/// <summary>
/// This run's files still to settle, by listing index: which are due, which a live batch holds, how often each failed.
/// Not journaled: after a restart it is rebuilt from the listing and the ledger, so in-flight work is simply redone.
/// </summary>
/// <remarks>
/// Each file is settled once: the first report that completes it (or its last failed attempt) clears its due bit,
/// and every later report of it, from a batch taken back meanwhile or one that got it since, leaves it out.
/// A file that fails goes back to the queue; after <see cref="QueueSettings.IsolateAfterFailures"/> failures it
/// travels alone, so a file that kills its worker cannot take innocent batch-mates down with it; after
/// <see cref="QueueSettings.MaxAttempts"/> it is quarantined. Files are handed out in listing order, new ones by a
/// cursor (no queue of ten million entries), those due again from a queue.
/// </remarks>
public sealed class FileQueue
{
    readonly InputListing _listing;
    readonly QueueSettings _settings;
    readonly ulong[] _due;
    readonly ulong[] _held;
    readonly Queue<int> _again = new();
    readonly Queue<int> _isolated = new();
    /// <summary>Failures so far, only for files that failed (most never do).</summary>
    readonly Dictionary<int, int> _failures = [];
    /// <summary>The files before it were all looked at once; later ones made due behind it go to <see cref="_again"/>.</summary>
    int _cursor;

    public FileQueue(InputListing listing, QueueSettings settings)
    {
        (_listing, _settings) = (listing, settings);
        _due = new ulong[(listing.Count + 63) / 64];
        _held = new ulong[_due.Length];
    }

    /// <summary>Files due and not yet settled.</summary>
    public int Due { get; private set; }

    /// <summary>Files due that no live batch holds: what can be handed out now.</summary>
    public int Waiting { get; private set; }

    public int Retries { get; private set; }

    public bool IsDue(int index) => Bit(_due, index);

    /// <summary>Makes a file due: new, changed since the journal finished it, or its rows lost.</summary>
    public void MakeDue(int index)
    {
        if (IsDue(index)) return;
        Set(_due, index, true);
        Due++;
        if (Bit(_held, index)) return;
        Waiting++;
        if (index < _cursor) _again.Enqueue(index);
    }

    /// <summary>
    /// Batch size: the configured size while there is plenty of work, smaller near the end so the last files spread
    /// over every worker instead of waiting behind one large batch.
    /// </summary>
    public static int SizeFor(int waiting, int activeWorkers, int requested, QueueSettings settings)
    {
        var share = waiting / Math.Max(1, 2 * activeWorkers);
        return Math.Min(requested, Math.Clamp(share, settings.MinBatchSize, settings.BatchSize));
    }

    /// <summary>Up to <paramref name="size"/> waiting files, now held by the batch they go out in; a file that failed often goes alone.</summary>
    public int[] Take(int size)
    {
        var taken = new List<int>(Math.Min(size, Waiting));
        while (_isolated.TryDequeue(out var alone))
            if (Waits(alone))
            {
                taken.Add(alone);
                return Hold(taken);
            }
        while (taken.Count < size && _again.TryDequeue(out var again))
            if (Waits(again)) taken.Add(again);
        while (taken.Count < size && _cursor < _listing.Count)
        {
            // Whole words of 64 files with nothing waiting are skipped at once (a rerun with most files unchanged).
            var word = _cursor / 64;
            var waiting = (_due[word] & ~_held[word]) >> (_cursor % 64);
            if (waiting == 0)
            {
                _cursor = (word + 1) * 64;
                continue;
            }
            _cursor += BitOperations.TrailingZeroCount(waiting);
            if (_cursor < _listing.Count) taken.Add(_cursor++);
        }
        return Hold(taken);
    }

    /// <summary>What a worker is sent for these files: their keys, their paths copied as bytes from the listing, and the attempt each is on.</summary>
    public AssignBatch Assignment(long batchId, long requestId, int[] files)
    {
        var keys = new FileKey[files.Length];
        var ends = new int[files.Length];
        var attempts = new byte[files.Length];
        var length = 0;
        for (var p = 0; p < files.Length; p++) ends[p] = length += _listing.PathUtf8(files[p]).Length;
        var paths = new byte[length];
        for (var p = 0; p < files.Length; p++)
        {
            keys[p] = _listing.KeyAt(files[p]);
            attempts[p] = (byte)Math.Min(byte.MaxValue, _failures.GetValueOrDefault(files[p]) + 1);
            _listing.PathUtf8(files[p]).CopyTo(paths.AsSpan(p == 0 ? 0 : ends[p - 1]));
        }
        return new AssignBatch(batchId, requestId, _listing.Forms.ToString(), _listing.Root, new BatchFiles(keys, paths, ends, attempts));
    }

    /// <summary>
    /// Settles a report of <paramref name="lease"/>: each completed file that is still due is done. For a live batch,
    /// its failures count (an abandoned file goes back without an attempt), files it left out count as failed, and
    /// its files are no longer held. A batch taken back earlier counts only its completions: its failures were
    /// counted when it was taken back.
    /// </summary>
    public Settlement Settle(Lease lease, ReportBatchCompleted report)
    {
        var done = new List<(int, FileVersion)>(report.Completed.Count);
        var reported = new bool[lease.Files.Length];
        var completed = report.Completed;
        for (var i = 0; i < completed.Count; i++)
        {
            var position = completed.Position(i);
            if ((uint)position >= (uint)lease.Files.Length || reported[position]) continue;
            reported[position] = true;
            var index = lease.Files[position];
            if (!IsDue(index)) continue;
            Clear(index);
            _failures.Remove(index);
            done.Add((index, new FileVersion(completed.Size(i), completed.ModifiedUtcTicks(i))));
        }
        var quarantined = new List<QuarantinedFile>();
        if (lease.Expired) return new Settlement(done, quarantined);
        foreach (var failure in report.Failed)
        {
            if ((uint)failure.Position >= (uint)lease.Files.Length || reported[failure.Position]) continue;
            reported[failure.Position] = true;
            var index = lease.Files[failure.Position];
            if (failure.Kind == FailureKind.Abandoned) Release(index); // not its fault: no attempt counted
            else Fail(index, failure.Kind, failure.Reason, quarantined);
        }
        for (var position = 0; position < lease.Files.Length; position++)
            if (!reported[position]) Fail(lease.Files[position], FailureKind.NotReported, $"batch {lease.BatchId} report left the file out", quarantined);
        return new Settlement(done, quarantined);
    }

    /// <summary>A live batch taken back (lease expired, node or worker gone): each of its files still due counts a failed attempt.</summary>
    public IReadOnlyList<QuarantinedFile> TakeBack(Lease lease, FailureKind kind, string reason)
    {
        var quarantined = new List<QuarantinedFile>();
        foreach (var index in lease.Files) Fail(index, kind, reason, quarantined);
        return quarantined;
    }

    /// <summary>True when no file of the batch is due any more: its report could settle nothing.</summary>
    public bool Settled(Lease lease) => lease.Files.All(index => !IsDue(index));

    /// <summary>Counts a failed attempt: the file goes back to the queue, or is quarantined after the last attempt.</summary>
    void Fail(int index, FailureKind kind, string reason, List<QuarantinedFile> quarantined)
    {
        if (!IsDue(index))
        {
            Set(_held, index, false);
            return;
        }
        var failures = _failures[index] = _failures.GetValueOrDefault(index) + 1;
        Retries++;
        if (failures < _settings.MaxAttempts)
        {
            Release(index);
            return;
        }
        _failures.Remove(index);
        Clear(index);
        var file = _listing[index];
        // Of no known version: the next run checks it and finds it due again, so a fault of the moment heals.
        quarantined.Add(new QuarantinedFile(new FileStamp(file.Key, FileVersion.Unknown.Size, FileVersion.Unknown.ModifiedUtcTicks), file.SourcePath,
            ErrorKind.RetriesExhausted, $"gave up after {failures} attempts; last failure ({kind.Name()}): {reason}", failures));
    }

    /// <summary>A held file is held no more; if still due it waits again (alone after repeated failures).</summary>
    void Release(int index)
    {
        if (!Bit(_held, index)) return;
        Set(_held, index, false);
        if (!IsDue(index)) return;
        Waiting++;
        (_failures.GetValueOrDefault(index) >= _settings.IsolateAfterFailures ? _isolated : _again).Enqueue(index);
    }

    /// <summary>The file is settled: due no more, and no longer waiting if it was.</summary>
    void Clear(int index)
    {
        Set(_due, index, false);
        Due--;
        if (!Bit(_held, index)) Waiting--;
        Set(_held, index, false);
    }

    bool Waits(int index) => IsDue(index) && !Bit(_held, index);

    int[] Hold(List<int> taken)
    {
        foreach (var index in taken) Set(_held, index, true);
        Waiting -= taken.Count;
        return [.. taken];
    }

    static bool Bit(ulong[] bits, int index) => (bits[index / 64] & (1UL << (index % 64))) != 0;

    static void Set(ulong[] bits, int index, bool on)
    {
        if (on) bits[index / 64] |= 1UL << (index % 64);
        else bits[index / 64] &= ~(1UL << (index % 64));
    }
}
