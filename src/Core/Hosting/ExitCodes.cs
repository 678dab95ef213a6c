namespace Form3Actors.Core.Hosting;

/// <summary>
/// Exit codes of both executables, one meaning each, so that a job script can tell a finished run from one to
/// resume and from one to fix. The README lists them.
/// </summary>
public static class ExitCodes
{
    /// <summary>The run is finished and merged (run), or the node's part of it is done (join).</summary>
    public const int Finished = 0;

    /// <summary>Cannot go on: the message says why (busy run folder, journal, no node or no coordinator, a fault).</summary>
    public const int Failed = 1;

    /// <summary>Wrong command line, configuration or input: the message says what to fix.</summary>
    public const int BadUsage = 2;

    /// <summary>Stopped by SIGTERM or SIGINT; what was journaled stays, and the same command resumes.</summary>
    public const int Stopped = 3;

    /// <summary>join only: the coordinator went away while the node worked for it.</summary>
    public const int CoordinatorLost = 4;

    /// <summary>
    /// run only: finished and merged, but some files failed for reasons of the moment (I/O errors, timeouts, lost
    /// nodes) on every attempt; they are in ERRORS.csv as retries_exhausted, and the same command retries them.
    /// </summary>
    public const int FinishedWithRetries = 5;
}

/// <summary>Options that run and join share, defined once.</summary>
public static class CommonOptions
{
    public static System.CommandLine.Option<string> Host(string description) => new("--host") { Description = description, DefaultValueFactory = _ => "127.0.0.1" };

    public static System.CommandLine.Option<string?> BindHost() =>
        new("--bind-host") { Description = "Interface to listen on, when it is not the address others reach this host by (--host); 0.0.0.0 for every interface" };

    public static System.CommandLine.Option<int> Port(string description) => new("--port") { Description = description, DefaultValueFactory = _ => 0 };

    public static System.CommandLine.Option<bool> InsecureTransport(string description) => new("--insecure-transport") { Description = description };

    /// <summary>--forms: which ownership forms to take (3, 4, 5); a list it cannot read is a usage error saying why.</summary>
    public static System.CommandLine.Option<Extraction.FormSelection> Forms(Extraction.FormSelection defaultForms, string description) => new("--forms")
    {
        Description = description,
        DefaultValueFactory = _ => defaultForms,
        CustomParser = result =>
        {
            try
            {
                return Extraction.FormSelection.Parse(string.Join(",", result.Tokens.Select(t => t.Value)));
            }
            catch (FormatException e)
            {
                result.AddError($"--forms: {e.Message}");
                return defaultForms;
            }
        },
    };

    public static System.CommandLine.Option<bool> Verbose() =>
        new("--verbose") { Description = "Also log Akka's remoting and membership events, and stack traces (form3.verbose-logs)" };
}
