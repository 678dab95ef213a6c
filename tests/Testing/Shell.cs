using System.Diagnostics;

namespace Form3Actors.Testing;

/// <summary>Runs a command to completion and returns its output; a non-zero exit is a failure with both streams.</summary>
public static class Shell
{
    public static async Task<string> Run(string command, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var (code, output, error) = await TryRun(command, args, environment, workingDirectory, timeout);
        if (code != 0) throw new InvalidOperationException($"{command} {string.Join(' ', args)} exited with {code}:\n{output}\n{error}");
        return output;
    }

    public static async Task<(int Code, string Output, string Error)> TryRun(string command, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? TestData.RepoRoot,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', args)} did not finish in time");
        }
        return (process.ExitCode, await output, await error);
    }
}
