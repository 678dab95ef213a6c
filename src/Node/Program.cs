using System.CommandLine;
using Form3Actors.Node.Commands;

var root = new RootCommand("Form3Actors node: joins a run's cluster and extracts the filings it pulls; also extracts one filing to debug it.")
{
    ExtractCommand.Create(),
};
return root.Parse(args).Invoke();
