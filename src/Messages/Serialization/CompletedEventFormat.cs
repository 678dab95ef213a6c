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
    public static byte[] Write(FilesCompleted completed) => WorkFormats.Build(w =>
    {
        w.Write(completed.BatchRef);
        w.Write(completed.OccurredAt.UtcTicks);
        WorkFormats.WriteSegments(w, completed.Segments);
        w.Write(completed.Files.Length);
        Span<byte> key = stackalloc byte[16];
        foreach (var f in completed.Files)
        {
            f.FileKey.WriteTo(key);
            w.Write(key);
            w.Write(f.Size);
            w.Write(f.ModifiedUtcTicks);
        }
    });

    /// <summary>Reads version 3, or version 2 when <paramref name="withChecksums"/> is false.</summary>
    public static FilesCompleted Read(byte[] bytes, bool withChecksums = true)
    {
        using var r = WorkFormats.Reader(bytes);
        var batchRef = r.ReadInt32();
        var occurredAt = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero);
        var segments = WorkFormats.ReadSegments(r, withChecksums);
        var files = ImmutableArray.CreateBuilder<FileStamp>(r.ReadInt32());
        Span<byte> key = stackalloc byte[16];
        for (var i = 0; i < files.Capacity; i++)
        {
            r.BaseStream.ReadExactly(key);
            files.Add(new FileStamp(FileKey.ReadFrom(key), r.ReadInt64(), r.ReadInt64()));
        }
        return new FilesCompleted(batchRef, segments, files.MoveToImmutable(), occurredAt);
    }
}
