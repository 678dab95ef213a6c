namespace Form3Actors.Testing;

/// <summary>Finds the repository's test data from wherever the test runner starts.</summary>
public static class TestData
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Real(string name) => Path.Combine(RepoRoot, "tests", "data", "real", name);

    public static string Fixture(string name) => Path.Combine(RepoRoot, "tests", "data", "fixtures", name);

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Form3Actors.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Form3Actors.sln) above " + AppContext.BaseDirectory);
    }
}
