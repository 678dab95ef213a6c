namespace Form3Actors.Core.Hosting;

/// <summary>
/// The layout of a run folder. Everything a run needs to resume lives here, so it must be on storage that a
/// requeued job can reach again (a shared file system on a cluster).
/// </summary>
public sealed record RunFolder(string Root)
{
    /// <summary>The coordinator actor's name: nodes find it at /user/coordinator on the coordinator's address.</summary>
    public const string CoordinatorActorName = "coordinator";

    /// <summary>Where nodes find the coordinator actor of the run.</summary>
    public static Akka.Actor.ActorPath CoordinatorPath(Akka.Actor.Address coordinator) => new Akka.Actor.RootActorPath(coordinator) / "user" / CoordinatorActorName;

    /// <summary>The SQLite journal and snapshot store; opened by the coordinator only.</summary>
    public string Journal => Path.Combine(Root, "journal.db");

    /// <summary>Workers' part files: rows appended batch by batch, merged into the results at the end.</summary>
    public string Parts => Path.Combine(Root, "parts");

    /// <summary>The final tables, ERRORS.csv and manifest.json.</summary>
    public string Results => Path.Combine(Root, "results");

    /// <summary>Held (locked) by the running coordinator; names its host, pid and Slurm job.</summary>
    public string Lock => Path.Combine(Root, "coordinator.lock");

    /// <summary>Creates the folder if new, readable by its owner only: runs may hold licensed or embargoed data.</summary>
    public static RunFolder Create(string root)
    {
        var folder = new RunFolder(Path.GetFullPath(root));
        if (!Directory.Exists(folder.Root))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder.Root);
            else Directory.CreateDirectory(folder.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Directory.CreateDirectory(folder.Parts);
        return folder;
    }
}
