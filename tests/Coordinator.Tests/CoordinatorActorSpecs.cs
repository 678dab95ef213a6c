using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Form3Actors.Coordinator.Actors;
using Form3Actors.Coordinator.Hosting;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Hosting;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;
using Microsoft.Data.Sqlite;

namespace Form3Actors.Coordinator.Tests;

/// <summary>
/// The coordinator actor against a real SQLite journal file, with test probes as workers. Restart tests stop the
/// actor and start a new one on the same journal and persistence id, as a rerun or a requeued job does.
/// </summary>
public sealed class CoordinatorActorSpecs : Akka.TestKit.Xunit2.TestKit
{
    static readonly TempFolder Temp = new();
    readonly RunFolder _folder;

    public CoordinatorActorSpecs() : this(RunFolder.Create(Path.Combine(Temp.Path, Guid.NewGuid().ToString("N"))))
    {
    }

    CoordinatorActorSpecs(RunFolder folder) : base(ConfigFor(folder))
    {
        _folder = folder;
    }

    static Config ConfigFor(RunFolder folder) =>
        ConfigurationFactory.ParseString($"""
            akka.persistence.journal.sql.connection-string = "Data Source={folder.Journal}"
            akka.persistence.snapshot-store.sql.connection-string = "Data Source={folder.Journal}"
            akka.loglevel = WARNING
            """)
            .WithFallback(HoconFiles.Load("coordinator.conf", "node.conf", "shared.conf"))
            .WithFallback(SqlPersistence.DefaultConfiguration);

    CoordinatorSettings Settings(CheckpointSettings? checkpoint = null) =>
        CoordinatorSettings.From(Sys.Settings.Config) is var settings
            // The test files exist nowhere: a run of them all missing would be stopped as a mirror not mounted.
            ? settings with { ProgressInterval = TimeSpan.FromSeconds(30), Checkpoint = checkpoint ?? settings.Checkpoint, Missing = settings.Missing with { AllMissingStopAfter = 0 } }
            : throw new InvalidOperationException();

    (IActorRef Coordinator, Task<RunOutcome> Outcome) StartCoordinator(IReadOnlyList<InputFile> files, CoordinatorSettings? settings = null)
    {
        var outcome = new TaskCompletionSource<RunOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(settings ?? Settings(), new InputListing("test input", files, 0, 0, 0), _folder, outcome,
            TimeProvider.System, expectsExternalNodes: false));
        coordinator.Tell(new StartRun(Manifest.ReadIfAny(_folder.Results), ResultOutputs.CsvOnly));
        return (coordinator, outcome.Task);
    }

    void StopAndWait(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
    }

    static ReportBatchCompleted AllDone(AssignBatch batch, string worker = "probe") => Done(batch, Enumerable.Range(0, batch.Files.Count), worker);

    /// <summary>A report of the files at these positions, each with the version on disk (missing, for the test files that exist nowhere).</summary>
    static ReportBatchCompleted Done(AssignBatch batch, IEnumerable<int> positions, string worker = "probe", params FileFailure[] failed)
    {
        var done = new CompletedFiles.Builder(batch.Files.Count);
        foreach (var p in positions)
        {
            var version = FileVersion.Check(BatchFiles.FullPath(batch.Root, batch.Files.SourcePath(p)));
            done.Add(p, version.Size, version.ModifiedUtcTicks);
        }
        return new ReportBatchCompleted(batch.BatchId, worker, [], done.Build(), [.. failed]);
    }

    static IEnumerable<FileKey> Keys(AssignBatch batch) => Enumerable.Range(0, batch.Files.Count).Select(batch.Files.Key);

    long _requests;

    AssignBatch Take(Akka.TestKit.TestProbe worker, IActorRef coordinator, int max = 5)
    {
        worker.Send(coordinator, new RequestWork(worker.Ref.Path.Name, max, ++_requests));
        return worker.ExpectMsg<AssignBatch>(TimeSpan.FromSeconds(10));
    }

    object Ask(Akka.TestKit.TestProbe worker, IActorRef coordinator, int max = 100)
    {
        worker.Send(coordinator, new RequestWork(worker.Ref.Path.Name, max, ++_requests));
        return worker.ExpectMsg<object>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Hands_out_batches_on_request_and_finishes_when_all_are_journaled()
    {
        var (coordinator, outcome) = StartCoordinator(TestFiles.Many(8));
        var worker = CreateTestProbe("worker");
        var seen = new HashSet<FileKey>();
        while (seen.Count < 8)
        {
            var batch = Take(worker, coordinator, max: 3);
            Assert.InRange(batch.Files.Count, 1, 3);
            Assert.All(Keys(batch), key => Assert.True(seen.Add(key), "a file was handed out twice"));
            worker.Send(coordinator, AllDone(batch));
            worker.ExpectMsg<BatchAccepted>(b => b.BatchId == batch.BatchId);
        }
        var completed = Assert.IsType<RunOutcome.Completed>(await outcome.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(8, completed.Manifest.Input.Processed);
        worker.ExpectMsg<RunFinished>();
        Assert.True(File.Exists(Path.Combine(_folder.Results, "SUBMISSION.csv")));
    }

    [Fact]
    public void Says_no_work_yet_while_the_rest_is_in_flight()
    {
        var (coordinator, _) = StartCoordinator(TestFiles.Many(2));
        var first = CreateTestProbe("first");
        var second = CreateTestProbe("second");
        Take(first, coordinator, max: 10);
        Assert.True(first.LastMessage is AssignBatch { Files.Count: >= 1 });
        var remaining = 2 - ((AssignBatch)first.LastMessage).Files.Count;
        if (remaining > 0) Take(second, coordinator, max: 10);
        second.Send(coordinator, new RequestWork("second", 10, 99));
        Assert.Equal(99, second.ExpectMsg<NoWorkYet>().RequestId);
    }

    [Fact]
    public void Completed_files_are_not_reassigned_after_restart()
    {
        var files = TestFiles.Many(10);
        var (coordinator, _) = StartCoordinator(files);
        var worker = CreateTestProbe("w");
        var done = Take(worker, coordinator, max: 4);
        worker.Send(coordinator, AllDone(done));
        worker.ExpectMsg<BatchAccepted>();
        StopAndWait(coordinator);

        var (restarted, _) = StartCoordinator(files);
        var again = new List<FileKey>();
        for (var i = 0; i < 3; i++)
        {
            again.AddRange(Keys(Take(worker, restarted, max: 100)));
            if (again.Count >= 6) break;
        }
        Assert.Equal(6, again.Count);
        Assert.Empty(again.Intersect(Keys(done)));
    }

    [Fact]
    public void Files_assigned_to_a_worker_that_died_go_to_another_worker()
    {
        var (coordinator, _) = StartCoordinator(TestFiles.Many(3));
        var doomed = CreateTestProbe("doomed");
        var batch = Take(doomed, coordinator, max: 10);
        StopAndWait(doomed.Ref);

        var survivor = CreateTestProbe("survivor");
        var retried = new List<(FileKey Key, int Attempt)>();
        AwaitAssert(() =>
        {
            if (Ask(survivor, coordinator, 10) is AssignBatch b) retried.AddRange(Enumerable.Range(0, b.Files.Count).Select(p => (b.Files.Key(p), b.Files.Attempt(p))));
            Assert.Equal(batch.Files.Count, retried.Count);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        Assert.Equal(Keys(batch).Order(), retried.Select(f => f.Key).Order());
        Assert.All(retried, f => Assert.Equal(2, f.Attempt));
    }

    [Fact]
    public async Task A_file_that_keeps_failing_is_isolated_then_quarantined_while_its_batch_mates_complete()
    {
        var files = TestFiles.Many(3);
        var (coordinator, outcome) = StartCoordinator(files);
        var worker = CreateTestProbe("w");
        var failing = files[0].Key;
        var batchesWithTheFailingFile = new List<int>();
        while (!outcome.IsCompleted)
        {
            if (Ask(worker, coordinator, 10) is not AssignBatch batch) continue;
            var at = Keys(batch).ToList().IndexOf(failing);
            if (at >= 0) batchesWithTheFailingFile.Add(batch.Files.Count);
            Assert.All(Enumerable.Range(0, batch.Files.Count).Where(p => p != at), p => Assert.Equal(1, batch.Files.Attempt(p)));
            worker.Send(coordinator, Done(batch, Enumerable.Range(0, batch.Files.Count).Where(p => p != at), "w",
                at >= 0 ? [new FileFailure(at, FailureKind.IoError, "stale NFS handle")] : []));
            worker.ExpectMsg<BatchAccepted>();
        }
        var completed = Assert.IsType<RunOutcome.Completed>(await outcome.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(3, batchesWithTheFailingFile.Count);
        Assert.Equal(1, batchesWithTheFailingFile[^1]); // the third try travels alone
        Assert.Equal(1, completed.Manifest.ErrorsByKind[ErrorKind.RetriesExhausted]);
        var errors = File.ReadAllLines(Path.Combine(_folder.Results, "ERRORS.csv"));
        Assert.StartsWith("1.txt,process,retries_exhausted,gave up after 3 attempts; last failure (io_error): stale NFS handle,3", errors[1]);
    }

    [Fact]
    public async Task A_journal_that_outgrew_its_files_is_checkpointed_and_recovery_reads_only_the_checkpoint_and_what_came_after()
    {
        var files = RealFiles(6);
        var compact = Settings(new CheckpointSettings(WhenJournalExceeds: 1.5, MinFiles: 0, PartFiles: 4));
        await RunToEnd(files, compact);
        Assert.Equal(0L, CountRows("journal", $"deleted = 0 AND manifest = 'event.checkpoint.v1'"));
        foreach (var file in files) File.AppendAllText(file.Path, " amended"); // every file changed: done again, twelve events for six files
        await RunToEnd(files, compact);
        // The checkpoint's three parts (six files in two, the one batch that holds their rows) are all that is left of the journal.
        Assert.Equal(3L, CountRows("journal", "deleted = 0 AND manifest = 'event.checkpoint.v1'"));
        AwaitAssert(() => Assert.Equal(0L, CountRows("journal", "deleted = 0 AND manifest <> 'event.checkpoint.v1'")), TimeSpan.FromSeconds(5));

        File.AppendAllText(files[0].Path, " again");
        var third = await RunToEnd(files, compact);
        Assert.Equal((1, 5), (third.Input.Processed, third.Input.AlreadyDone)); // recovered from the checkpoint alone
    }

    /// <summary>Files that exist, so that a rerun's checks find them as the journal left them.</summary>
    List<InputFile> RealFiles(int count)
    {
        var input = Directory.CreateDirectory(Path.Combine(_folder.Root, "input")).FullName;
        return [.. Enumerable.Range(1, count).Select(i =>
        {
            File.WriteAllText(Path.Combine(input, $"{i}.txt"), "filing");
            return new InputFile(FileKey.Of(Path.Combine(input, $"{i}.txt")), input, $"{i}.txt");
        })];
    }

    /// <summary>Runs the coordinator over <paramref name="files"/> to its end, a probe doing every batch, then stops it.</summary>
    async Task<Manifest> RunToEnd(IReadOnlyList<InputFile> files, CoordinatorSettings? settings = null)
    {
        var (coordinator, outcome) = StartCoordinator(files, settings);
        var worker = CreateTestProbe();
        while (!outcome.IsCompleted)
        {
            if (Ask(worker, coordinator) is not AssignBatch batch) continue;
            worker.Send(coordinator, AllDone(batch));
            worker.ExpectMsg<BatchAccepted>();
        }
        var completed = Assert.IsType<RunOutcome.Completed>(await outcome.WaitAsync(TimeSpan.FromSeconds(20)));
        StopAndWait(coordinator);
        return completed.Manifest;
    }

    [Fact]
    public async Task A_rerun_with_nothing_changed_keeps_the_tables_and_any_change_merges_them_again()
    {
        // Real files: a rerun checks the versions of what the journal finished on disk.
        var files = RealFiles(4);
        var table = Path.Combine(_folder.Results, "SUBMISSION.csv");
        var first = await RunToEnd(files);
        var written = File.GetLastWriteTimeUtc(table);
        var manifestText = File.ReadAllText(Path.Combine(_folder.Results, Manifest.FileName));
        Assert.NotEqual("", first.InputFingerprint);

        var same = await RunToEnd(files);
        Assert.Equal(first.StartedAt, same.StartedAt); // the earlier run's manifest, not a new one
        Assert.Equal(written, File.GetLastWriteTimeUtc(table));
        Assert.Equal(manifestText, File.ReadAllText(Path.Combine(_folder.Results, Manifest.FileName)));

        // A changed file is processed and the tables are merged again.
        File.AppendAllText(files[0].Path, " amended");
        var changed = await RunToEnd(files);
        Assert.Equal(1, changed.Input.Processed);
        Assert.True(changed.JournalSequenceNr > first.JournalSequenceNr);
        Assert.NotEqual(written, File.GetLastWriteTimeUtc(table));

        // A shorter list journals nothing, yet its tables differ: merged again.
        var shorter = await RunToEnd(files.Skip(1).ToList());
        Assert.Equal((3, 0), (shorter.Input.Listed, shorter.Input.Processed));
        Assert.Equal(changed.JournalSequenceNr, shorter.JournalSequenceNr);
        Assert.NotEqual(changed.InputFingerprint, shorter.InputFingerprint);

        // Tables deleted by hand are merged again.
        File.Delete(table);
        await RunToEnd(files.Skip(1).ToList());
        Assert.True(File.Exists(table));
    }

    [Fact]
    public async Task Stop_ends_the_run_with_its_progress()
    {
        var (coordinator, outcome) = StartCoordinator(TestFiles.Many(5));
        var worker = CreateTestProbe("w");
        Take(worker, coordinator, max: 2);
        coordinator.Tell(new StopRun("SIGTERM"));
        var stopped = Assert.IsType<RunOutcome.Stopped>(await outcome.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal((0, 5), (stopped.Done, stopped.Total));
        Assert.Equal("stopped", StatusFile.Read(_folder.Root)!.Phase);
    }

    long CountRows(string table, string where = "1 = 1")
    {
        using var connection = new SqliteConnection($"Data Source={_folder.Journal}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table} WHERE {where}";
        return (long)command.ExecuteScalar()!;
    }
}
