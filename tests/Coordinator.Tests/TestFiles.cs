using Form3Actors.Coordinator.Inputs;

namespace Form3Actors.Coordinator.Tests;

/// <summary>Input files for tests that need no real file behind them.</summary>
public static class TestFiles
{
    public static InputFile File(int i, long size = 100, long ticks = 1) =>
        new(FileKeys.Of($"/data/{i}.txt"), "/data", $"{i}.txt", size, ticks);

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
