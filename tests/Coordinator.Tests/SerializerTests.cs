using System.Collections.Immutable;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using Form3Actors.Core.Hosting;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.Serialization;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.Tests;

/// <summary>Every protocol message and journaled event goes through the serializer that hocon/shared.conf binds.</summary>
public sealed class SerializerTests : Akka.TestKit.Xunit2.TestKit
{
    public SerializerTests() : base(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(HoconFiles.Load("node.conf", "shared.conf")))
    {
    }

    static readonly PartSegment Segment = new("host-1-w1-abc.part", "SUBMISSION", 1024, 512, Checksum: 0xfedcba9876543210);

    /// <summary>A file key as the coordinator writes it: 32 hex digits.</summary>
    const string KeyText = "0123456789abcdef0000000000c0ffee";
    static readonly FileKey Key = FileKey.Parse(KeyText);
    static readonly FileKey OtherKey = FileKey.Parse("000000000000000000000000000000ff");

    public static TheoryData<IForm3Message> Messages => new()
    {
        new RequestWork("host-1-w1", 256),
        new RequestWork("host-1-w1", 256, RequestId: 7),
        new RenewLeases("host-1-w1", [3, 4]),
        new ReportBatchCompleted(7, "host-1-w1", [Segment], new CompletedFiles([0, 2], [10, -1], [20, 0]), [new FileFailure(1, FailureKind.IoError, "disk")]),
        new AssignBatch(7, 3, "3,4,5", "/m", new BatchFiles([OtherKey, Key], "a.txtédgar/b.txt"u8.ToArray(), [5, 17], [1, 2])),
        new NoWorkYet(3),
        new BatchAccepted(7),
        RunFinished.Instance,
        new FilesCompleted(3, [Segment], [new FileStamp(Key, 10, 20), new FileStamp(OtherKey, -1, 0)], new DateTimeOffset(2026, 11, 24, 1, 2, 3, TimeSpan.Zero)),
        new BatchesLost([3, 9], "part file w1.part is missing", DateTimeOffset.UnixEpoch),
        new FilesQuarantined([new QuarantinedFile(new FileStamp(OtherKey, 10, 20), "a.txt", "retries_exhausted", "why", 3)], DateTimeOffset.UnixEpoch),
        new CoordinatorSnapshot(1, [1, 2, 3, 250]),
        new LedgerCheckpointed(2, 5, 9, [new FileEntry(Key, 10, 20, 4), new FileEntry(OtherKey, -2, 0, FileEntry.QuarantinedBatch)],
            [new BatchSegments(4, [Segment])], [new QuarantinedFile(new FileStamp(OtherKey, -2, 0), "b.txt", "retries_exhausted", "why", 3)],
            new DateTimeOffset(2026, 12, 8, 1, 2, 3, TimeSpan.Zero)),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Messages_round_trip_through_the_configured_serializer(IForm3Message message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<Form3Serializer>(serializer);
        var manifest = Serialization.ManifestFor(serializer, message);
        var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        Assert.Equal(Normalize(message), Normalize(back));
    }

    [Fact]
    public void Every_known_type_is_covered_by_the_round_trip_test() =>
        Assert.Equal(Form3Serializer.KnownTypes.OrderBy(t => t.Name), ((IEnumerable<object[]>)Messages).Select(m => m[0].GetType()).Distinct().OrderBy(t => t.Name));

    [Fact]
    public void An_added_field_in_a_newer_payload_is_ignored_and_a_missing_one_defaults()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(RequestWork));
        var newer = Encoding.UTF8.GetBytes("""{"workerId":"w9","maxFiles":64,"priority":"high"}""");
        Assert.Equal(new RequestWork("w9", 64), serializer.FromBinary(newer, "work.request.v1"));
        var older = Encoding.UTF8.GetBytes("""{"workerId":"w9"}""");
        Assert.Equal(new RequestWork("w9", 0), serializer.FromBinary(older, "work.request.v1"));
    }

    [Fact]
    public void A_completion_is_journaled_in_32_bytes_a_file_and_one_of_an_earlier_version_still_reads()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(FilesCompleted));
        FilesCompleted Of(int files) => new(1, [Segment], [.. Enumerable.Range(0, files).Select(i => new FileStamp(new FileKey((UInt128)i), 8_000 + i, 638_000_000_000_000_000L + i))], DateTimeOffset.UnixEpoch);
        Assert.Equal(32 * 1000, serializer.ToBinary(Of(1001)).Length - serializer.ToBinary(Of(1)).Length);

        // Version 2: binary, segments without checksums.
        using var v2 = new MemoryStream();
        using (var w = new BinaryWriter(v2))
        {
            w.Write(5);
            w.Write(DateTimeOffset.UnixEpoch.UtcTicks);
            w.Write(1);
            w.Write("w1.part");
            w.Write("SUBMISSION");
            w.Write(64L);
            w.Write(128L);
            w.Write(0);
        }
        var fromV2 = Assert.IsType<FilesCompleted>(serializer.FromBinary(v2.ToArray(), "event.completed.v2"));
        Assert.Equal(new PartSegment("w1.part", "SUBMISSION", 64, 128), Assert.Single(fromV2.Segments));

        var v1 = Encoding.UTF8.GetBytes($$"""{"batchRef":4,"segments":[],"files":[{"fileKey":"{{KeyText}}","size":10,"modifiedUtcTicks":20}],"occurredAt":"2026-11-24T01:02:03+00:00"}""");
        var read = Assert.IsType<FilesCompleted>(serializer.FromBinary(v1, "event.completed.v1"));
        Assert.Equal((4, new FileStamp(Key, 10, 20)), (read.BatchRef, Assert.Single(read.Files)));
    }

    [Fact]
    public void An_unknown_manifest_is_a_clear_error()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(RequestWork));
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "work.teleport.v9"));
        Assert.Contains("work.teleport.v9", error.Message);
    }

    [Fact]
    public void A_batch_of_files_is_sent_in_about_its_paths_and_keys_and_a_report_in_twenty_bytes_a_file()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(AssignBatch));
        AssignBatch Of(int files)
        {
            var paths = string.Concat(Enumerable.Range(0, files).Select(i => $"edgar/data/1234567/0001209191-20-{i:D6}.txt"));
            return new AssignBatch(1, 1, "3", "/m", new BatchFiles([.. Enumerable.Range(0, files).Select(i => new FileKey((UInt128)i))],
                System.Text.Encoding.UTF8.GetBytes(paths), [.. Enumerable.Range(1, files).Select(i => i * 43)], new byte[files]));
        }
        Assert.Equal((43 + 16 + 4 + 1) * 1000, serializer.ToBinary(Of(1001)).Length - serializer.ToBinary(Of(1)).Length);
        ReportBatchCompleted Done(int files) => new(1, "w", [], new CompletedFiles([.. Enumerable.Range(0, files)], new long[files], new long[files]), []);
        Assert.Equal(20 * 1000, serializer.ToBinary(Done(1001)).Length - serializer.ToBinary(Done(1)).Length);
    }

    /// <summary>Records with arrays compare by reference; compare their text instead.</summary>
    static string Normalize(object message) => message switch
    {
        CoordinatorSnapshot s => $"snapshot {s.Version} {Convert.ToHexString(s.Ledger)}",
        AssignBatch a => $"assign {a.BatchId} {a.RequestId} {a.Forms} {a.Root} " +
            string.Join("|", Enumerable.Range(0, a.Files.Count).Select(p => $"{a.Files.Key(p)} {a.Files.SourcePath(p)} {a.Files.Attempt(p)}")),
        ReportBatchCompleted r => $"report {r.BatchId} {r.WorkerId} {string.Join(",", r.Segments)} " +
            string.Join("|", Enumerable.Range(0, r.Completed.Count).Select(i => $"{r.Completed.Position(i)} {r.Completed.Size(i)} {r.Completed.ModifiedUtcTicks(i)}")) +
            string.Join("|", r.Failed),
        LedgerCheckpointed c => $"checkpoint {c.Part}/{c.Parts} {c.NextBatchRef} {c.OccurredAt:O} {string.Join(",", c.Files)} " +
            $"{string.Join(",", c.Batches.Select(b => $"{b.BatchRef}:{string.Join(";", b.Segments)}"))} {string.Join(",", c.Quarantined)}",
        _ => System.Text.Json.JsonSerializer.Serialize(message, message.GetType()),
    };
}
