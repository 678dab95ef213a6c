using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Work;

namespace Form3Actors.Coordinator.Inputs;

/// <summary>
/// A rerun's look at the files its journal finished: one stat each (following symbolic links, as the reader does),
/// with many in flight on threads of their own, since on a network file system each is a round trip. Results are
/// delivered in chunks as they come, so changed files are handed out while the rest are still being checked. A stat
/// that does not come back within the deadline (a hung mount) is given up: the file is delivered as of unknown
/// version (due again, so a worker reads it and gives up on it the same way), its thread is left behind, and a new
/// thread goes on with the other files.
/// </summary>
public static class VersionCheck
{
    /// <summary>Files per delivered chunk: one message per thousand checks keeps the coordinator's mailbox light.</summary>
    public const int ChunkFiles = 1024;

    /// <summary>Checks the files at <paramref name="indices"/> of the listing on <paramref name="threads"/> threads; completes when all are checked or given up.</summary>
    public static Task Run(IReadOnlyList<int> indices, Func<int, string> pathOf, int threads, TimeSpan deadline, Action<VersionsChecked> deliver,
        CancellationToken cancel) => new Checks(indices, pathOf, deadline, deliver, cancel).Run(Math.Clamp(threads, 1, Math.Max(1, indices.Count)));

    sealed class Checks(IReadOnlyList<int> indices, Func<int, string> pathOf, TimeSpan deadline, Action<VersionsChecked> deliver, CancellationToken cancel)
    {
        /// <summary>One thread's checks: the file under way and since when, and the results not yet delivered.</summary>
        sealed class Slot
        {
            public int At = -1;
            public long Since;
            public bool GivenUp;
            public readonly List<int> Indices = [];
            public readonly List<FileVersion> Versions = [];
        }

        readonly object _gate = new();
        readonly List<Slot> _slots = [];
        readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        int _next = -1;
        int _delivered;

        public Task Run(int threads)
        {
            if (indices.Count == 0) return Task.CompletedTask;
            for (var i = 0; i < threads; i++) StartThread();
            _ = Watch();
            return _done.Task;
        }

        void StartThread()
        {
            var slot = new Slot();
            lock (_gate) _slots.Add(slot);
            OwnThreads.Run(1, "form3-check", () => Loop(slot))
                .ContinueWith(t => _done.TrySetException(t.Exception!.GetBaseException()), TaskContinuationOptions.OnlyOnFaulted);
        }

        // Each slot has a lock of its own, taken by its thread and by the watch: 64 threads on one lock queued behind
        // whichever was preempted holding it.
        void Loop(Slot slot)
        {
            for (int at; !cancel.IsCancellationRequested && (at = Interlocked.Increment(ref _next)) < indices.Count;)
            {
                lock (slot) (slot.At, slot.Since) = (at, TimeProvider.System.GetTimestamp());
                var version = Check(pathOf(indices[at]));
                VersionsChecked? full = null;
                lock (slot)
                {
                    if (slot.GivenUp) return; // the watch delivered this file and the slot's results; a new thread took its place
                    slot.At = -1;
                    slot.Indices.Add(indices[at]);
                    slot.Versions.Add(version);
                    if (slot.Indices.Count >= ChunkFiles) full = Take(slot, []);
                }
                if (full != null) Deliver(full);
            }
            VersionsChecked rest;
            lock (slot) rest = Take(slot, []);
            Deliver(rest);
        }

        /// <summary>Gives up the checks past the deadline, a few times per deadline, until every file is delivered.</summary>
        async Task Watch()
        {
            while (!_done.Task.IsCompleted && !cancel.IsCancellationRequested)
            {
                await Task.WhenAny(_done.Task, Task.Delay(deadline / 4, CancellationToken.None));
                var given = new List<VersionsChecked>();
                Slot[] slots;
                lock (_gate) slots = [.. _slots];
                foreach (var slot in slots)
                    lock (slot)
                    {
                        if (slot.GivenUp || slot.At < 0 || TimeProvider.System.GetElapsedTime(slot.Since) < deadline) continue;
                        slot.GivenUp = true;
                        slot.Indices.Add(indices[slot.At]);
                        slot.Versions.Add(FileVersion.Unknown);
                        given.Add(Take(slot, [pathOf(indices[slot.At])]));
                    }
                foreach (var checks in given)
                {
                    Deliver(checks);
                    if (Volatile.Read(ref _next) < indices.Count - 1) StartThread();
                }
            }
        }

        static VersionsChecked Take(Slot slot, string[] timedOut)
        {
            var checks = new VersionsChecked([.. slot.Indices], [.. slot.Versions], timedOut);
            slot.Indices.Clear();
            slot.Versions.Clear();
            return checks;
        }

        void Deliver(VersionsChecked checks)
        {
            if (checks.Indices.Length == 0) return;
            deliver(checks);
            if (Interlocked.Add(ref _delivered, checks.Indices.Length) == indices.Count) _done.TrySetResult();
        }
    }

    static FileVersion Check(string path)
    {
        try
        {
            return FileVersion.Check(path);
        }
        catch (IOException)
        {
            return FileVersion.Unknown; // due again: the worker that reads it reports why it cannot
        }
    }
}
