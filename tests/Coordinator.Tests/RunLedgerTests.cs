using System.Collections.Immutable;
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

    static RunLedger Ledger(IReadOnlyList<InputFile> listed) => new(new InputListing("test", listed, 0, 0, 0));

    [Fact]
    public void A_completed_file_is_finished_only_in_the_same_version()
    {
        var files = TestFiles.Many(2);
        var ledger = Ledger(files);
        ledger.Apply(Completed(1, files[0]));
        Assert.True(ledger.IsFinished(0, TestFiles.Version));
        Assert.Equal(TestFiles.Version, ledger.VersionOf(0));
        Assert.False(ledger.IsFinished(0, TestFiles.Version with { Size = 101 }));
        Assert.False(ledger.IsFinished(0, TestFiles.Version with { ModifiedUtcTicks = 6 }));
        Assert.False(ledger.IsFinished(1, TestFiles.Version));
        Assert.Null(ledger.VersionOf(1));
        Assert.Equal(2, ledger.NextBatchRef);
    }

    [Fact]
    public void The_latest_batch_of_a_file_wins_and_a_completion_of_this_run_needs_no_lookup()
    {
        var files = TestFiles.Many(2);
        var ledger = Ledger(files);
        ledger.Apply(Completed(1, files[1]));
        ledger.Apply(new FilesCompleted(2, [], [TestFiles.Stamp(files[1], new FileVersion(200, 1))], DateTimeOffset.UnixEpoch), indices: [1]);
        Assert.Equal((2, new FileVersion(200, 1)), (ledger.BatchOf(1), ledger.VersionOf(1)));
        Assert.Equal(1, ledger.FileCount);
        Assert.Equal(2, ledger.JournaledSinceCheckpoint);
    }

    [Fact]
    public void Quarantined_files_count_as_finished_until_they_change()
    {
        var files = TestFiles.Many(3);
        var ledger = Ledger(files);
        ledger.Apply(new FilesQuarantined([new QuarantinedFile(Stamp(files[2]), "3.txt", ErrorKind.RetriesExhausted, "gave up", 3)], DateTimeOffset.UnixEpoch));
        Assert.True(ledger.IsFinished(2, TestFiles.Version));
        Assert.Null(ledger.BatchOf(2));
        Assert.Equal((2, "gave up"), (ledger.Quarantined.Single().Index, ledger.Quarantined.Single().File.Reason));
        ledger.Apply(Completed(1, files[2]));
        Assert.Equal(0, ledger.QuarantinedCount);
    }

    [Fact]
    public void Files_the_input_no_longer_lists_are_kept_apart_and_count_in_the_ledger()
    {
        var files = TestFiles.Many(4);
        var ledger = Ledger(files.Take(2).ToList());
        ledger.Apply(Completed(1, [.. files]));
        Assert.Equal(4, ledger.FileCount);
        Assert.Equal([1, 1], Enumerable.Range(0, 2).Select(i => ledger.BatchOf(i)));
        // A later listing that lists them again finds them finished.
        var relisted = Ledger(files);
        foreach (var part in Parts(ledger, 3)) relisted.Apply(part);
        Assert.All(Enumerable.Range(0, 4), i => Assert.True(relisted.IsFinished(i, TestFiles.Version)));
    }

    static List<LedgerCheckpointed> Parts(RunLedger ledger, int perPart)
    {
        var checkpoint = ledger.CheckpointParts(perPart, DateTimeOffset.UnixEpoch);
        var parts = new List<LedgerCheckpointed>();
        while (!checkpoint.Done) parts.Add(checkpoint.Next());
        return parts;
    }

    [Fact]
    public void Checkpoint_parts_rebuild_the_same_ledger_with_no_part_larger_than_asked()
    {
        var files = TestFiles.Many(50);
        var ledger = Ledger(files);
        ledger.Apply(Completed(1, [.. files.Take(25)]));
        ledger.Apply(Completed(2, [.. files.Skip(25).Take(20)]));
        ledger.Apply(Completed(3, [.. files.Take(5)])); // batch 1 keeps 20 files, batch 3 five
        ledger.Apply(new FilesQuarantined([new QuarantinedFile(Stamp(files[49]), "50.txt", "retries_exhausted", "why", 3)], DateTimeOffset.UnixEpoch));
        var parts = Parts(ledger, 8);
        Assert.All(parts, p => Assert.InRange(p.Files.Length + p.Batches.Length, 1, 8));
        Assert.Equal(7, parts.Count); // 46 files (45 done, one quarantined) in 6 parts, then the 3 batches that hold rows in one
        var copy = Ledger(files);
        foreach (var part in parts) copy.Apply(part);
        Assert.Equal((ledger.FileCount, ledger.NextBatchRef, ledger.QuarantinedCount), (copy.FileCount, copy.NextBatchRef, copy.QuarantinedCount));
        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal((ledger.BatchOf(i), ledger.VersionOf(i)), (copy.BatchOf(i), copy.VersionOf(i))));
        Assert.Equal(ledger.Batches.SelectMany(b => b.Value.Select(s => (b.Key, s))), copy.Batches.SelectMany(b => b.Value.Select(s => (b.Key, s))));
        Assert.Equal("why", copy.Quarantined.Single().File.Reason);
        Assert.Equal(0, copy.JournaledSinceCheckpoint);
    }

    [Fact]
    public void A_snapshot_of_an_earlier_release_is_still_read()
    {
        var files = TestFiles.Many(3);
        // Version 2 of the ledger bytes, as the releases before checkpoints wrote them.
        using var bytes = new MemoryStream();
        using (var w = new BinaryWriter(bytes))
        {
            w.Write(2);
            w.Write(5); // next batch reference
            w.Write(3);
            foreach (var (file, batch) in new[] { (files[0], 4), (files[1], 4), (files[2], -1) })
            {
                w.Write((ulong)(file.Key.Value >> 64));
                w.Write((ulong)file.Key.Value);
                w.Write(TestFiles.Version.Size);
                w.Write(TestFiles.Version.ModifiedUtcTicks);
                w.Write(batch);
            }
            w.Write(1);
            w.Write(4);
            w.Write(1);
            w.Write("w1.part");
            w.Write("SUBMISSION");
            w.Write(0L);
            w.Write(64L);
            w.Write(77UL);
            w.Write(1);
            w.Write(files[2].Key.ToString());
            w.Write(TestFiles.Version.Size);
            w.Write(TestFiles.Version.ModifiedUtcTicks);
            w.Write("3.txt");
            w.Write("retries_exhausted");
            w.Write("gave up");
            w.Write(3);
        }
        var ledger = Ledger(files);
        ledger.Restore(new CoordinatorSnapshot(CoordinatorSnapshot.CurrentVersion, bytes.ToArray()));
        Assert.Equal((3, 5, 1), (ledger.FileCount, ledger.NextBatchRef, ledger.QuarantinedCount));
        Assert.Equal([4, 4, null], Enumerable.Range(0, 3).Select(ledger.BatchOf));
        Assert.Equal(new PartSegment("w1.part", "SUBMISSION", 0, 64, 77), ledger.Batches.Single().Value.Single());
    }

    [Fact]
    public void Lost_batches_take_their_files_with_them_and_leave_files_another_batch_holds_now()
    {
        var files = TestFiles.Many(6);
        var ledger = Ledger(files);
        ledger.Apply(Completed(1, [.. files.Take(4)]));
        ledger.Apply(Completed(2, [.. files.Skip(3)])); // file 3 moved on to batch 2
        Assert.Equal([0, 1, 2], ledger.FilesOf([1]));
        ledger.Apply(new BatchesLost([1], "part file w1.part is missing", DateTimeOffset.UnixEpoch));
        Assert.All(Enumerable.Range(0, 3), i => Assert.False(ledger.Knows(i)));
        Assert.All(Enumerable.Range(3, 3), i => Assert.Equal(2, ledger.BatchOf(i)));
        Assert.Equal([2], ledger.Batches.Select(b => b.Key));
        Assert.Equal(3, ledger.FileCount);
    }

    [Fact]
    public void A_ledger_costs_twenty_bytes_a_listed_file_and_no_object_per_file()
    {
        const int files = 1_000_000;
        var listing = new InputListing("million", Enumerable.Range(0, files).Select(i => new InputFile(FileKey.Of($"/m/{i}"), "/m", $"{i}")), 0, 0, 0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ledger = new RunLedger(listing);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, files * 20L, files * 20L + 10_000);
        var stamps = Enumerable.Range(0, files).Select(i => new FileStamp(listing.KeyAt(i), i, i)).ToImmutableArray();
        ledger.Apply(new FilesCompleted(1, [], stamps, DateTimeOffset.UnixEpoch), [.. Enumerable.Range(0, files)]);
        Assert.Equal(files, ledger.FileCount);
    }
}
