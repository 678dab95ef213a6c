using Form3Actors.Core.Extraction;
using Form3Actors.Core.Work;

namespace Form3Actors.Coordinator.Inputs;

/// <summary>Versions found on disk for some files of the listing, by listing index.</summary>
public sealed record VersionsChecked(int[] Indices, FileVersion[] Versions) : State.ICoordinatorCommand;

/// <summary>
/// A rerun's look at the files its journal finished: one stat each (following symbolic links, as the reader does),
/// with many in flight on threads of their own, since on a network file system each is a round trip. Results are delivered in chunks as they come, so changed files are handed
/// out while the rest are still being checked.
/// </summary>
public static class VersionCheck
{
    /// <summary>Files per delivered chunk: one message per thousand checks keeps the coordinator's mailbox light.</summary>
    public const int ChunkFiles = 1024;

    /// <summary>Checks the files at <paramref name="indices"/> of the listing on <paramref name="threads"/> threads; completes when all are checked.</summary>
    public static Task Run(IReadOnlyList<int> indices, Func<int, string> pathOf, int threads, Action<VersionsChecked> deliver, CancellationToken cancel)
    {
        const int chunk = ChunkFiles;
        var next = -1;
        return OwnThreads.Run(Math.Clamp(threads, 1, Math.Max(1, indices.Count)), "form3-check", () =>
        {
            var checkedIndices = new List<int>(chunk);
            var versions = new List<FileVersion>(chunk);
            for (int at; !cancel.IsCancellationRequested && (at = Interlocked.Increment(ref next)) < indices.Count;)
            {
                checkedIndices.Add(indices[at]);
                versions.Add(Check(pathOf(indices[at])));
                if (checkedIndices.Count < chunk) continue;
                deliver(new VersionsChecked([.. checkedIndices], [.. versions]));
                checkedIndices.Clear();
                versions.Clear();
            }
            if (checkedIndices.Count > 0) deliver(new VersionsChecked([.. checkedIndices], [.. versions]));
        });
    }

    static FileVersion Check(string path)
    {
        try
        {
            return FileVersion.Check(path);
        }
        catch (IOException)
        {
            return FileVersion.Unknown; // due again: the worker that reads it reports why it cannot
        }
    }
}
