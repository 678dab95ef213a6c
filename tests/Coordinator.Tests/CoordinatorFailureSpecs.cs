using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using Form3Actors.Coordinator.Actors;
using Form3Actors.Coordinator.Hosting;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.State;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Tests;

/// <summary>
/// Whatever goes wrong inside the coordinator, the run ends with a reason: a failed or refused journal write (the
/// persistence test kit's journal, with failure injection) and a handler that throws. Before, each left the
/// command waiting for ever.
/// </summary>
public sealed class CoordinatorFailureSpecs : Akka.TestKit.Xunit2.TestKit
{
    static readonly TempFolder Temp = new();
    readonly RunFolder _folder = RunFolder.Create(Path.Combine(Temp.Path, Guid.NewGuid().ToString("N")));

    public CoordinatorFailureSpecs() : base(ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.persistence.journal.plugin = "akka.persistence.journal.test"
        akka.persistence.journal.test { class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.test"
        akka.persistence.snapshot-store.test { class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
        """).WithFallback(HoconFiles.Load("coordinator.conf", "node.conf", "shared.conf")))
    {
    }

    ITestJournal Journal => TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor(null));

    (IActorRef Coordinator, Task<RunOutcome> Outcome) StartCoordinator(int files, TimeProvider? clock = null,
        Func<CoordinatorSettings, CoordinatorSettings>? adjust = null, bool externalNodes = false)
    {
        var outcome = new TaskCompletionSource<RunOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var settings = CoordinatorSettings.From(Sys.Settings.Config) with { ProgressInterval = TimeSpan.FromSeconds(30) };
        settings = adjust?.Invoke(settings) ?? settings;
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(settings, new InputListing("test input", TestFiles.Many(files), 0, 0, 0), _folder, outcome,
            clock ?? TimeProvider.System, externalNodes), CoordinatorActor.Name);
        coordinator.Tell(new StartRun(null, Form3Actors.Coordinator.Output.ResultOutputs.CsvOnly));
        return (coordinator, outcome.Task);
    }

    long _requests;

    (AssignBatch Batch, Akka.TestKit.TestProbe Worker) TakeBatch(IActorRef coordinator)
    {
        var worker = CreateTestProbe();
        worker.Send(coordinator, new RequestWork("worker", 10, ++_requests));
        return (worker.ExpectMsg<AssignBatch>(TimeSpan.FromSeconds(10)), worker);
    }

    static ReportBatchCompleted AllDone(AssignBatch batch) =>
        new(batch.BatchId, "worker", [], new CompletedFiles([.. Enumerable.Range(0, batch.Files.Count)], [.. Enumerable.Repeat(100L, batch.Files.Count)],
            [.. Enumerable.Repeat(1L, batch.Files.Count)]), []);

    static IEnumerable<Messages.FileKey> Keys(AssignBatch batch) => Enumerable.Range(0, batch.Files.Count).Select(batch.Files.Key);

    [Fact]
    public async Task A_run_whose_every_node_left_midway_ends_after_the_node_deadline_with_that_reason()
    {
        var (coordinator, outcome) = StartCoordinator(40, adjust: s => s with { NodeJoinTimeout = TimeSpan.FromSeconds(1) }, externalNodes: true);
        var (_, worker) = TakeBatch(coordinator);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // longer than the deadline: a node is connected, so nothing ends
        Assert.False(outcome.IsCompleted);
        Sys.Stop(worker.Ref);

        var failed = Assert.IsType<RunOutcome.Failed>(await outcome.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("every node left and none came back within 1 s", failed.Reason);
    }

    [Fact]
    public async Task A_batch_whose_lease_runs_out_goes_to_the_next_worker_and_a_renewed_one_does_not()
    {
        var (coordinator, _) = StartCoordinator(20, adjust: s => s with
        {
            Queue = s.Queue with { BatchSize = 10, MinBatchSize = 10, BatchLease = TimeSpan.FromSeconds(1) },
            LeaseCheckInterval = TimeSpan.FromMilliseconds(200),
        });
        var (lost, _) = TakeBatch(coordinator); // its worker never renews: as if the assignment were lost
        var (renewed, renewer) = TakeBatch(coordinator);
        var other = CreateTestProbe();
        for (var i = 0; i < 10; i++)
        {
            renewer.Send(coordinator, new RenewLeases("worker", [renewed.BatchId]));
            await Task.Delay(200);
        }
        other.Send(coordinator, new RequestWork("other", 10, RequestId: 1));
        var again = other.ExpectMsg<AssignBatch>(TimeSpan.FromSeconds(5));
        Assert.Equal(Keys(lost), Keys(again));
        Assert.All(Enumerable.Range(0, again.Files.Count), p => Assert.Equal(2, again.Files.Attempt(p)));
        other.Send(coordinator, new RequestWork("other", 10, RequestId: 2));
        other.ExpectMsg<NoWorkYet>(TimeSpan.FromSeconds(5)); // the renewed batch stays with its worker
    }

    [Fact]
    public async Task A_repeated_report_is_acknowledged_only_once_the_first_one_is_durable()
    {
        var (coordinator, _) = StartCoordinator(4);
        var (batch, worker) = TakeBatch(coordinator);
        await Journal.OnWrite.PassWithDelay(TimeSpan.FromSeconds(1.5));
        worker.Send(coordinator, AllDone(batch));
        worker.Send(coordinator, AllDone(batch)); // sent again while the first is being written
        worker.ExpectNoMsg(TimeSpan.FromSeconds(1));
        Assert.Equal(batch.BatchId, worker.ExpectMsg<BatchAccepted>(TimeSpan.FromSeconds(5)).BatchId);
        Assert.Equal(batch.BatchId, worker.ExpectMsg<BatchAccepted>(TimeSpan.FromSeconds(5)).BatchId);
    }

    [Fact]
    public async Task A_journal_write_that_fails_ends_the_run_with_a_message_that_says_what_to_do()
    {
        var (coordinator, outcome) = StartCoordinator(4);
        var (batch, worker) = TakeBatch(coordinator);
        await Journal.OnWrite.Fail();
        worker.Send(coordinator, AllDone(batch));

        var failed = Assert.IsType<RunOutcome.Failed>(await outcome.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("could not be written", failed.Reason);
        Assert.Contains("run the same command again", failed.Reason);
        worker.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // never acknowledged: the batch was not journaled
    }

    [Fact]
    public async Task A_journal_write_that_is_rejected_ends_the_run()
    {
        var (coordinator, outcome) = StartCoordinator(4);
        var (batch, worker) = TakeBatch(coordinator);
        await Journal.OnWrite.Reject();
        worker.Send(coordinator, AllDone(batch));

        var failed = Assert.IsType<RunOutcome.Failed>(await outcome.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("refused an event", failed.Reason);
    }

    [Fact]
    public async Task A_handler_that_throws_stops_the_coordinator_and_ends_the_run_with_the_reason()
    {
        var clock = new FailingClock();
        var (coordinator, outcome) = StartCoordinator(4, clock);
        var (batch, worker) = TakeBatch(coordinator);
        Watch(coordinator);
        clock.FailFromNowOn = true;
        worker.Send(coordinator, AllDone(batch));

        var failed = Assert.IsType<RunOutcome.Failed>(await outcome.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("failed while handling ReportBatchCompleted", failed.Reason);
        Assert.Contains("clock broke", failed.Reason);
        ExpectTerminated(coordinator); // stopped, not restarted into a coordinator that has forgotten its run
    }

    /// <summary>A clock that throws once told to: a fault inside a handler, where the coordinator stamps an event.</summary>
    sealed class FailingClock : TimeProvider
    {
        public volatile bool FailFromNowOn;

        public override DateTimeOffset GetUtcNow() => FailFromNowOn ? throw new InvalidOperationException("clock broke") : base.GetUtcNow();
    }
}
