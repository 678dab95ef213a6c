using System.Collections.Immutable;
using System.Diagnostics;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.Tests;

public sealed class RunLedgerTests
{
    static FileStamp Stamp(InputFile f) => TestFiles.Stamp(f);

    static FilesCompleted Completed(int batchRef, params InputFile[] files) =>
        new(batchRef, [new PartSegment("w1.part", "SUBMISSION", 0, 10, Checksum: 0xabc0 + (ulong)batchRef)], files.Select(Stamp).ToImmutableArray(), DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_completed_file_is_finished_only_in_the_same_version()
    {
        var ledger = new RunLedger();
        var file = TestFiles.File(1);
        ledger.Apply(Completed(1, file));
        Assert.True(ledger.IsFinished(file.Key, TestFiles.Version));
        Assert.Equal(TestFiles.Version, ledger.VersionOf(file.Key));
        Assert.False(ledger.IsFinished(file.Key, TestFiles.Version with { Size = 101 }));
        Assert.False(ledger.IsFinished(file.Key, TestFiles.Version with { ModifiedUtcTicks = 6 }));
        var other = TestFiles.File(2);
        Assert.False(ledger.IsFinished(other.Key, TestFiles.Version));
        Assert.Null(ledger.VersionOf(other.Key));
        Assert.Equal(2, ledger.NextBatchRef);
    }

    [Fact]
    public void The_latest_batch_of_a_file_wins()
    {
        var ledger = new RunLedger();
        var file = TestFiles.File(1);
        ledger.Apply(Completed(1, file));
        ledger.Apply(new FilesCompleted(2, [], [TestFiles.Stamp(file, new FileVersion(200, 1))], DateTimeOffset.UnixEpoch));
        Assert.Equal(2, ledger.BatchOf(file.Key));
        Assert.Equal(1, ledger.FileCount);
    }

    [Fact]
    public void Quarantined_files_count_as_finished_until_they_change()
    {
        var ledger = new RunLedger();
        var file = TestFiles.File(3);
        ledger.Apply(new FilesQuarantined([new QuarantinedFile(Stamp(file), "3.txt", ErrorKind.RetriesExhausted, "gave up", 3)], DateTimeOffset.UnixEpoch));
        Assert.True(ledger.IsFinished(file.Key, TestFiles.Version));
        Assert.Null(ledger.BatchOf(file.Key));
        Assert.Equal(1, ledger.QuarantinedCount);
        ledger.Apply(Completed(1, file));
        Assert.Equal(0, ledger.QuarantinedCount);
    }

    [Fact]
    public void Snapshot_bytes_rebuild_the_same_ledger()
    {
        var ledger = new RunLedger();
        var files = TestFiles.Many(50);
        ledger.Apply(Completed(1, files.Take(25).ToArray()));
        ledger.Apply(Completed(2, files.Skip(25).Take(20).ToArray()));
        ledger.Apply(new FilesQuarantined([new QuarantinedFile(Stamp(files[49]), "50.txt", "retries_exhausted", "why", 3)], DateTimeOffset.UnixEpoch));
        var copy = RunLedger.FromBytes(ledger.ToBytes());
        Assert.Equal(ledger.FileCount, copy.FileCount);
        Assert.Equal(ledger.NextBatchRef, copy.NextBatchRef);
        Assert.Equal(ledger.QuarantinedCount, copy.QuarantinedCount);
        foreach (var f in files) Assert.Equal(ledger.BatchOf(f.Key), copy.BatchOf(f.Key));
        Assert.Equal(ledger.Batches.SelectMany(b => b.Value.Select(s => (b.Key, s))), copy.Batches.SelectMany(b => b.Value.Select(s => (b.Key, s))));
        Assert.Equal("why", copy.Quarantined.Single().File.Reason);
    }

    [Fact]
    public void Lost_batches_take_their_files_with_them_and_leave_files_another_batch_holds_now()
    {
        var ledger = new RunLedger();
        var files = TestFiles.Many(6);
        ledger.Apply(Completed(1, files.Take(4).ToArray()));
        ledger.Apply(Completed(2, files.Skip(3).ToArray())); // file 3 moved on to batch 2
        Assert.Equal(files.Take(3).Select(f => f.Key).Order(), ledger.FilesOf([1]).Order());
        ledger.Apply(new BatchesLost([1], "part file w1.part is missing", DateTimeOffset.UnixEpoch));
        Assert.All(files.Take(3), f => Assert.False(ledger.Knows(f.Key)));
        Assert.All(files.Skip(3), f => Assert.Equal(2, ledger.BatchOf(f.Key)));
        Assert.Equal([2], ledger.Batches.Select(b => b.Key));
        Assert.Equal(3, RunLedger.FromBytes(ledger.ToBytes()).FileCount);
    }

    [Fact]
    public void A_million_file_ledger_snapshots_compactly()
    {
        var ledger = new RunLedger();
        const int files = 1_000_000;
        for (var batch = 0; batch < files / 1000; batch++)
        {
            var stamps = Enumerable.Range(batch * 1000, 1000).Select(i => new FileStamp(FileKey.Of($"/m/{i}"), i, i)).ToImmutableArray();
            ledger.Apply(new FilesCompleted(batch + 1, [new PartSegment("p", "SUBMISSION", batch, 1)], stamps, DateTimeOffset.UnixEpoch));
        }
        var bytes = ledger.ToBytes();
        // 36 bytes a file plus a few per batch: the snapshot stays near 37 MB, not hundreds.
        Assert.InRange(bytes.Length, files * 36, files * 36 + 100_000);
        var copy = RunLedger.FromBytes(bytes);
        Assert.Equal(files, copy.FileCount);
    }
}
