using System.CommandLine;
using Form3Actors.Coordinator.Hosting;
using Form3Actors.Core.Hosting;

// First, before anything else can be interrupted: SIGTERM and SIGINT are ours from here to the end.
using var signals = new ShutdownSignals();
var root = new RootCommand("Form3Actors coordinator: turns a list of SEC Form 3 filings into research tables, resumably.")
{
    RunCommand.Create(signals),
    StatusCommand.Create(),
};
// No termination timeout: ShutdownSignals handles SIGTERM and SIGINT, so the last journal write is never cut short.
var code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
ConsoleLog.Flush();
return code;
