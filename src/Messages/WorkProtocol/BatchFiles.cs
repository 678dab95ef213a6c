using System.Text;

namespace Form3Actors.Messages.WorkProtocol;

/// <summary>
/// The files of an assigned batch, column by column: each file's key, its source path as the input listed it (UTF-8,
/// all paths in one array) and which attempt this is. A batch holds thousands of files, and the coordinator builds
/// one per request: no object per file, and the paths are copied as bytes from the listing.
/// </summary>
public sealed class BatchFiles
{
    readonly FileKey[] _keys;
    readonly byte[] _paths;
    readonly int[] _pathEnds;
    readonly byte[] _attempts;

    public BatchFiles(FileKey[] keys, byte[] paths, int[] pathEnds, byte[] attempts)
    {
        if (pathEnds.Length != keys.Length || attempts.Length != keys.Length) throw new ArgumentException("every column needs one entry per file");
        (_keys, _paths, _pathEnds, _attempts) = (keys, paths, pathEnds, attempts);
    }

    public int Count => _keys.Length;

    public FileKey Key(int position) => _keys[position];

    /// <summary>The path as the input listed it, as UTF-8.</summary>
    public ReadOnlySpan<byte> SourcePathUtf8(int position) => _paths.AsSpan(position == 0 ? 0 : _pathEnds[position - 1],
        _pathEnds[position] - (position == 0 ? 0 : _pathEnds[position - 1]));

    public string SourcePath(int position) => Encoding.UTF8.GetString(SourcePathUtf8(position));

    /// <summary>1 for a first try, higher for a retry.</summary>
    public int Attempt(int position) => _attempts[position];

    internal FileKey[] Keys => _keys;
    internal byte[] Paths => _paths;
    internal int[] PathEnds => _pathEnds;
    internal byte[] Attempts => _attempts;

    /// <summary>The path to open: <paramref name="root"/> joined with the source path, normalized as the listing keyed it.</summary>
    public static string FullPath(string root, string sourcePath) => Path.GetFullPath(Path.Combine(root, sourcePath));
}
