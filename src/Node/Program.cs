using System.CommandLine;
using Form3Actors.Node.Commands;
using Form3Actors.Core.Hosting;

// First, before anything else can be interrupted: SIGTERM and SIGINT are ours from here to the end.
using var signals = new ShutdownSignals();
var root = new RootCommand("Form3Actors node: joins a run's cluster and extracts the filings pulled from its coordinator; also extracts one filing to debug it.")
{
    JoinCommand.Create(signals),
    ExtractCommand.Create(),
};
return await CommandLine.Run(root, args);
