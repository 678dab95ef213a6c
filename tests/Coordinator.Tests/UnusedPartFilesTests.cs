using System.Collections.Immutable;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Coordinator.State;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.Tests;

public sealed class UnusedPartFilesTests : IDisposable
{
    readonly string _parts = Directory.CreateTempSubdirectory("form3-parts-").FullName;

    [Fact]
    public void Part_files_no_journaled_batch_names_are_removed_and_the_others_kept()
    {
        var files = TestFiles.Many(2);
        var ledger = new RunLedger(new InputListing("test", files, 0, 0, 0));
        ledger.Apply(new FilesCompleted(1, [new PartSegment("node-a-w1.part", "SUBMISSION", 0, 10), new PartSegment("node-a-w1-2.part", "FOOTNOTES", 0, 5)],
            [TestFiles.Stamp(files[0])], DateTimeOffset.UnixEpoch));
        ledger.Apply(new FilesCompleted(2, [new PartSegment("node-b-w1.part", "SUBMISSION", 0, 10)], [TestFiles.Stamp(files[1])], DateTimeOffset.UnixEpoch));
        foreach (var name in new[] { "node-a-w1.part", "node-a-w1-2.part", "node-b-w1.part", "node-a-w2.part", "node-c-w1-3.part", "notes.txt" })
            File.WriteAllText(Path.Combine(_parts, name), new string('x', 100));

        Assert.Equal((2, 200L), UnusedPartFiles.Remove(_parts, ledger));
        Assert.Equal<string>(["node-a-w1-2.part", "node-a-w1.part", "node-b-w1.part", "notes.txt"],
            Directory.EnumerateFiles(_parts).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal((0, 0L), UnusedPartFiles.Remove(_parts, ledger));
    }

    [Fact]
    public void A_run_folder_without_parts_has_nothing_to_remove()
    {
        Directory.Delete(_parts);
        Assert.Equal((0, 0L), UnusedPartFiles.Remove(_parts, new RunLedger(new InputListing("test", TestFiles.Many(1), 0, 0, 0))));
    }

    public void Dispose()
    {
        if (Directory.Exists(_parts)) Directory.Delete(_parts, recursive: true);
    }
}
