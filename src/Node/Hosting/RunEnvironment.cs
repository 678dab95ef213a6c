namespace Form3Actors.Node.Hosting;

/// <summary>Facts about where this process runs, read from Slurm's environment when there is one.</summary>
public static class RunEnvironment
{
    public static string? SlurmJobId => Environment.GetEnvironmentVariable("SLURM_JOB_ID");

    public static int SlurmRestartCount => int.TryParse(Environment.GetEnvironmentVariable("SLURM_RESTART_COUNT"), out var n) ? n : 0;

    /// <summary>CPUs this process may use: Slurm's allocation when present, else the machine's.</summary>
    public static int Cpus =>
        int.TryParse(Environment.GetEnvironmentVariable("SLURM_CPUS_PER_TASK"), out var n) && n > 0 ? n : Environment.ProcessorCount;
}
