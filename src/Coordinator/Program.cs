using System.CommandLine;
using Form3Actors.Coordinator.Hosting;

var root = new RootCommand("Form3Actors coordinator: turns a list of SEC Form 3 filings into research tables, resumably.")
{
    RunCommand.Create(),
    StatusCommand.Create(),
};
// No termination timeout: SIGTERM is ours to handle, so the last journal write is never cut short.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
