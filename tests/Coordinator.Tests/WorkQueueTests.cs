using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.Tests;

public sealed class WorkQueueTests
{
    /// <summary>What a worker reports for a file it read.</summary>
    static FileStamp Done(WorkItem file) => new(file.FileKey, 100, 1);

    static readonly DateTimeOffset Now = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
    static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    static readonly QueueSettings Settings = new(BatchSize: 10, MinBatchSize: 2, MaxAttempts: 3, IsolateAfterFailures: 2, Lease);

    static WorkQueue Queue(IReadOnlyList<InputFile> files, QueueSettings? settings = null) =>
        new(new InputListing("test", files, 0, 0, 0), Enumerable.Range(0, files.Count), settings ?? Settings);

    /// <summary>Batches of what is asked for, however few files are left.</summary>
    static WorkQueue FixedBatches(IReadOnlyList<InputFile> files) => Queue(files, Settings with { MinBatchSize = Settings.BatchSize });

    [Fact]
    public void Batches_are_capped_by_the_configured_size_and_by_what_the_worker_asks()
    {
        var queue = Queue(TestFiles.Many(100));
        Assert.Equal(10, queue.TryTake("w1", 50, activeWorkers: 1, Now)!.Files.Length);
        Assert.Equal(4, queue.TryTake("w1", 4, activeWorkers: 1, Now)!.Files.Length);
        Assert.Equal(86, queue.PendingCount);
        Assert.False(queue.IsDrained);
    }

    [Fact]
    public void Batches_shrink_near_the_end_so_the_last_files_spread_over_workers()
    {
        Assert.Equal(10, WorkQueue.SizeFor(pending: 1000, activeWorkers: 4, requested: 256, Settings));
        Assert.Equal(3, WorkQueue.SizeFor(pending: 24, activeWorkers: 4, requested: 256, Settings));
        Assert.Equal(2, WorkQueue.SizeFor(pending: 3, activeWorkers: 4, requested: 256, Settings));
    }

    [Fact]
    public void Every_file_is_handed_out_exactly_once_when_nothing_fails()
    {
        var files = TestFiles.Many(57);
        var queue = Queue(files);
        var seen = new List<FileKey>();
        while (queue.TryTake("w", 10, 1, Now) is { } batch)
        {
            seen.AddRange(batch.Files.Select(f => f.FileKey));
            var settlement = queue.Settle(batch.BatchId, batch.Files.Select(Done).ToList(), [])!;
            Assert.Equal(batch.Files.Length, settlement.Completed.Count);
        }
        Assert.True(queue.IsDrained);
        Assert.Equal(files.Select(f => f.Key).Order(), seen.Order());
    }

    [Fact]
    public void A_report_for_a_batch_no_longer_in_flight_is_ignored()
    {
        var queue = Queue(TestFiles.Many(5));
        var batch = queue.TryTake("w", 10, 1, Now)!;
        var keys = batch.Files.Select(Done).ToList();
        Assert.NotNull(queue.Settle(batch.BatchId, keys, []));
        Assert.Null(queue.Settle(batch.BatchId, keys, []));
    }

    [Fact]
    public void A_file_that_times_out_is_isolated_and_quarantined_while_its_abandoned_batch_mates_lose_no_attempt()
    {
        var files = TestFiles.Many(4);
        var queue = Queue(files);
        var stuck = files[0].Key;
        var stuckAttempts = new List<(int Attempt, int BatchSize)>();
        var completedMates = new List<WorkItem>();
        while (queue.TryTake("w", 10, 1, Now) is { } batch)
        {
            if (batch.Files.SingleOrDefault(f => f.FileKey == stuck) is not { } item)
            {
                completedMates.AddRange(batch.Files);
                Assert.Empty(queue.Settle(batch.BatchId, batch.Files.Select(Done).ToList(), [])!.Quarantined);
                continue;
            }
            stuckAttempts.Add((item.Attempt, batch.Files.Length));
            var failures = batch.Files.Select(f => f.FileKey == stuck
                ? new FileFailure(f.FileKey, FailureKind.Timeout, "took too long")
                : new FileFailure(f.FileKey, FailureKind.Abandoned, "batch-mate timed out")).ToList();
            var quarantined = queue.Settle(batch.BatchId, [], failures)!.Quarantined;
            Assert.Equal(item.Attempt == 3 ? 1 : 0, quarantined.Count);
        }
        Assert.Equal(3, stuckAttempts.Count);
        Assert.Equal([1, 2, 3], stuckAttempts.Select(a => a.Attempt));
        Assert.Equal(1, stuckAttempts[2].BatchSize); // sent alone after two failures
        Assert.Equal(3, completedMates.Count);
        Assert.All(completedMates, f => Assert.Equal(1, f.Attempt));
        Assert.True(queue.IsDrained);
    }

    [Fact]
    public void Failed_files_are_retried_then_isolated_then_quarantined()
    {
        var queue = Queue([TestFiles.File(1)]);
        var key = TestFiles.File(1).Key;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var batch = queue.TryTake("w", 10, 1, Now)!;
            Assert.Equal(attempt, Assert.Single(batch.Files).Attempt);
            var settlement = queue.Settle(batch.BatchId, [], [new FileFailure(key, FailureKind.IoError, "disk hiccup")])!;
            if (attempt < 3)
            {
                Assert.Empty(settlement.Quarantined);
                continue;
            }
            var q = Assert.Single(settlement.Quarantined);
            Assert.Equal(ErrorKind.RetriesExhausted, q.Kind);
            Assert.Equal(3, q.Attempts);
            Assert.Contains("io_error", q.Reason);
            Assert.Contains("disk hiccup", q.Reason);
        }
        Assert.True(queue.IsDrained);
        Assert.Equal(3, queue.Retries);
    }

    [Fact]
    public void Files_that_failed_twice_travel_alone_so_batch_mates_are_not_blamed()
    {
        var queue = Queue(TestFiles.Many(6));
        for (var round = 0; round < 2; round++)
        {
            var taken = 0;
            while (queue.TryTake("dying", 10, 1, Now) is { } batch) taken += batch.Files.Length;
            Assert.Equal(6, taken);
            Assert.Empty(queue.Release(w => w == "dying", FailureKind.NodeLost, "node left").Quarantined);
        }
        for (var i = 0; i < 6; i++)
        {
            var alone = queue.TryTake("healthy", 10, 1, Now)!;
            Assert.Single(alone.Files);
            Assert.Equal(3, alone.Files[0].Attempt);
            queue.Settle(alone.BatchId, [Done(alone.Files[0])], []);
        }
        Assert.True(queue.IsDrained);
    }

    [Fact]
    public void Releasing_a_worker_puts_its_batches_back_and_leaves_others_alone()
    {
        var queue = Queue(TestFiles.Many(100));
        var lost = queue.TryTake("node-a/w1", 10, 2, Now)!;
        var kept = queue.TryTake("node-b/w1", 10, 2, Now)!;
        var released = queue.Release(w => w.StartsWith("node-a"), FailureKind.NodeLost, "gone");
        Assert.Equal(10, released.Files);
        Assert.Empty(released.Quarantined);
        Assert.Equal(90, queue.PendingCount);
        Assert.Null(queue.Settle(lost.BatchId, lost.Files.Select(Done).ToList(), []));
        Assert.NotNull(queue.Settle(kept.BatchId, kept.Files.Select(Done).ToList(), []));
        var attempts = new List<int>();
        while (queue.TryTake("node-b/w1", 10, 1, Now) is { } next) attempts.AddRange(next.Files.Select(f => f.Attempt));
        Assert.Equal(90, attempts.Count);
        Assert.Equal(80, attempts.Count(a => a == 1));
        Assert.Equal(10, attempts.Count(a => a == 2));
    }

    [Fact]
    public void Files_a_report_leaves_out_count_as_failed()
    {
        var queue = Queue(TestFiles.Many(3));
        var batch = queue.TryTake("w", 10, 1, Now)!;
        var settlement = queue.Settle(batch.BatchId, [Done(batch.Files[0])], [])!;
        Assert.Single(settlement.Completed);
        Assert.Equal(2, queue.PendingCount);
    }

    [Fact]
    public void A_batch_whose_lease_is_not_renewed_is_taken_back_and_handed_out_again()
    {
        var queue = FixedBatches(TestFiles.Many(20));
        var silent = queue.TryTake("w1", 10, 2, Now)!;
        var working = queue.TryTake("w2", 10, 2, Now)!;
        Assert.Equal(1, queue.Renew("w2", [working.BatchId, silent.BatchId], Now + Lease / 2)); // w1's batch is not w2's to renew
        Assert.Equal(0, queue.ExpireLeases(Now + Lease - TimeSpan.FromSeconds(1)).Files);

        var expired = queue.ExpireLeases(Now + Lease);
        Assert.Equal(10, expired.Files);
        Assert.Empty(expired.Quarantined);
        Assert.Equal(10, queue.PendingCount);
        var again = queue.TryTake("w3", 10, 2, Now + Lease)!;
        Assert.Equal(silent.Files.Select(f => f.FileKey), again.Files.Select(f => f.FileKey));
        Assert.All(again.Files, f => Assert.Equal(2, f.Attempt)); // the expiry counted an attempt
        Assert.NotNull(queue.Settle(working.BatchId, working.Files.Select(Done).ToList(), []));
    }

    [Fact]
    public void The_late_report_of_an_expired_batch_settles_each_file_once_whoever_reports_first()
    {
        var queue = FixedBatches(TestFiles.Many(6));
        var late = queue.TryTake("w1", 6, 1, Now)!;
        queue.ExpireLeases(Now + Lease);
        var retaken = queue.TryTake("w2", 2, 1, Now + Lease)!; // two files held again, four still queued

        // The late report wins for all six: the queued four leave the queue, the held two leave w2's batch.
        var settled = queue.Settle(late.BatchId, late.Files.Select(Done).ToList(), [])!;
        Assert.Equal(6, settled.Completed.Count);
        Assert.Equal(0, queue.PendingCount);
        Assert.Null(queue.TryTake("w2", 10, 1, Now + Lease));
        // w2's report of the same two files comes second and settles nothing; the queue is drained.
        Assert.Empty(queue.Settle(retaken.BatchId, retaken.Files.Select(Done).ToList(), [])!.Completed);
        Assert.True(queue.IsDrained);
        Assert.Null(queue.Settle(late.BatchId, late.Files.Select(Done).ToList(), [])); // and a repeat of the late one is unknown
    }

    [Fact]
    public void A_late_report_loses_to_a_report_that_settled_the_file_first()
    {
        var queue = FixedBatches(TestFiles.Many(4));
        var late = queue.TryTake("w1", 4, 1, Now)!;
        queue.ExpireLeases(Now + Lease);
        var retaken = queue.TryTake("w2", 4, 1, Now + Lease)!;
        Assert.Equal(4, queue.Settle(retaken.BatchId, retaken.Files.Select(Done).ToList(), [])!.Completed.Count);
        Assert.Empty(queue.Settle(late.BatchId, late.Files.Select(Done).ToList(), [])!.Completed);
        Assert.True(queue.IsDrained);
    }
}
