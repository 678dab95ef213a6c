using System.Collections.Immutable;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.State;

/// <summary>
/// What the journal knows: for every finished file the version it finished (size, modification time) and the batch
/// whose part segments hold its rows, or that it was quarantined. Built only by applying journaled events, so
/// replaying the journal (checkpoint parts, then the events after them) rebuilds it exactly.
/// </summary>
/// <remarks>
/// Kept beside this run's listing, by listing index, in flat arrays of 20 bytes a file: a ten-million-file run
/// holds no object per file, and applying a completion of this run (whose listing indices it was decided from) looks
/// nothing up. Files the journal finished that the listing no longer lists (rows removed from the input since) are
/// kept by key, apart; they are usually none. Quarantined files also keep their path and reason, but they are few.
/// </remarks>
public sealed class RunLedger
{
    const int NotFinished = 0;
    /// <summary>Versions 1 and 2 of the snapshot's ledger bytes (2 adds segment checksums), as earlier releases wrote them.</summary>
    const int LastSnapshotFormat = 2;

    readonly InputListing _listing;
    readonly long[] _size;
    readonly long[] _ticks;
    readonly int[] _batch;
    readonly Dictionary<FileKey, FileEntry> _unlisted = [];
    readonly Dictionary<int, ImmutableArray<PartSegment>> _batches = [];
    readonly Dictionary<FileKey, QuarantinedFile> _quarantined = [];
    int _listedFinished;

    public RunLedger(InputListing listing)
    {
        _listing = listing;
        (_size, _ticks, _batch) = (new long[listing.Count], new long[listing.Count], new int[listing.Count]);
    }

    public int FileCount => _listedFinished + _unlisted.Count;
    public int QuarantinedCount => _quarantined.Count;
    public int NextBatchRef { get; private set; } = 1;

    /// <summary>Files journaled (completed or quarantined) since the last whole checkpoint, replayed ones included.</summary>
    public long JournaledSinceCheckpoint { get; private set; }

    /// <summary>True when this exact version of the listed file was finished (extracted or quarantined).</summary>
    public bool IsFinished(int index, FileVersion version) => VersionOf(index) == version;

    /// <summary>The version of the listed file the journal finished last, or null if it finished none.</summary>
    public FileVersion? VersionOf(int index) => _batch[index] == NotFinished ? null : new FileVersion(_size[index], _ticks[index]);

    /// <summary>True when the journal finished some version of the listed file (extracted or quarantined).</summary>
    public bool Knows(int index) => _batch[index] != NotFinished;

    /// <summary>The batch whose segments hold the listed file's current rows, or null (unknown or quarantined).</summary>
    public int? BatchOf(int index) => _batch[index] > NotFinished ? _batch[index] : null;

    public IEnumerable<KeyValuePair<int, ImmutableArray<PartSegment>>> Batches => _batches.OrderBy(b => b.Key);

    /// <summary>Quarantined files the listing lists, by listing index.</summary>
    public IEnumerable<(int Index, QuarantinedFile File)> Quarantined =>
        _quarantined.Select(q => (_listing.IndexOf(q.Key), q.Value)).Where(q => q.Item1 >= 0);

    /// <summary>
    /// A durable event. <paramref name="indices"/>: for a completion decided by this run, the listing index of each of
    /// its files (the event holds their keys, which replay looks up).
    /// </summary>
    public void Apply(ICoordinatorEvent evt, int[]? indices = null)
    {
        switch (evt)
        {
            case FilesCompleted completed:
                _batches[completed.BatchRef] = completed.Segments;
                NextBatchRef = Math.Max(NextBatchRef, completed.BatchRef + 1);
                for (var i = 0; i < completed.Files.Length; i++)
                {
                    var f = completed.Files[i];
                    Set(indices?[i] ?? _listing.IndexOf(f.FileKey), new FileEntry(f.FileKey, f.Size, f.ModifiedUtcTicks, completed.BatchRef));
                    if (_quarantined.Count > 0) _quarantined.Remove(f.FileKey);
                }
                JournaledSinceCheckpoint += completed.Files.Length;
                break;
            case FilesQuarantined quarantined:
                foreach (var q in quarantined.Files)
                {
                    Set(_listing.IndexOf(q.File.FileKey), new FileEntry(q.File.FileKey, q.File.Size, q.File.ModifiedUtcTicks, FileEntry.QuarantinedBatch));
                    _quarantined[q.File.FileKey] = q;
                }
                JournaledSinceCheckpoint += quarantined.Files.Length;
                break;
            case BatchesLost lost:
                Forget(lost.BatchRefs.ToHashSet());
                break;
            case LedgerCheckpointed part:
                NextBatchRef = Math.Max(NextBatchRef, part.NextBatchRef);
                foreach (var f in part.Files) Set(_listing.IndexOf(f.FileKey), f);
                foreach (var b in part.Batches) _batches[b.BatchRef] = b.Segments;
                foreach (var q in part.Quarantined) _quarantined[q.File.FileKey] = q;
                if (part.Part == part.Parts - 1) JournaledSinceCheckpoint = 0;
                break;
            default:
                throw new ArgumentException($"unknown event {evt.GetType().Name}", nameof(evt));
        }
    }

    /// <summary>A checkpoint part this ledger itself was written into: the journal since is counted from its last part.</summary>
    public void Checkpointed(LedgerCheckpointed part)
    {
        if (part.Part == part.Parts - 1) JournaledSinceCheckpoint = 0;
    }

    void Set(int index, FileEntry entry)
    {
        if (index < 0)
        {
            _unlisted[entry.FileKey] = entry;
            return;
        }
        if (_batch[index] == NotFinished) _listedFinished++;
        (_size[index], _ticks[index], _batch[index]) = (entry.Size, entry.ModifiedUtcTicks, entry.BatchRef);
    }

    /// <summary>Every file whose current rows the batches hold, forgotten with the batches: they are finished no more.</summary>
    void Forget(HashSet<int> batchRefs)
    {
        foreach (var batchRef in batchRefs) _batches.Remove(batchRef);
        foreach (var index in FilesOf(batchRefs))
        {
            _batch[index] = NotFinished;
            _listedFinished--;
        }
        foreach (var key in _unlisted.Where(u => batchRefs.Contains(u.Value.BatchRef)).Select(u => u.Key).ToList()) _unlisted.Remove(key);
    }

    /// <summary>Listing indices of the files whose current rows these batches hold (one pass over the listing: rare).</summary>
    public IReadOnlyList<int> FilesOf(IReadOnlyCollection<int> batchRefs)
    {
        var files = new List<int>();
        for (var i = 0; i < _batch.Length; i++)
            if (batchRefs.Contains(_batch[i])) files.Add(i);
        return files;
    }

    /// <summary>
    /// The ledger as checkpoint parts of at most <paramref name="filesPerPart"/> files (and as many batches), made one at
    /// a time as they are journaled: a checkpoint of ten million files never sits in memory whole. The ledger must not
    /// change until the last part is made. Batches no file refers to any more are left out.
    /// </summary>
    public Checkpoint CheckpointParts(int filesPerPart, DateTimeOffset at) => new(this, filesPerPart, at);

    /// <summary>The parts of one checkpoint, made on demand.</summary>
    public sealed class Checkpoint
    {
        readonly RunLedger _ledger;
        readonly int _perPart;
        readonly DateTimeOffset _at;
        readonly List<int> _batchRefs;
        readonly int _fileParts;
        int _nextListed;
        bool _unlistedDone;

        internal Checkpoint(RunLedger ledger, int perPart, DateTimeOffset at)
        {
            (_ledger, _perPart, _at) = (ledger, Math.Max(1, perPart), at);
            var live = new HashSet<int>();
            foreach (var b in ledger._batch) if (b > NotFinished) live.Add(b);
            foreach (var u in ledger._unlisted.Values) if (u.BatchRef > NotFinished) live.Add(u.BatchRef);
            _batchRefs = [.. ledger._batches.Keys.Where(live.Contains).Order()];
            _fileParts = (ledger.FileCount + _perPart - 1) / _perPart;
            Parts = Math.Max(1, _fileParts + (_batchRefs.Count + _perPart - 1) / _perPart);
        }

        public int Parts { get; }
        public int Made { get; private set; }
        public bool Done => Made == Parts;

        public LedgerCheckpointed Next()
        {
            if (Done) throw new InvalidOperationException("every part of the checkpoint was made");
            var files = ImmutableArray.CreateBuilder<FileEntry>();
            var batches = ImmutableArray.CreateBuilder<BatchSegments>();
            if (Made < _fileParts)
            {
                var ledger = _ledger;
                for (; files.Count < _perPart && _nextListed < ledger._batch.Length; _nextListed++)
                    if (ledger._batch[_nextListed] != NotFinished)
                        files.Add(new FileEntry(ledger._listing.KeyAt(_nextListed), ledger._size[_nextListed], ledger._ticks[_nextListed], ledger._batch[_nextListed]));
                if (files.Count < _perPart && !_unlistedDone)
                {
                    files.AddRange(ledger._unlisted.Values); // rows removed from the input: few, whatever the run's size
                    _unlistedDone = true;
                }
            }
            else
            {
                var first = (Made - _fileParts) * _perPart;
                foreach (var batchRef in _batchRefs.Skip(first).Take(_perPart)) batches.Add(new BatchSegments(batchRef, _ledger._batches[batchRef]));
            }
            var last = ++Made == Parts;
            return new LedgerCheckpointed(Made - 1, Parts, _ledger.NextBatchRef, files.ToImmutable(), batches.ToImmutable(),
                last ? [.. _ledger._quarantined.Values] : [], _at);
        }
    }

    /// <summary>Recovery from a snapshot of an earlier release (whole ledger, binary), before the events after it.</summary>
    public void Restore(CoordinatorSnapshot snapshot)
    {
        if (snapshot.Version != CoordinatorSnapshot.CurrentVersion)
            throw new InvalidDataException($"the journal's snapshot has format version {snapshot.Version}, this program reads " +
                $"{CoordinatorSnapshot.CurrentVersion}: it was written by another version of Form3Actors");
        using var r = new BinaryReader(new MemoryStream(snapshot.Ledger));
        var version = r.ReadInt32();
        if (version is < 1 or > LastSnapshotFormat) throw new InvalidDataException($"ledger snapshot format {version} is not supported (expected 1 to {LastSnapshotFormat})");
        NextBatchRef = Math.Max(NextBatchRef, r.ReadInt32());
        var files = r.ReadInt32();
        for (var i = 0; i < files; i++)
        {
            var key = new FileKey(((UInt128)r.ReadUInt64() << 64) | r.ReadUInt64());
            Set(_listing.IndexOf(key), new FileEntry(key, r.ReadInt64(), r.ReadInt64(), r.ReadInt32()));
        }
        var batches = r.ReadInt32();
        for (var i = 0; i < batches; i++)
        {
            var batchRef = r.ReadInt32();
            var count = r.ReadInt32();
            var segments = ImmutableArray.CreateBuilder<PartSegment>(count);
            for (var s = 0; s < count; s++)
                segments.Add(new PartSegment(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64(), version >= 2 ? r.ReadUInt64() : 0));
            _batches[batchRef] = segments.MoveToImmutable();
        }
        var quarantined = r.ReadInt32();
        for (var i = 0; i < quarantined; i++)
        {
            var stamp = new FileStamp(FileKey.Parse(r.ReadString()), r.ReadInt64(), r.ReadInt64());
            _quarantined[stamp.FileKey] = new QuarantinedFile(stamp, r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt32());
        }
    }
}
