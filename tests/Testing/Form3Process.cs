using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Form3Actors.Testing;

/// <summary>
/// A real form3-coordinator or form3-node OS process started from the test's output folder, its output kept in a
/// log file, with the signals a scheduler sends: SIGTERM, and SIGKILL for a crash.
/// </summary>
public sealed partial class Form3Process : IDisposable
{
    readonly Process _process;
    readonly StreamWriter _log;

    public string LogPath { get; }
    public string Name { get; }

    Form3Process(string name, Process process, string logPath, StreamWriter log)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
        _log = log;
    }

    public static Form3Process Start(string executable, string name, string logFolder, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, executable))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        Directory.CreateDirectory(logFolder);
        var logPath = Path.Combine(logFolder, $"{name}.log");
        var log = new StreamWriter(logPath, append: true, new UTF8Encoding(false)) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) log.WriteLine("stderr: " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Form3Process(name, process, logPath, log);
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public void Kill() => _process.Kill(entireProcessTree: true);

    public void Terminate() => SendSignal(_process.Id, 15);

    /// <summary>SIGINT, as Ctrl-C in a terminal sends.</summary>
    public void Interrupt() => SendSignal(_process.Id, 2);

    /// <summary>SIGSTOP: the process stands still, as under a long garbage collection or when swapped out.</summary>
    public void Freeze() => SendSignal(_process.Id, 19);

    /// <summary>SIGCONT: a frozen process goes on.</summary>
    public void Resume() => SendSignal(_process.Id, 18);

    /// <summary>Waits for the exit and returns the exit code; fails with the tail of the log if it takes too long.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds} s; log tail:\n{Tail()}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public string Log()
    {
        lock (_log) return File.ReadAllText(LogPath);
    }

    public string Tail(int lines = 40) => string.Join('\n', Log().Split('\n').TakeLast(lines));

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.WaitForExit();
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
