namespace Form3Actors.Testing;

/// <summary>The embedded default (`form3-coordinator run INPUT`) as the storage tests start it: run folders and logs under one root.</summary>
public static class EmbeddedRun
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Runs over <paramref name="csv"/> in the run folder <paramref name="name"/> under <paramref name="root"/>, with its
    /// log in root/logs/NAME.log; returns the folder, or throws with the log's tail if the exit code is not the expected one.
    /// </summary>
    public static async Task<string> Run(string root, string name, string csv, int expectedExit = 0)
    {
        var runDir = Path.Combine(root, name);
        using var run = Form3Process.Start("form3-coordinator", name, Path.Combine(root, "logs"), null, "run", csv, "--run-dir", runDir);
        var code = await run.WaitForExitAsync(Timeout);
        if (code != expectedExit) throw new InvalidOperationException($"{name} exited with {code}, expected {expectedExit}:\n{run.Tail()}");
        return runDir;
    }
}
