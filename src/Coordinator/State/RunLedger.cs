using System.Collections.Immutable;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>
/// What the journal knows: for every finished file (key, size, modification time) the batch whose part segments
/// hold its rows, or that it was quarantined. Built only by applying journaled events, so replaying the journal
/// (or a snapshot plus the events after it) rebuilds it exactly.
/// </summary>
/// <remarks>
/// Memory is about 60 bytes per file (a 16-byte key and a 24-byte entry in a hash table) and a few segments per
/// batch; quarantined files also keep their path and reason, but they are few.
/// </remarks>
public sealed class RunLedger
{
    public const int QuarantinedBatch = -1;
    /// <summary>Version 2 adds each segment's checksum; version 1 is still read.</summary>
    const int FormatVersion = 2;

    readonly record struct Entry(long Size, long ModifiedUtcTicks, int BatchRef);

    readonly Dictionary<FileKey, Entry> _files = [];
    readonly SortedDictionary<int, ImmutableArray<PartSegment>> _batches = [];
    readonly Dictionary<FileKey, QuarantinedFile> _quarantined = [];

    public int FileCount => _files.Count;
    public int QuarantinedCount => _quarantined.Count;
    public int NextBatchRef { get; private set; } = 1;

    /// <summary>True when this exact version of the file was finished (extracted or quarantined) by an earlier batch.</summary>
    public bool IsFinished(FileKey key, FileVersion version) => VersionOf(key) == version;

    /// <summary>The version of the file the journal finished last, or null if it finished none.</summary>
    public FileVersion? VersionOf(FileKey key) => _files.TryGetValue(key, out var entry) ? new FileVersion(entry.Size, entry.ModifiedUtcTicks) : null;

    /// <summary>True when the journal finished some version of the file (extracted or quarantined).</summary>
    public bool Knows(FileKey key) => _files.ContainsKey(key);

    /// <summary>Every file the journal finished, in no particular order.</summary>
    public IEnumerable<FileKey> Keys => _files.Keys;

    /// <summary>The batch whose segments hold the file's current rows, or null (unknown or quarantined).</summary>
    public int? BatchOf(FileKey key) => _files.TryGetValue(key, out var entry) && entry.BatchRef != QuarantinedBatch ? entry.BatchRef : null;

    public IEnumerable<KeyValuePair<int, ImmutableArray<PartSegment>>> Batches => _batches;

    public IEnumerable<(FileKey Key, QuarantinedFile File)> Quarantined => _quarantined.Select(kv => (kv.Key, kv.Value));

    public void Apply(ICoordinatorEvent evt)
    {
        switch (evt)
        {
            case FilesCompleted completed:
                _batches[completed.BatchRef] = completed.Segments;
                NextBatchRef = Math.Max(NextBatchRef, completed.BatchRef + 1);
                foreach (var file in completed.Files)
                {
                    var key = file.FileKey;
                    _files[key] = new Entry(file.Size, file.ModifiedUtcTicks, completed.BatchRef);
                    _quarantined.Remove(key);
                }
                break;
            case FilesQuarantined quarantined:
                foreach (var q in quarantined.Files)
                {
                    var key = q.File.FileKey;
                    _files[key] = new Entry(q.File.Size, q.File.ModifiedUtcTicks, QuarantinedBatch);
                    _quarantined[key] = q;
                }
                break;
            case BatchesLost lost:
                Forget(lost.BatchRefs.ToHashSet());
                break;
            default:
                throw new ArgumentException($"unknown event {evt.GetType().Name}", nameof(evt));
        }
    }

    /// <summary>Every file whose current rows the batches hold, forgotten with the batches: they are finished no more.</summary>
    void Forget(HashSet<int> batchRefs)
    {
        foreach (var batchRef in batchRefs) _batches.Remove(batchRef);
        foreach (var key in FilesOf(batchRefs)) _files.Remove(key);
    }

    /// <summary>Keys of the files whose current rows these batches hold.</summary>
    public IReadOnlyList<FileKey> FilesOf(IReadOnlyCollection<int> batchRefs) =>
        _files.Where(kv => batchRefs.Contains(kv.Value.BatchRef)).Select(kv => kv.Key).ToList();

    /// <summary>The whole ledger as bytes, for a snapshot: a fixed 36 bytes per file plus segments and quarantines.</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream(64 + _files.Count * 36);
        using (var w = new BinaryWriter(buffer))
        {
            w.Write(FormatVersion);
            w.Write(NextBatchRef);
            w.Write(_files.Count);
            foreach (var (key, entry) in _files)
            {
                w.Write((ulong)(key.Value >> 64));
                w.Write((ulong)key.Value);
                w.Write(entry.Size);
                w.Write(entry.ModifiedUtcTicks);
                w.Write(entry.BatchRef);
            }
            w.Write(_batches.Count);
            foreach (var (batchRef, segments) in _batches)
            {
                w.Write(batchRef);
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
            w.Write(_quarantined.Count);
            foreach (var q in _quarantined.Values)
            {
                w.Write(q.File.FileKey.ToString());
                w.Write(q.File.Size);
                w.Write(q.File.ModifiedUtcTicks);
                w.Write(q.SourcePath);
                w.Write(q.Kind);
                w.Write(q.Reason);
                w.Write(q.Attempts);
            }
        }
        return buffer.ToArray();
    }

    public static RunLedger FromBytes(byte[] bytes)
    {
        var ledger = new RunLedger();
        using var r = new BinaryReader(new MemoryStream(bytes));
        var version = r.ReadInt32();
        if (version is < 1 or > FormatVersion) throw new InvalidDataException($"ledger snapshot format {version} is not supported (expected {FormatVersion})");
        ledger.NextBatchRef = r.ReadInt32();
        var files = r.ReadInt32();
        ledger._files.EnsureCapacity(files);
        for (var i = 0; i < files; i++)
        {
            var key = new FileKey(((UInt128)r.ReadUInt64() << 64) | r.ReadUInt64());
            ledger._files[key] = new Entry(r.ReadInt64(), r.ReadInt64(), r.ReadInt32());
        }
        var batches = r.ReadInt32();
        for (var i = 0; i < batches; i++)
        {
            var batchRef = r.ReadInt32();
            var count = r.ReadInt32();
            var segments = ImmutableArray.CreateBuilder<PartSegment>(count);
            for (var s = 0; s < count; s++)
                segments.Add(new PartSegment(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64(), version >= 2 ? r.ReadUInt64() : 0));
            ledger._batches[batchRef] = segments.MoveToImmutable();
        }
        var quarantined = r.ReadInt32();
        for (var i = 0; i < quarantined; i++)
        {
            var stamp = new FileStamp(FileKey.Parse(r.ReadString()), r.ReadInt64(), r.ReadInt64());
            var q = new QuarantinedFile(stamp, r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt32());
            ledger._quarantined[stamp.FileKey] = q;
        }
        return ledger;
    }
}
