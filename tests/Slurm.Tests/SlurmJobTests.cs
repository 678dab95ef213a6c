using System.Text.RegularExpressions;
using Form3Actors.Testing;

namespace Form3Actors.Slurm.Tests;

/// <summary>
/// A real Slurm (slurm/local-cluster.sh: munged, slurmctld, three slurmd on this machine), the project's own
/// publish (slurm/setup.sh) and its own batch script, submitted through slurm/submit.sh exactly as a user would.
/// </summary>
public sealed partial class SlurmFixture : IAsyncLifetime
{
    public const int CorpusSize = 8_000;

    public string Root { get; } = Directory.CreateTempSubdirectory("form3-slurm-").FullName;
    public Dictionary<string, string> Environment { get; } = [];
    public GeneratedCorpus Corpus { get; private set; } = null!;
    public IReadOnlyDictionary<string, List<string>> CorpusReference { get; private set; } = null!;
    public IReadOnlyDictionary<string, List<string>> SampleReference { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var repo = TestData.RepoRoot;
        await Shell.Run("bash", [Path.Combine(repo, "slurm", "local-cluster.sh"), "up"], timeout: TimeSpan.FromMinutes(5));
        var env = await Shell.Run("bash", [Path.Combine(repo, "slurm", "local-cluster.sh"), "env"]);
        Environment["SLURM_CONF"] = ConfPath().Match(env).Groups[1].Value.Trim();
        // A self-contained ReadyToRun publish of both executables: about 80 s from clean on 2 idle cores.
        await Shell.Run("bash", [Path.Combine(repo, "slurm", "setup.sh")], timeout: TimeSpan.FromMinutes(10));

        // Every emulated node is this machine, whose name resolves to a loopback address: the job script's form3-address
        // picks its other address for every host. Small batches make a run last long enough to interrupt.
        var overrides = TestConfig.WriteInterruptible(Path.Combine(Root, "test.conf"), batchSize: 16, joinTimeoutSeconds: 90);
        Environment["FORM3_CONFIG"] = overrides;

        // Forms 3, 4 and 5 as EDGAR has them, taken whole: the jobs below run with AllForms.
        Corpus = CorpusGenerator.Generate(Path.Combine(Root, "corpus"), CorpusSize, seed: 5, mixed: true);
        CorpusReference = await EmbeddedReference(Corpus.InputCsv, "corpus-reference", AllForms);
        SampleReference = await EmbeddedReference(Path.Combine(repo, "data", "input", "form_3_10.csv"), "sample-reference");
    }

    /// <summary>The `run` options of the jobs over <see cref="Corpus"/>, after submit.sh's `--`.</summary>
    public static readonly string[] AllForms = ["--forms", "3,4,5"];

    async Task<IReadOnlyDictionary<string, List<string>>> EmbeddedReference(string input, string name, params string[] options)
    {
        var runDir = Path.Combine(Root, name);
        using var run = Form3Process.Start("form3-coordinator", name, Path.Combine(Root, "logs"), Environment, ["run", input, "--run-dir", runDir, .. options]);
        var code = await run.WaitForExitAsync(TimeSpan.FromMinutes(3));
        if (code != 0) throw new InvalidOperationException($"reference run failed:\n{run.Tail()}");
        return RunTables.Read(runDir);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    [GeneratedRegex("SLURM_CONF=(.*)")]
    private static partial Regex ConfPath();
}

public sealed partial class SlurmJobTests(SlurmFixture fixture) : IClassFixture<SlurmFixture>, IAsyncLifetime
{
    static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(4);

    string NewRunDir(string name) => Path.Combine(fixture.Root, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    async Task<string> Slurm(string command, params string[] args) => await Shell.Run(command, args, fixture.Environment);

    async Task<string> Submit(string input, string runDir, params string[] options)
    {
        var job = (await Shell.Run("bash", [Path.Combine(TestData.RepoRoot, "slurm", "submit.sh"), input, runDir, "--nodes", "2", "--cpus", "2",
            "--mem-node", "1G", "--mem-coordinator", "1G", "--time", "10:00", .. options], fixture.Environment)).Trim();
        // With --chain, submit.sh prints one job id per line: each must be cancelled on its own.
        _submitted.AddRange(job.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return job;
    }

    readonly List<string> _submitted = [];

    /// <summary>A failed test must not leave its job holding the nodes for the next one.</summary>
    public async Task DisposeAsync()
    {
        foreach (var job in _submitted) await Shell.TryRun("scancel", [job], fixture.Environment);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task<string> JobState(string job)
    {
        var (code, output, _) = await Shell.TryRun("scontrol", ["show", "job", job], fixture.Environment);
        return code == 0 ? State().Match(output).Groups[1].Value : "GONE";
    }

    async Task<string> WaitForEnd(string job, string runDir)
    {
        var deadline = DateTime.UtcNow + JobTimeout;
        while (DateTime.UtcNow < deadline)
        {
            var state = await JobState(job);
            if (state is "COMPLETED" or "FAILED" or "CANCELLED" or "TIMEOUT" or "NODE_FAIL" or "GONE") return state;
            await Task.Delay(250);
        }
        throw new TimeoutException($"job {job} still running after {JobTimeout}:\n{JobLog(runDir, job)}");
    }

    static string JobLog(string runDir, string job)
    {
        var path = Path.Combine(runDir, "logs", $"form3-{job}.out");
        return File.Exists(path) ? File.ReadAllText(path) : $"(no {path})";
    }

    async Task WaitForDone(string runDir, string job, int files) =>
        await RunTables.WaitForDone(runDir, files, async () => await JobState(job) is not ("RUNNING" or "PENDING" or "CONFIGURING"),
            () => JobLog(runDir, job), JobTimeout);

    [Fact]
    public async Task The_sample_data_gives_the_same_tables_as_the_embedded_run()
    {
        var runDir = NewRunDir("sample");
        var job = await Submit(Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv"), runDir);
        Assert.Equal("COMPLETED", await WaitForEnd(job, runDir));
        Assert.Null(RunTables.Difference(fixture.SampleReference, runDir));
        var log = JobLog(runDir, job);
        Assert.Contains($"form3 job {job} restart 0: coordinator on n", log);
        Assert.Contains("Run finished", log);
        Assert.Contains("mutual TLS pinned to this run's certificate", log);
        // The emulated nodes' name resolves to 127.0.0.1 only: the job advertises this machine's other address instead.
        var address = Regex.Match(log, @"coordinator on \S+ at (\S+),").Groups[1].Value;
        Assert.Matches(@"^\d+\.\d+\.\d+\.\d+$", address);
        Assert.False(address.StartsWith("127.", StringComparison.Ordinal), log);
        Assert.Contains($"Coordinator akka.ssl.tcp://form3@{address}:", log);
    }

    [Fact]
    public async Task A_requeued_job_resumes_from_the_journal_and_completes_exactly_once()
    {
        var runDir = NewRunDir("requeue");
        var job = await Submit(fixture.Corpus.InputCsv, runDir, ["--", .. SlurmFixture.AllForms]);
        await WaitForDone(runDir, job, SlurmFixture.CorpusSize / 4);
        await Slurm("scontrol", "requeue", job);
        // A requeued job waits on its BeginTime; start it now.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await JobState(job) != "PENDING" && DateTime.UtcNow < deadline) await Task.Delay(200);
        // Not in the same second: slurmd refuses a job whose credential is dated the second its previous attempt's was
        // revoked ("Job credential revoked"), which fails the job; a real cluster's BeginTime waits far longer.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await Slurm("scontrol", "update", $"JobId={job}", "StartTime=now");
        Assert.Equal("COMPLETED", await WaitForEnd(job, runDir));

        var log = JobLog(runDir, job);
        Assert.Contains($"form3 job {job} restart 1:", log);
        Assert.Contains("Stopping (SIGTERM)", log);
        var skipped = SkippedCount().Matches(log).Last();
        Assert.InRange(int.Parse(skipped.Groups[1].Value.Replace(",", "")), 1, SlurmFixture.CorpusSize - 1);
        Assert.Equal(1, RunTables.Manifest(runDir).GetProperty("slurmRestartCount").GetInt32());
        Assert.Null(RunTables.Difference(fixture.CorpusReference, runDir));
    }

    [Fact]
    public async Task Killing_one_node_step_leaves_the_work_to_the_other_node()
    {
        var runDir = NewRunDir("kill-step");
        var job = await Submit(fixture.Corpus.InputCsv, runDir, ["--", .. SlurmFixture.AllForms]);
        await WaitForDone(runDir, job, SlurmFixture.CorpusSize / 5);
        // A heterogeneous job's components have consecutive job ids; node steps run in component 1.
        string[] components = [job, (long.Parse(job) + 1).ToString()];
        var steps = await Slurm("squeue", "-h", "-s", "-o", "%i %j");
        var nodeStep = steps.Split('\n').Select(l => l.Trim().Split(' '))
            .First(s => s.Length == 2 && s[1] == "form3-node" && components.Contains(s[0].Split('.')[0]))[0];
        await Slurm("scancel", "--signal=KILL", nodeStep);
        // Completed with exactly the reference tables: whatever the killed node held was handed to the other one
        // (a batch held by a dead node would otherwise keep the run from ever finishing). Whether the coordinator logs
        // the node's removal depends on timing: a node killed between two batches may be removed after the run ends.
        Assert.Equal("COMPLETED", await WaitForEnd(job, runDir));
        Assert.Null(RunTables.Difference(fixture.CorpusReference, runDir));
    }

    [Fact]
    public async Task A_chained_follow_up_job_finishes_a_run_its_predecessor_left_unfinished()
    {
        var runDir = NewRunDir("chain");
        var jobs = await Submit(fixture.Corpus.InputCsv, runDir, ["--chain", "1", "--", .. SlurmFixture.AllForms]);
        var (first, second) = (jobs.Split('\n')[0].Trim(), jobs.Split('\n')[1].Trim());
        _submitted.Add(second);
        await WaitForDone(runDir, first, SlurmFixture.CorpusSize / 4);
        // The first job ends unfinished (as at a time limit); the follow-up, waiting on `afterany`, resumes the run.
        await Slurm("scancel", first);
        Assert.Equal("COMPLETED", await WaitForEnd(second, runDir));
        var log = JobLog(runDir, second);
        var skipped = SkippedCount().Matches(log).Last();
        Assert.InRange(int.Parse(skipped.Groups[1].Value.Replace(",", "")), 1, SlurmFixture.CorpusSize - 1);
        Assert.Null(RunTables.Difference(fixture.CorpusReference, runDir));
    }

    [GeneratedRegex(@"JobState=(\w+)")]
    private static partial Regex State();

    [GeneratedRegex(@"([\d,]+) already done by earlier runs \(skipped\)")]
    private static partial Regex SkippedCount();
}
