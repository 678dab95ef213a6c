using System.Numerics;
using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;

namespace Form3Actors.Coordinator.Inputs;

/// <summary>
/// What an input (CSV, folder or EDGAR index) lists, with what was wrong with its rows. The coordinator holds it for
/// the whole run, and a run may list ten million files, so it keeps each file once, in flat arrays and no object per
/// file: its 16-byte key, 4 bytes saying where its path lies, its source path as UTF-8 in an arena of chunks, and a
/// slot in an open-addressing index from key to position. An <see cref="InputFile"/> is made only when asked for.
/// Listing reads only the input, never the listed files: on a network file system a stat is a round trip.
/// </summary>
public sealed class InputListing
{
    const int EntriesPerChunk = 1 << 16;
    /// <summary>Size of one path chunk; a longer path gets a chunk of its own.</summary>
    public const int DefaultArenaChunkBytes = 1 << 20;
    /// <summary>The key index is grown before it is fuller than this, so that a lookup probes about two slots.</summary>
    const double MaxIndexLoad = 0.6;

    readonly int _offsetBits;
    readonly int _arenaChunkBytes;
    readonly List<FileKey[]> _keys = [];
    /// <summary>Per file: its path chunk in the high bits, its offset in that chunk in the low <see cref="_offsetBits"/>.</summary>
    readonly List<uint[]> _locations = [];
    readonly List<byte[]> _arena = [];
    /// <summary>Bytes used in each arena chunk: a path ends where the next one of its chunk begins, or here.</summary>
    readonly List<int> _chunkUsed = [];
    /// <summary>Position + 1 of the file whose key hashes to each slot, 0 for an empty slot.</summary>
    int[] _index = new int[1024];

    /// <summary>The forms the run takes from these files: sent with every batch, so that every node extracts the same.</summary>
    public FormSelection Forms { get; internal set; } = FormSelection.Default;

    public InputListing(string description, int arenaChunkBytes = DefaultArenaChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(arenaChunkBytes, 1);
        Description = description;
        _arenaChunkBytes = arenaChunkBytes;
        _offsetBits = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)arenaChunkBytes));
    }

    /// <summary>A listing of the given files, as tests and benchmarks build one.</summary>
    public InputListing(string description, IEnumerable<InputFile> files, int blankRows, int duplicateRows, int skippedRows,
        int arenaChunkBytes = DefaultArenaChunkBytes)
        : this(description, arenaChunkBytes)
    {
        foreach (var file in files)
            if (!TryAdd(file.Key, file.Root, file.SourcePath)) throw new ArgumentException($"{file.SourcePath} is listed twice", nameof(files));
        BlankRows = blankRows;
        DuplicateRows = duplicateRows;
        SkippedRows = skippedRows;
    }

    public string Description { get; }
    public int Count { get; private set; }
    public int BlankRows { get; internal set; }
    public int DuplicateRows { get; internal set; }
    public int SkippedRows { get; internal set; }

    /// <summary>The folder every relative source path is read from (the CSV's folder, the folder listed, the mirror root).</summary>
    public string Root { get; private set; } = "";

    public InputFile this[int index] => new(KeyAt(index), Root, Encoding.UTF8.GetString(PathUtf8(index)));

    public FileKey KeyAt(int index)
    {
        CheckIndex(index);
        return _keys[index / EntriesPerChunk][index % EntriesPerChunk];
    }

    /// <summary>The file's source path as the input listed it, as UTF-8.</summary>
    public ReadOnlySpan<byte> PathUtf8(int index)
    {
        CheckIndex(index);
        var (chunk, offset) = Location(index);
        var end = _chunkUsed[chunk];
        if (index + 1 < Count && Location(index + 1) is var (nextChunk, nextOffset) && nextChunk == chunk) end = nextOffset;
        return _arena[chunk].AsSpan(offset, end - offset);
    }

    /// <summary>The index of the file with this key, or -1 if the input does not list it.</summary>
    public int IndexOf(FileKey key)
    {
        var mask = _index.Length - 1;
        for (var slot = Slot(key, mask); ; slot = (slot + 1) & mask)
        {
            var entry = _index[slot];
            if (entry == 0) return -1;
            if (_keys[(entry - 1) / EntriesPerChunk][(entry - 1) % EntriesPerChunk] == key) return entry - 1;
        }
    }

    public bool Contains(FileKey key) => IndexOf(key) >= 0;

    /// <summary>
    /// A hash of everything the merged tables take from the listing (every file's key and source path, in order) and
    /// of the version of each file they hold (<paramref name="versionOf"/>, by index, from the ledger; null for one it
    /// lacks): equal fingerprints and an unchanged journal give identical tables.
    /// </summary>
    public string Fingerprint(Func<int, FileVersion?> versionOf)
    {
        var hash = new System.IO.Hashing.XxHash128();
        Span<byte> fixedPart = stackalloc byte[33];
        for (var i = 0; i < Count; i++)
        {
            var version = versionOf(i);
            KeyAt(i).WriteTo(fixedPart);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(fixedPart[16..], version?.Size ?? 0);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(fixedPart[24..], version?.ModifiedUtcTicks ?? 0);
            fixedPart[32] = version.HasValue ? (byte)1 : (byte)0;
            hash.Append(fixedPart);
            hash.Append(PathUtf8(i));
            hash.Append("\0"u8);
        }
        return Convert.ToHexString(hash.GetCurrentHash());
    }

    /// <summary>Lists a file unless a file of the same key is listed already (false); every file of a listing has the same root.</summary>
    public bool TryAdd(FileKey key, string root, string sourcePath)
    {
        if (Count == 0) Root = root;
        else if (root != Root) throw new ArgumentException($"a listing has one root: {root} is not {Root}", nameof(root));
        if (Count + 1 > _index.Length * MaxIndexLoad) GrowIndex();
        var mask = _index.Length - 1;
        var slot = Slot(key, mask);
        for (; _index[slot] != 0; slot = (slot + 1) & mask)
            if (KeyAt(_index[slot] - 1) == key) return false;

        var length = Encoding.UTF8.GetByteCount(sourcePath);
        if (_arena.Count == 0 || _chunkUsed[^1] + length > _arena[^1].Length)
        {
            _arena.Add(new byte[Math.Max(length, _arenaChunkBytes)]);
            _chunkUsed.Add(0);
        }
        var chunk = _arena.Count - 1;
        if (chunk >= 1L << (32 - _offsetBits))
            throw new InputException($"the input lists more paths than one listing holds ({Count:N0} files, {(long)chunk * _arenaChunkBytes:N0} bytes of paths); split it into several runs");
        var offset = _chunkUsed[^1];
        _chunkUsed[^1] += Encoding.UTF8.GetBytes(sourcePath, _arena[chunk].AsSpan(offset));
        if (Count % EntriesPerChunk == 0)
        {
            _keys.Add(new FileKey[EntriesPerChunk]);
            _locations.Add(new uint[EntriesPerChunk]);
        }
        _keys[^1][Count % EntriesPerChunk] = key;
        _locations[^1][Count % EntriesPerChunk] = (uint)chunk << _offsetBits | (uint)offset;
        _index[slot] = ++Count;
        return true;
    }

    (int Chunk, int Offset) Location(int index)
    {
        var packed = _locations[index / EntriesPerChunk][index % EntriesPerChunk];
        return ((int)(packed >> _offsetBits), (int)(packed & ((1u << _offsetBits) - 1)));
    }

    /// <summary>Keys are hashes already: their low bits pick the slot.</summary>
    static int Slot(FileKey key, int mask) => (int)(ulong)key.Value & mask;

    void GrowIndex()
    {
        var grown = new int[_index.Length * 2];
        var mask = grown.Length - 1;
        for (var i = 0; i < Count; i++)
        {
            var slot = Slot(KeyAt(i), mask);
            while (grown[slot] != 0) slot = (slot + 1) & mask;
            grown[slot] = i + 1;
        }
        _index = grown;
    }

    void CheckIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
    }
}
