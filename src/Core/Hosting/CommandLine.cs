using System.CommandLine;

namespace Form3Actors.Core.Hosting;

/// <summary>Runs an executable's root command, with a command line it cannot read as a usage error (exit 2) that says what is wrong.</summary>
public static class CommandLine
{
    public static async Task<int> Run(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await Console.Error.WriteLineAsync($"error: {error.Message}");
            await Console.Error.WriteLineAsync("(--help lists the commands and their options)");
            return ExitCodes.BadUsage;
        }
        // No termination timeout: ShutdownSignals handles SIGTERM and SIGINT, so the last journal write is never cut
        // short and a node leaves the cluster cleanly.
        var code = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
        ConsoleLog.Flush();
        return code;
    }
}
