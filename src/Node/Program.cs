using System.CommandLine;
using Form3Actors.Node.Commands;

var root = new RootCommand("Form3Actors node: joins a run's cluster and extracts the filings pulled from its coordinator; also extracts one filing to debug it.")
{
    JoinCommand.Create(),
    ExtractCommand.Create(),
};
// No termination timeout: SIGTERM is handled by the join command, which leaves the cluster cleanly.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
