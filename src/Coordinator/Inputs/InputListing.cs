using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;

namespace Form3Actors.Coordinator.Inputs;

/// <summary>
/// What an input (CSV, folder or EDGAR index) lists, with what was wrong with its rows. The coordinator holds it
/// for the whole run, so it is stored compactly: per file a fixed 32-byte entry in chunked arrays and its source
/// path as UTF-8 in a chunked byte arena; an <see cref="InputFile"/> is made only when a file is handed out.
/// Listing reads only the input, never the listed files: on a network file system a stat is a round trip.
/// </summary>
public sealed class InputListing
{
    const int EntriesPerChunk = 1 << 16;
    /// <summary>Size of one path chunk; a longer path gets a chunk of its own.</summary>
    public const int DefaultArenaChunkBytes = 1 << 20;

    /// <summary>A path lies in chunk <c>Chunk</c> at <c>Offset</c>: no arithmetic across chunk boundaries to get wrong.</summary>
    readonly record struct Entry(FileKey Key, int Chunk, int Offset, int PathLength, int Root);

    readonly int _arenaChunkBytes;
    readonly List<Entry[]> _entries = [];
    readonly List<byte[]> _arena = [];
    readonly List<string> _roots = [];
    /// <summary>Bytes used in the last chunk of <see cref="_arena"/>.</summary>
    int _arenaTail;
    /// <summary>Keys sorted for binary search, with the listing index of each; one reference, so the merge's threads never see half of it.</summary>
    KeyIndex? _keyIndex;

    sealed record KeyIndex(FileKey[] Keys, int[] Index);

    /// <summary>The forms the run takes from these files: sent with every batch, so that every node extracts the same.</summary>
    public FormSelection Forms { get; internal set; } = FormSelection.Default;

    public InputListing(string description, int arenaChunkBytes = DefaultArenaChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(arenaChunkBytes, 1);
        Description = description;
        _arenaChunkBytes = arenaChunkBytes;
    }

    /// <summary>A listing of the given files, as tests and benchmarks build one.</summary>
    public InputListing(string description, IEnumerable<InputFile> files, int blankRows, int duplicateRows, int skippedRows,
        int arenaChunkBytes = DefaultArenaChunkBytes)
        : this(description, arenaChunkBytes)
    {
        foreach (var file in files) Add(file.Key, file.Root, file.SourcePath);
        BlankRows = blankRows;
        DuplicateRows = duplicateRows;
        SkippedRows = skippedRows;
    }

    public string Description { get; }
    public int Count { get; private set; }
    public int BlankRows { get; internal set; }
    public int DuplicateRows { get; internal set; }
    public int SkippedRows { get; internal set; }

    public InputFile this[int index]
    {
        get
        {
            var e = EntryAt(index);
            return new InputFile(e.Key, _roots[e.Root], Encoding.UTF8.GetString(_arena[e.Chunk], e.Offset, e.PathLength));
        }
    }

    public FileKey KeyAt(int index) => EntryAt(index).Key;

    /// <summary>The index of the file with this key, or -1 if the input does not list it.</summary>
    public int IndexOf(FileKey key)
    {
        var (keys, index) = _keyIndex ??= BuildKeyIndex();
        var found = Array.BinarySearch(keys, key);
        return found < 0 ? -1 : index[found];
    }

    public bool Contains(FileKey key) => IndexOf(key) >= 0;

    /// <summary>
    /// A hash of everything the merged tables take from the listing (every file's key and source path, in order) and
    /// of the version of each file they hold (<paramref name="versionOf"/>, from the ledger; null for one it lacks):
    /// equal fingerprints and an unchanged journal give identical tables.
    /// </summary>
    public string Fingerprint(Func<FileKey, FileVersion?> versionOf)
    {
        var hash = new System.IO.Hashing.XxHash128();
        Span<byte> fixedPart = stackalloc byte[33];
        for (var i = 0; i < Count; i++)
        {
            ref readonly var e = ref EntryAt(i);
            var version = versionOf(e.Key);
            e.Key.WriteTo(fixedPart);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(fixedPart[16..], version?.Size ?? 0);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(fixedPart[24..], version?.ModifiedUtcTicks ?? 0);
            fixedPart[32] = version.HasValue ? (byte)1 : (byte)0;
            hash.Append(fixedPart);
            hash.Append(_arena[e.Chunk].AsSpan(e.Offset, e.PathLength));
            hash.Append("\0"u8);
        }
        return Convert.ToHexString(hash.GetCurrentHash());
    }

    internal void Add(FileKey key, string root, string sourcePath)
    {
        var rootIndex = _roots.Count > 0 && ReferenceEquals(_roots[^1], root) ? _roots.Count - 1 : _roots.IndexOf(root);
        if (rootIndex < 0)
        {
            rootIndex = _roots.Count;
            _roots.Add(root);
        }
        var length = Encoding.UTF8.GetByteCount(sourcePath);
        if (_arena.Count == 0 || _arenaTail + length > _arena[^1].Length)
        {
            _arena.Add(new byte[Math.Max(length, _arenaChunkBytes)]);
            _arenaTail = 0;
        }
        var offset = _arenaTail;
        _arenaTail += Encoding.UTF8.GetBytes(sourcePath, _arena[^1].AsSpan(offset));
        if (Count % EntriesPerChunk == 0) _entries.Add(new Entry[EntriesPerChunk]);
        _entries[^1][Count % EntriesPerChunk] = new Entry(key, _arena.Count - 1, offset, length, rootIndex);
        Count++;
        _keyIndex = null;
    }

    ref readonly Entry EntryAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return ref _entries[index / EntriesPerChunk][index % EntriesPerChunk];
    }

    /// <summary>Keys sorted for binary search, 20 bytes a file, made once when first needed.</summary>
    KeyIndex BuildKeyIndex()
    {
        var keys = new FileKey[Count];
        var index = new int[Count];
        for (var i = 0; i < Count; i++)
        {
            keys[i] = KeyAt(i);
            index[i] = i;
        }
        Array.Sort(keys, index);
        return new KeyIndex(keys, index);
    }
}
