namespace Form3Actors.Core.Hosting;

/// <summary>Facts about where this process runs, read from Slurm's environment when there is one.</summary>
/// <remarks>
/// The batch script exports FORM3_JOB_ID and FORM3_RESTART_COUNT from the job's leader so that both components of
/// the heterogeneous job agree on the attempt, whatever Slurm sets per component.
/// </remarks>
public static class RunEnvironment
{
    public static string? SlurmJobId => Variable("FORM3_JOB_ID") ?? Variable("SLURM_JOB_ID");

    public static int SlurmRestartCount => int.TryParse(Variable("FORM3_RESTART_COUNT") ?? Variable("SLURM_RESTART_COUNT"), out var n) ? n : 0;

    static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    /// <summary>CPUs this process may use: Slurm's allocation when present, else the machine's.</summary>
    public static int Cpus =>
        int.TryParse(Environment.GetEnvironmentVariable("SLURM_CPUS_PER_TASK"), out var n) && n > 0 ? n : Environment.ProcessorCount;
}
