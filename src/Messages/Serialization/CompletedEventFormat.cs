using System.Collections.Immutable;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Messages.Serialization;

/// <summary>
/// <see cref="FilesCompleted"/> in binary: the event the coordinator journals most, once per batch, with every file
/// of the batch. As JSON a file took about 95 bytes, and the SQL journal writes the payload into its statement as
/// hex text that SQLite parses again; here a file takes 32 bytes (its 128-bit key, size and modification time).
/// Version 3 adds each segment's checksum; version 2, without, is still read.
/// </summary>
static class CompletedEventFormat
{
    public static byte[] Write(FilesCompleted completed)
    {
        using var buffer = new MemoryStream(64 + completed.Segments.Length * 64 + completed.Files.Length * 32);
        using (var w = new BinaryWriter(buffer))
        {
            w.Write(completed.BatchRef);
            w.Write(completed.OccurredAt.UtcTicks);
            w.Write(completed.Segments.Length);
            foreach (var s in completed.Segments)
            {
                w.Write(s.PartFile);
                w.Write(s.Table);
                w.Write(s.Offset);
                w.Write(s.Length);
                w.Write(s.Checksum);
            }
            w.Write(completed.Files.Length);
            Span<byte> key = stackalloc byte[16];
            foreach (var f in completed.Files)
            {
                f.FileKey.WriteTo(key);
                w.Write(key);
                w.Write(f.Size);
                w.Write(f.ModifiedUtcTicks);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Reads version 3, or version 2 when <paramref name="withChecksums"/> is false.</summary>
    public static FilesCompleted Read(byte[] bytes, bool withChecksums = true)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        var batchRef = r.ReadInt32();
        var occurredAt = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero);
        var segments = ImmutableArray.CreateBuilder<PartSegment>(r.ReadInt32());
        for (var i = 0; i < segments.Capacity; i++)
            segments.Add(new PartSegment(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64(), withChecksums ? r.ReadUInt64() : 0));
        var files = ImmutableArray.CreateBuilder<FileStamp>(r.ReadInt32());
        for (var i = 0; i < files.Capacity; i++)
        {
            files.Add(new FileStamp(FileKey.ReadFrom(r.ReadBytes(16)), r.ReadInt64(), r.ReadInt64()));
        }
        return new FilesCompleted(batchRef, segments.MoveToImmutable(), files.MoveToImmutable(), occurredAt);
    }
}
