using Form3Actors.Coordinator.Inputs;
using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;

namespace Form3Actors.Coordinator.Tests;

/// <summary>Input files for tests that need no real file behind them.</summary>
public static class TestFiles
{
    public static InputFile File(int i) => new(FileKey.Of($"/data/{i}.txt"), "/data", $"{i}.txt");

    /// <summary>The version tests give a file unless they change it.</summary>
    public static readonly FileVersion Version = new(100, 1);

    /// <summary>The stamp a worker reports for <paramref name="file"/> read in <paramref name="version"/> (default <see cref="Version"/>).</summary>
    public static FileStamp Stamp(InputFile file, FileVersion? version = null) =>
        new(file.Key, (version ?? Version).Size, (version ?? Version).ModifiedUtcTicks);

    public static IReadOnlyList<InputFile> Many(int count) => Enumerable.Range(1, count).Select(i => File(i)).ToList();
}

/// <summary>A temporary folder deleted after the test.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("form3-test-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
