using System.Runtime.InteropServices;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// SIGTERM and SIGINT for the whole life of a process, from the first line of Main: the first asks the command to
/// stop (<see cref="Stopping"/>), a second exits at once, and a process that has not exited within the deadline
/// after the first exits anyway. Whatever was journaled stays; a rerun resumes from it.
/// </summary>
/// <remarks>
/// Handling the signals here, before any other code runs, is what makes a signal during start-up safe: nothing is
/// left to the runtime's default handler, whose shutdown hooks raced with our own start and could leave a process
/// that ignored every later signal. The hard exit uses <c>_exit</c> so that no hook or finalizer can hold it up.
/// </remarks>
public sealed partial class ShutdownSignals : IDisposable
{
    readonly CancellationTokenSource _stopping = new();
    readonly PosixSignalRegistration _term;
    readonly PosixSignalRegistration _int;
    readonly TaskCompletionSource<TimeSpan> _deadline = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _signals;
    int _armed;

    public ShutdownSignals()
    {
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    /// <summary>Cancelled by the first SIGTERM or SIGINT.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The signal received first ("SIGTERM" or "SIGINT"), or null.</summary>
    public string? Signal { get; private set; }

    /// <summary>Sets how long the process may take to stop once asked (form3.shutdown-deadline); a signal that came earlier waits for it.</summary>
    public void SetDeadline(TimeSpan deadline) => _deadline.TrySetResult(deadline);

    /// <summary>
    /// The command has decided to exit with <paramref name="exitCode"/>: if shutting down takes longer than the
    /// deadline, exit with that code anyway, so that no failure leaves a process behind.
    /// </summary>
    public void ExitWithinDeadline(int exitCode, string what) => Arm(exitCode, what);

    void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var name = context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
        if (Interlocked.Increment(ref _signals) > 1)
        {
            Console.Error.WriteLine($"error: second signal ({name}): exiting now; what was journaled stays, run the same command again to resume");
            HardExit(ExitCodes.Stopped);
        }
        Signal = name;
        Arm(ExitCodes.Stopped, $"stopping after {name}");
        _stopping.Cancel();
    }

    void Arm(int exitCode, string what)
    {
        if (Interlocked.Exchange(ref _armed, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            var deadline = await _deadline.Task;
            await Task.Delay(deadline);
            Console.Error.WriteLine($"error: {what} took longer than {deadline.TotalSeconds:N0} s (form3.shutdown-deadline); exiting now. " +
                "What was journaled stays: run the same command again to resume");
            HardExit(exitCode);
        });
    }

    static void HardExit(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Exit(code);
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int code);

    public void Dispose()
    {
        _term.Dispose();
        _int.Dispose();
        _stopping.Dispose();
    }
}
