using System.Collections.Immutable;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Messages.Serialization;

/// <summary>
/// The binary forms of the messages and events that carry thousands of files: an assignment, a report, a completion
/// and a checkpoint part. Column by column, as the types hold them: an assignment costs its keys (16 bytes a file),
/// its paths' bytes and an attempt byte; a report 20 bytes a completed file; JSON took several times that and a
/// string per file.
/// </summary>
static class WorkFormats
{
    public static byte[] Write(AssignBatch batch) => Build(w =>
    {
        w.Write(batch.BatchId);
        w.Write(batch.RequestId);
        w.Write(batch.Forms);
        w.Write(batch.Root);
        var files = batch.Files;
        w.Write(files.Count);
        WriteKeys(w, files.Keys);
        w.Write(files.Paths.Length);
        w.Write(files.Paths);
        foreach (var end in files.PathEnds) w.Write(end);
        w.Write(files.Attempts);
    });

    public static AssignBatch ReadAssignBatch(byte[] bytes)
    {
        using var r = Reader(bytes);
        var (batchId, requestId, forms, root, count) = (r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadString(), r.ReadInt32());
        var keys = ReadKeys(r, count);
        var paths = r.ReadBytes(r.ReadInt32());
        var ends = new int[count];
        for (var i = 0; i < count; i++) ends[i] = r.ReadInt32();
        return new AssignBatch(batchId, requestId, forms, root, new BatchFiles(keys, paths, ends, r.ReadBytes(count)));
    }

    public static byte[] Write(ReportBatchCompleted report) => Build(w =>
    {
        w.Write(report.BatchId);
        w.Write(report.WorkerId);
        WriteSegments(w, report.Segments);
        var done = report.Completed;
        w.Write(done.Count);
        for (var i = 0; i < done.Count; i++)
        {
            w.Write(done.Positions[i]);
            w.Write(done.Sizes[i]);
            w.Write(done.Ticks[i]);
        }
        w.Write(report.Failed.Length);
        foreach (var f in report.Failed)
        {
            w.Write(f.Position);
            w.Write((int)f.Kind);
            w.Write(f.Reason);
        }
    });

    public static ReportBatchCompleted ReadReport(byte[] bytes)
    {
        using var r = Reader(bytes);
        var (batchId, workerId, segments) = (r.ReadInt64(), r.ReadString(), ReadSegments(r, withChecksums: true));
        var count = r.ReadInt32();
        var (positions, sizes, ticks) = (new int[count], new long[count], new long[count]);
        for (var i = 0; i < count; i++) (positions[i], sizes[i], ticks[i]) = (r.ReadInt32(), r.ReadInt64(), r.ReadInt64());
        var failed = ImmutableArray.CreateBuilder<FileFailure>(r.ReadInt32());
        for (var i = 0; i < failed.Capacity; i++) failed.Add(new FileFailure(r.ReadInt32(), (FailureKind)r.ReadInt32(), r.ReadString()));
        return new ReportBatchCompleted(batchId, workerId, segments, new CompletedFiles(positions, sizes, ticks), failed.MoveToImmutable());
    }

    public static byte[] Write(LedgerCheckpointed part) => Build(w =>
    {
        w.Write(part.Part);
        w.Write(part.Parts);
        w.Write(part.NextBatchRef);
        w.Write(part.OccurredAt.UtcTicks);
        w.Write(part.Files.Length);
        Span<byte> key = stackalloc byte[16];
        foreach (var f in part.Files)
        {
            f.FileKey.WriteTo(key);
            w.Write(key);
            w.Write(f.Size);
            w.Write(f.ModifiedUtcTicks);
            w.Write(f.BatchRef);
        }
        w.Write(part.Batches.Length);
        foreach (var b in part.Batches)
        {
            w.Write(b.BatchRef);
            WriteSegments(w, b.Segments);
        }
        w.Write(part.Quarantined.Length);
        foreach (var q in part.Quarantined)
        {
            q.File.FileKey.WriteTo(key);
            w.Write(key);
            w.Write(q.File.Size);
            w.Write(q.File.ModifiedUtcTicks);
            w.Write(q.SourcePath);
            w.Write(q.Kind);
            w.Write(q.Reason);
            w.Write(q.Attempts);
        }
    });

    public static LedgerCheckpointed ReadCheckpoint(byte[] bytes)
    {
        using var r = Reader(bytes);
        var (part, parts, next, at) = (r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero));
        var files = ImmutableArray.CreateBuilder<FileEntry>(r.ReadInt32());
        for (var i = 0; i < files.Capacity; i++) files.Add(new FileEntry(FileKey.ReadFrom(r.ReadBytes(16)), r.ReadInt64(), r.ReadInt64(), r.ReadInt32()));
        var batches = ImmutableArray.CreateBuilder<BatchSegments>(r.ReadInt32());
        for (var i = 0; i < batches.Capacity; i++) batches.Add(new BatchSegments(r.ReadInt32(), ReadSegments(r, withChecksums: true)));
        var quarantined = ImmutableArray.CreateBuilder<QuarantinedFile>(r.ReadInt32());
        for (var i = 0; i < quarantined.Capacity; i++)
            quarantined.Add(new QuarantinedFile(new FileStamp(FileKey.ReadFrom(r.ReadBytes(16)), r.ReadInt64(), r.ReadInt64()), r.ReadString(), r.ReadString(),
                r.ReadString(), r.ReadInt32()));
        return new LedgerCheckpointed(part, parts, next, files.MoveToImmutable(), batches.MoveToImmutable(), quarantined.MoveToImmutable(), at);
    }

    internal static void WriteSegments(BinaryWriter w, ImmutableArray<PartSegment> segments)
    {
        w.Write(segments.Length);
        foreach (var s in segments)
        {
            w.Write(s.PartFile);
            w.Write(s.Table);
            w.Write(s.Offset);
            w.Write(s.Length);
            w.Write(s.Checksum);
        }
    }

    internal static ImmutableArray<PartSegment> ReadSegments(BinaryReader r, bool withChecksums)
    {
        var segments = ImmutableArray.CreateBuilder<PartSegment>(r.ReadInt32());
        for (var i = 0; i < segments.Capacity; i++)
            segments.Add(new PartSegment(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64(), withChecksums ? r.ReadUInt64() : 0));
        return segments.MoveToImmutable();
    }

    static void WriteKeys(BinaryWriter w, FileKey[] keys)
    {
        Span<byte> key = stackalloc byte[16];
        foreach (var k in keys)
        {
            k.WriteTo(key);
            w.Write(key);
        }
    }

    static FileKey[] ReadKeys(BinaryReader r, int count)
    {
        var keys = new FileKey[count];
        Span<byte> key = stackalloc byte[16];
        for (var i = 0; i < count; i++)
        {
            r.BaseStream.ReadExactly(key);
            keys[i] = FileKey.ReadFrom(key);
        }
        return keys;
    }

    internal static byte[] Build(Action<BinaryWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer)) write(w);
        return buffer.ToArray();
    }

    internal static BinaryReader Reader(byte[] bytes) => new(new MemoryStream(bytes, writable: false));
}
