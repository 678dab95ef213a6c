using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Messages.Serialization;

/// <summary>
/// The one serializer of our protocol and journal: System.Text.Json (source-generated, <see cref="Form3JsonContext"/>)
/// with a short, explicit manifest per type.
/// </summary>
/// <remarks>
/// Chosen on purpose over Akka's default (Newtonsoft JSON with CLR type names in every payload): manifests here are
/// stable strings, so moving or renaming a class does not break old journals, and JSON by property name tolerates an
/// added field in either direction (an unknown property is skipped, a missing one takes its default). A manifest,
/// once used, is never reused for another shape: add a new one instead. The snapshot is binary because it holds
/// millions of entries, and so are the messages and events that carry a batch's files (<see cref="CompletedEventFormat"/>,
/// whose version 1, JSON, is still read, and <see cref="WorkFormats"/>).
/// </remarks>
public sealed class Form3Serializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 3003;

    static readonly Dictionary<Type, string> Manifests = new()
    {
        [typeof(RequestWork)] = "work.request.v1",
        [typeof(RenewLeases)] = "work.renew.v1",
        [typeof(ReportBatchCompleted)] = "work.completed.v3",
        [typeof(AssignBatch)] = "work.assign.v2",
        [typeof(NoWorkYet)] = "work.nowork.v2",
        [typeof(BatchAccepted)] = "work.accepted.v1",
        [typeof(RunFinished)] = "work.finished.v1",
        [typeof(FilesCompleted)] = "event.completed.v3",
        [typeof(FilesQuarantined)] = "event.quarantined.v1",
        [typeof(BatchesLost)] = "event.batches-lost.v1",
        [typeof(LedgerCheckpointed)] = "event.checkpoint.v1",
        [typeof(CoordinatorSnapshot)] = "snapshot.v1",
    };

    /// <summary>Manifests still read but no longer written: journals of earlier versions hold them.</summary>
    static readonly Dictionary<string, Type> Retired = new()
    {
        ["event.completed.v1"] = typeof(FilesCompleted),
        [CompletedWithoutChecksums] = typeof(FilesCompleted),
    };

    /// <summary>Binary <see cref="FilesCompleted"/> before segments carried checksums.</summary>
    const string CompletedWithoutChecksums = "event.completed.v2";

    static readonly Dictionary<string, Type> Types = Manifests.ToDictionary(kv => kv.Value, kv => kv.Key).Concat(Retired).ToDictionary();

    public override int Identifier => SerializerId;

    /// <summary>Every type this serializer knows, for tests that round-trip them all.</summary>
    public static IReadOnlyCollection<Type> KnownTypes => Manifests.Keys;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType()} has no manifest in {nameof(Form3Serializer)}; add one");

    public override byte[] ToBinary(object obj)
    {
        if (obj is CoordinatorSnapshot snapshot)
        {
            var bytes = new byte[4 + snapshot.Ledger.Length];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, snapshot.Version);
            snapshot.Ledger.CopyTo(bytes, 4);
            return bytes;
        }
        return obj switch
        {
            FilesCompleted completed => CompletedEventFormat.Write(completed),
            AssignBatch batch => WorkFormats.Write(batch),
            ReportBatchCompleted report => WorkFormats.Write(report),
            LedgerCheckpointed part => WorkFormats.Write(part),
            _ => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Form3JsonContext.Default),
        };
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Types.TryGetValue(manifest, out var type))
            throw new SerializationException($"unknown manifest '{manifest}': written by a newer Form3Actors?");
        if (type == typeof(CoordinatorSnapshot))
            return new CoordinatorSnapshot(BinaryPrimitives.ReadInt32LittleEndian(bytes), bytes[4..]);
        if (manifest == Manifests[typeof(FilesCompleted)]) return CompletedEventFormat.Read(bytes);
        if (manifest == CompletedWithoutChecksums) return CompletedEventFormat.Read(bytes, withChecksums: false);
        if (type == typeof(AssignBatch)) return WorkFormats.ReadAssignBatch(bytes);
        if (type == typeof(ReportBatchCompleted)) return WorkFormats.ReadReport(bytes);
        if (type == typeof(LedgerCheckpointed)) return WorkFormats.ReadCheckpoint(bytes);
        return JsonSerializer.Deserialize(bytes, type, Form3JsonContext.Default)
            ?? throw new SerializationException($"empty payload for manifest '{manifest}'");
    }
}
