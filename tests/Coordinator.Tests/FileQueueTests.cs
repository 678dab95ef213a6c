using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.Tests;

/// <summary>
/// A batch's life, from the two types that keep it: <see cref="BatchLeases"/> (handed out, renewed, expired, taken
/// once) and <see cref="FileQueue"/> (which files are due, held, how often each failed; each file settled once).
/// </summary>
public sealed class FileQueueTests
{
    static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    static readonly QueueSettings Settings = new(BatchSize: 10, MinBatchSize: 2, MaxAttempts: 3, IsolateAfterFailures: 2, Lease);

    /// <summary>Batches of what is asked for, however few files are left.</summary>
    static readonly QueueSettings Fixed = Settings with { MinBatchSize = Settings.BatchSize };

    /// <summary>A queue of these files, all due, and the leases of its batches.</summary>
    sealed class Run(IReadOnlyList<InputFile> files, QueueSettings? settings = null)
    {
        public InputListing Listing { get; } = new("test", files, 0, 0, 0);
        public FileQueue Queue { get; private set; } = null!;
        public BatchLeases Leases { get; } = new(Lease, firstBatchId: 1);
        TimeSpan _now;

        public Run Started()
        {
            Queue = new FileQueue(Listing, settings ?? Settings);
            for (var i = 0; i < Listing.Count; i++) Queue.MakeDue(i);
            return this;
        }

        public void Advance(TimeSpan by) => _now += by;

        /// <summary>A batch of up to <paramref name="max"/> files for <paramref name="worker"/>, or null when nothing waits.</summary>
        public Lease? Take(string worker = "w", int max = 10, int workers = 1, long requestId = 0) =>
            Queue.Take(FileQueue.SizeFor(Queue.Waiting, workers, max, settings ?? Settings)) is { Length: > 0 } indices
                ? Leases.Grant(worker, requestId, indices, id => Queue.Assignment(id, requestId, indices), _now)
                : null;

        /// <summary>The report of a batch done whole, taken as the coordinator takes it (once).</summary>
        public Settlement? Report(Lease lease, int[]? completed = null, params FileFailure[] failed)
        {
            if (Leases.Take(lease.BatchId) is not { } taken) return null;
            var positions = completed ?? [.. Enumerable.Range(0, lease.Files.Length)];
            return Queue.Settle(taken, new ReportBatchCompleted(lease.BatchId, lease.WorkerId, [],
                new CompletedFiles(positions, [.. positions.Select(_ => 100L)], [.. positions.Select(_ => 1L)]), [.. failed]));
        }

        public IReadOnlyList<Lease> Expire() => Leases.Expire(_now) is var expired && expired.Count > 0
            ? expired.Select(l => { Queue.TakeBack(l, FailureKind.LeaseExpired, "not renewed"); return l; }).ToList()
            : expired;

        public int[] Attempts(Lease lease) => [.. Enumerable.Range(0, lease.Files.Length).Select(p => lease.Assignment.Files.Attempt(p))];
    }

    [Fact]
    public void Batches_are_capped_by_the_configured_size_and_by_what_the_worker_asks()
    {
        var run = new Run(TestFiles.Many(100)).Started();
        Assert.Equal(10, run.Take(max: 50)!.Files.Length);
        Assert.Equal(4, run.Take(max: 4)!.Files.Length);
        Assert.Equal(86, run.Queue.Waiting);
        Assert.Equal(100, run.Queue.Due);
    }

    [Fact]
    public void Batches_shrink_near_the_end_so_the_last_files_spread_over_workers()
    {
        Assert.Equal(10, FileQueue.SizeFor(waiting: 1000, activeWorkers: 4, requested: 256, Settings));
        Assert.Equal(3, FileQueue.SizeFor(waiting: 24, activeWorkers: 4, requested: 256, Settings));
        Assert.Equal(2, FileQueue.SizeFor(waiting: 3, activeWorkers: 4, requested: 256, Settings));
    }

    [Fact]
    public void Every_file_is_handed_out_exactly_once_in_listing_order_when_nothing_fails()
    {
        var run = new Run(TestFiles.Many(57)).Started();
        var seen = new List<int>();
        while (run.Take() is { } lease)
        {
            seen.AddRange(lease.Files);
            Assert.Equal(lease.Files.Length, run.Report(lease)!.Completed.Count);
            Assert.Equal(lease.Files.Select(run.Listing.KeyAt), Enumerable.Range(0, lease.Files.Length).Select(lease.Assignment.Files.Key));
        }
        Assert.Equal(0, run.Queue.Due);
        Assert.Equal(Enumerable.Range(0, 57), seen);
    }

    [Fact]
    public void A_batch_is_taken_once_so_a_repeated_report_settles_nothing()
    {
        var run = new Run(TestFiles.Many(5)).Started();
        var lease = run.Take()!;
        Assert.NotNull(run.Report(lease));
        Assert.Null(run.Report(lease));
    }

    [Fact]
    public void A_file_that_times_out_is_isolated_and_quarantined_while_its_abandoned_batch_mates_lose_no_attempt()
    {
        var run = new Run(TestFiles.Many(4)).Started();
        var stuckAttempts = new List<(int Attempt, int BatchSize)>();
        var mateAttempts = new List<int>();
        while (run.Take() is { } lease)
        {
            var stuck = Array.IndexOf(lease.Files, 0);
            if (stuck < 0)
            {
                mateAttempts.AddRange(run.Attempts(lease));
                Assert.Empty(run.Report(lease)!.Quarantined);
                continue;
            }
            stuckAttempts.Add((run.Attempts(lease)[stuck], lease.Files.Length));
            var failures = Enumerable.Range(0, lease.Files.Length).Select(p => p == stuck
                ? new FileFailure(p, FailureKind.Timeout, "took too long")
                : new FileFailure(p, FailureKind.Abandoned, "batch-mate timed out")).ToArray();
            Assert.Equal(stuckAttempts[^1].Attempt == 3 ? 1 : 0, run.Report(lease, [], failures)!.Quarantined.Count);
        }
        Assert.Equal([1, 2, 3], stuckAttempts.Select(a => a.Attempt));
        Assert.Equal(1, stuckAttempts[2].BatchSize); // sent alone after two failures
        Assert.Equal([1, 1, 1], mateAttempts);
        Assert.Equal(0, run.Queue.Due);
    }

    [Fact]
    public void Failed_files_are_retried_then_quarantined_with_the_last_reason()
    {
        var run = new Run([TestFiles.File(1)]).Started();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var lease = run.Take()!;
            Assert.Equal([attempt], run.Attempts(lease));
            var settlement = run.Report(lease, [], new FileFailure(0, FailureKind.IoError, "disk hiccup"))!;
            if (attempt < 3)
            {
                Assert.Empty(settlement.Quarantined);
                continue;
            }
            var q = Assert.Single(settlement.Quarantined);
            Assert.Equal((ErrorKind.RetriesExhausted, 3, "1.txt"), (q.Kind, q.Attempts, q.SourcePath));
            Assert.Contains("(io_error): disk hiccup", q.Reason);
            Assert.Equal(FileVersion.Unknown, new FileVersion(q.File.Size, q.File.ModifiedUtcTicks)); // the next run tries it again
        }
        Assert.Equal((0, 3), (run.Queue.Due, run.Queue.Retries));
    }

    [Fact]
    public void Files_that_failed_twice_travel_alone_so_batch_mates_are_not_blamed()
    {
        var run = new Run(TestFiles.Many(6)).Started();
        for (var round = 0; round < 2; round++)
        {
            var leases = new List<Lease>();
            while (run.Take("dying") is { } lease) leases.Add(lease);
            Assert.Equal(6, leases.Sum(l => l.Files.Length));
            foreach (var lease in run.Leases.Release(w => w == "dying")) Assert.Empty(run.Queue.TakeBack(lease, FailureKind.NodeLost, "node left"));
        }
        for (var i = 0; i < 6; i++)
        {
            var alone = run.Take("healthy")!;
            Assert.Equal([3], run.Attempts(alone));
            run.Report(alone);
        }
        Assert.Equal(0, run.Queue.Due);
    }

    [Fact]
    public void Releasing_a_worker_takes_back_its_batches_and_leaves_others_alone()
    {
        var run = new Run(TestFiles.Many(100)).Started();
        var lost = run.Take("node-a/w1", workers: 2)!;
        var kept = run.Take("node-b/w1", workers: 2)!;
        var released = run.Leases.Release(w => w.StartsWith("node-a", StringComparison.Ordinal));
        Assert.Equal([lost.BatchId], released.Select(l => l.BatchId));
        foreach (var lease in released) run.Queue.TakeBack(lease, FailureKind.NodeLost, "gone");
        Assert.Equal(90, run.Queue.Waiting);
        Assert.Null(run.Report(lost)); // taken back: its late report must not count
        Assert.NotNull(run.Report(kept));
        var attempts = new List<int>();
        while (run.Take("node-b/w1") is { } next)
        {
            attempts.AddRange(run.Attempts(next));
            run.Report(next);
        }
        Assert.Equal((90, 80, 10), (attempts.Count, attempts.Count(a => a == 1), attempts.Count(a => a == 2)));
    }

    [Fact]
    public void Files_a_report_leaves_out_count_as_failed()
    {
        var run = new Run(TestFiles.Many(3), Fixed).Started();
        var lease = run.Take()!;
        Assert.Single(run.Report(lease, [0])!.Completed);
        Assert.Equal(2, run.Queue.Waiting);
        Assert.Equal(2, run.Queue.Retries);
    }

    [Fact]
    public void A_batch_whose_lease_is_not_renewed_is_taken_back_and_handed_out_again_with_an_attempt_counted()
    {
        var run = new Run(TestFiles.Many(20), Fixed).Started();
        var silent = run.Take("w1", workers: 2)!;
        var working = run.Take("w2", workers: 2)!;
        run.Advance(Lease / 2);
        run.Leases.Renew("w2", [working.BatchId, silent.BatchId], TimeSpan.FromSeconds(30)); // w1's batch is not w2's to renew
        run.Advance(Lease / 2 - TimeSpan.FromSeconds(1));
        Assert.Empty(run.Expire());

        run.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([silent.BatchId], run.Expire().Select(l => l.BatchId));
        Assert.Equal(10, run.Queue.Waiting);
        var again = run.Take("w3", workers: 2)!;
        Assert.Equal(silent.Files, again.Files);
        Assert.All(run.Attempts(again), a => Assert.Equal(2, a));
        Assert.NotNull(run.Report(working));
    }

    [Fact]
    public void The_late_report_of_an_expired_batch_settles_each_file_once_whoever_reports_first()
    {
        var run = new Run(TestFiles.Many(6), Fixed).Started();
        var late = run.Take("w1", max: 6)!;
        run.Advance(Lease);
        run.Expire();
        var retaken = run.Take("w2", max: 2)!; // two files held again, four still waiting

        // The late report wins for all six: the waiting four leave the queue, w2's two are settled under it.
        Assert.Equal(6, run.Report(late)!.Completed.Count);
        Assert.Equal((0, 0), (run.Queue.Due, run.Queue.Waiting));
        Assert.Null(run.Take("w2"));
        // w2's report of the same two files comes second and settles nothing.
        Assert.Empty(run.Report(retaken)!.Completed);
        Assert.Null(run.Report(late)); // and a repeat of the late one finds nothing
    }

    [Fact]
    public void A_file_in_two_expired_batches_is_settled_by_whichever_late_report_comes_first_and_only_once()
    {
        var run = new Run(TestFiles.Many(2), Fixed).Started();
        var first = run.Take("w1")!;
        run.Advance(Lease);
        run.Expire();
        var second = run.Take("w2")!;
        run.Advance(Lease);
        run.Expire();
        Assert.Equal(2, run.Report(second)!.Completed.Count);
        Assert.Empty(run.Report(first)!.Completed);
        Assert.Equal(0, run.Queue.Due);
    }

    [Fact]
    public void An_expired_batch_is_forgotten_once_its_files_are_settled_and_kept_while_its_report_can_still_count()
    {
        var run = new Run(TestFiles.Many(4), Fixed).Started();
        var a = run.Take("w1", max: 2)!;
        var b = run.Take("w1", max: 2)!;
        run.Advance(Lease);
        run.Expire();
        run.Report(run.Take("w2", max: 2)!); // settles a's files
        run.Leases.ForgetExpired(run.Queue.Settled);
        Assert.Null(run.Report(a)); // forgotten: nothing it could settle
        Assert.Equal(2, run.Report(b)!.Completed.Count); // still due: its late report counts
    }

    [Fact]
    public void A_repeated_request_gets_the_batch_it_already_got_while_its_worker_holds_it()
    {
        var run = new Run(TestFiles.Many(30)).Started();
        var first = run.Take(requestId: 1)!;
        Assert.Same(first.Assignment, run.Leases.Repeat("w", 1));
        Assert.Null(run.Leases.Repeat("w", 2));
        Assert.Null(run.Leases.Repeat("other", 1));
        run.Report(first);
        Assert.Null(run.Leases.Repeat("w", 1)); // settled: a stale repeat is a new request
        Assert.Equal(1L, first.Assignment.RequestId);
    }

    [Fact]
    public void An_assignment_carries_each_files_key_path_and_attempt_as_listed()
    {
        var files = TestFiles.Many(3);
        var run = new Run(files, Fixed).Started();
        var lease = run.Take(max: 3)!;
        var sent = lease.Assignment;
        Assert.Equal(("/data", "3"), (sent.Root, sent.Forms));
        Assert.Equal(files.Select(f => f.SourcePath), Enumerable.Range(0, 3).Select(sent.Files.SourcePath));
        Assert.Equal(files.Select(f => f.Key), Enumerable.Range(0, 3).Select(sent.Files.Key));
        Assert.Equal(["/data/1.txt", "/data/2.txt", "/data/3.txt"], Enumerable.Range(0, 3).Select(p => BatchFiles.FullPath(sent.Root, sent.Files.SourcePath(p))));
    }

    [Fact]
    public void Batch_ids_of_two_coordinators_of_one_run_folder_differ_so_a_stray_report_matches_nothing()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => BatchLeases.NewEpoch()).ToHashSet();
        Assert.True(ids.Count > 45);
        Assert.All(ids, id => Assert.True(id > int.MaxValue));
    }
}
