using System.CommandLine;
using Form3Actors.Coordinator.Hosting;
using Form3Actors.Core.Hosting;

// First, before anything else can be interrupted: SIGTERM and SIGINT are ours from here to the end.
using var signals = new ShutdownSignals();
var root = new RootCommand("Form3Actors coordinator: turns a list of SEC ownership filings (Forms 3, 4 and 5) into research tables, resumably.")
{
    RunCommand.Create(signals),
    StatusCommand.Create(),
};
return await CommandLine.Run(root, args);
