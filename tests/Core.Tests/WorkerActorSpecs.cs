using Akka.Actor;
using Akka.TestKit;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;
using Form3Actors.Core.Work;
using Form3Actors.Messages;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Testing;

namespace Form3Actors.Core.Tests;

/// <summary>
/// A worker against a test probe standing in for the coordinator: the two silent faults it must survive, a report
/// lost on the way and a read that never returns (a FIFO, a hung network mount).
/// </summary>
public sealed class WorkerActorSpecs : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    readonly string _parts = Directory.CreateTempSubdirectory("form3-worker-").FullName;
    readonly ManualResetEventSlim _release = new();
    readonly List<FileFetcher> _fetchers = [];

    public WorkerActorSpecs() : base("akka.loglevel = WARNING")
    {
    }

    WorkerSettings Settings(TimeSpan fileDeadline, TimeSpan resend, int readsInFlight = 4, TimeSpan? requestResend = null, TimeSpan? leaseRenew = null) =>
        new(MaxFileBytes: 1 << 24, FirstRequestSize: 10, MaxRequestSize: 100, BatchTime: TimeSpan.FromSeconds(1), readsInFlight, InlineReadsUnder: TimeSpan.Zero,
            NoWorkRetry: TimeSpan.FromSeconds(30), fileDeadline, resend, requestResend ?? TimeSpan.FromSeconds(30), leaseRenew ?? TimeSpan.FromSeconds(30), _parts);

    /// <summary>The node's reads, from real files unless a test gives another source.</summary>
    FileFetcher Fetcher(IFilingSource? source = null, int readers = 4)
    {
        var fetcher = new FileFetcher(source ?? new FilingReader(1 << 24), readers);
        _fetchers.Add(fetcher);
        return fetcher;
    }

    /// <summary>An assignment of these files (absolute paths, so the batch's root is /), each on its first attempt.</summary>
    static AssignBatch Batch(long id, (int Key, string Path)[] files, long requestId = 0)
    {
        var paths = files.Select(f => System.Text.Encoding.UTF8.GetBytes(f.Path)).ToList();
        var ends = new int[files.Length];
        for (var i = 0; i < files.Length; i++) ends[i] = (i == 0 ? 0 : ends[i - 1]) + paths[i].Length;
        return new AssignBatch(id, requestId, "3", "/", new BatchFiles([.. files.Select(f => Key(f.Key))], [.. paths.SelectMany(p => p)], ends,
            [.. files.Select(_ => (byte)1)]));
    }

    static FileKey Key(int n) => new((UInt128)n);

    /// <summary>The keys of the completed files of a report, by their positions in <paramref name="batch"/>.</summary>
    static IEnumerable<FileKey> CompletedKeys(ReportBatchCompleted report, AssignBatch batch) =>
        Enumerable.Range(0, report.Completed.Count).Select(i => batch.Files.Key(report.Completed.Position(i)));

    static readonly string Joint = TestData.Real("form3-SNOW-berkshire-buffett-jointfilers.xml");
    static readonly string NoSecurities = TestData.Real("form3-SPWR-hegde-vinayak-nosecurities.xml");

    [Fact]
    public void A_report_that_is_lost_is_sent_again_until_the_coordinator_accepts_it()
    {
        var coordinator = CreateTestProbe("coordinator");
        coordinator.IgnoreMessages<RequestWork>();
        var worker = Sys.ActorOf(WorkerActor.Props(coordinator.Ref, Settings(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(300)), "w1", Fetcher()));
        var batch = Batch(7, [(1, Joint)]);
        worker.Tell(batch, coordinator.Ref);

        var first = coordinator.ExpectMsg<ReportBatchCompleted>(TimeSpan.FromSeconds(10));
        // Lost: no BatchAccepted. The worker sends the same report again.
        var again = coordinator.ExpectMsg<ReportBatchCompleted>(TimeSpan.FromSeconds(5));
        Assert.Equal(7L, again.BatchId);
        Assert.Equal([Key(1)], CompletedKeys(again, batch));
        Assert.Equal(new FileInfo(Joint).Length, again.Completed.Size(0)); // the version read, for the journal
        Assert.Equal(first.Segments.AsEnumerable(), again.Segments.AsEnumerable());

        worker.Tell(new BatchAccepted(7), coordinator.Ref);
        coordinator.ExpectNoMsg(TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public void A_file_whose_read_never_returns_is_abandoned_and_its_batch_mates_are_given_back()
    {
        var coordinator = CreateTestProbe("coordinator");
        coordinator.IgnoreMessages<RequestWork>();
        var stuckPath = Path.Combine(_parts, "on-a-hung-mount.txt");
        var worker = Sys.ActorOf(WorkerActor.Props(coordinator.Ref, Settings(TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(30)), "w2",
            Fetcher(new HangingSource(stuckPath, _release, new FilingReader(1 << 24)))));

        worker.Tell(Batch(1, [(1, Joint), (2, stuckPath), (3, NoSecurities)]), coordinator.Ref);
        var abandoned = coordinator.ExpectMsg<ReportBatchCompleted>(TimeSpan.FromSeconds(10));
        Assert.Equal(0, abandoned.Completed.Count);
        Assert.Empty(abandoned.Segments);
        Assert.Equal([(0, FailureKind.Abandoned), (1, FailureKind.Timeout), (2, FailureKind.Abandoned)], abandoned.Failed.Select(f => (f.Position, f.Kind)).Order());
        worker.Tell(new BatchAccepted(1), coordinator.Ref);

        // The worker carries on at once with the batch-mates, in a part file of its own.
        var mates = Batch(2, [(1, Joint), (3, NoSecurities)]);
        worker.Tell(mates, coordinator.Ref);
        var done = coordinator.ExpectMsg<ReportBatchCompleted>(TimeSpan.FromSeconds(10));
        Assert.Equal([Key(1), Key(3)], CompletedKeys(done, mates).Order());
        Assert.All(done.Segments, s => Assert.Equal("w2-g1" + PartFormat.Extension, s.PartFile));

        // When the stuck read finally returns, the abandoned batch adds nothing anywhere.
        _release.Set();
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, new FileInfo(Path.Combine(_parts, "w2" + PartFormat.Extension)).Length);
    }

    [Fact]
    public void A_worker_asks_for_its_next_batch_while_the_current_one_runs_and_holds_at_most_one_in_reserve()
    {
        var coordinator = CreateTestProbe("coordinator");
        var slowPath = Path.Combine(_parts, "slow.txt");
        var worker = Sys.ActorOf(WorkerActor.Props(coordinator.Ref, Settings(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), "w3",
            Fetcher(new HangingSource(slowPath, _release, new FilingReader(1 << 24)))));
        coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5));
        coordinator.Reply(Batch(1, [(1, slowPath)], coordinator.LastMessage is RequestWork r1 ? r1.RequestId : 0));

        // Batch 1 is still reading, and the worker already asks for the next one.
        coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5));
        coordinator.Reply(Batch(2, [(2, Joint)], ((RequestWork)coordinator.LastMessage).RequestId));
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(500)); // one in reserve is enough: no third request, no report yet

        _release.Set();
        Assert.Equal(1L, coordinator.ExpectMsg<ReportBatchCompleted>(TimeSpan.FromSeconds(10)).BatchId);
        worker.Tell(new BatchAccepted(1), coordinator.Ref);
        // Batch 2 starts from the reserve at once, and its start asks for the next.
        var third = coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5));
        Assert.Equal(2L, coordinator.ExpectMsg<ReportBatchCompleted>(TimeSpan.FromSeconds(10)).BatchId);
        coordinator.Reply(Batch(3, [(3, NoSecurities)], third.RequestId));
        coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5)); // asked as batch 3 starts, before it ends
        Assert.Equal(3L, coordinator.ExpectMsg<ReportBatchCompleted>(TimeSpan.FromSeconds(10)).BatchId);
    }

    [Fact]
    public void A_request_without_an_answer_is_sent_again_with_its_id_and_a_repeated_assignment_is_done_once()
    {
        var coordinator = CreateTestProbe("coordinator");
        var worker = Sys.ActorOf(WorkerActor.Props(coordinator.Ref, Settings(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30),
            requestResend: TimeSpan.FromMilliseconds(300)), "w5", Fetcher()));
        var first = coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5));
        // The answer is lost: the same request comes again, same id.
        var again = coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5));
        Assert.Equal(first, again);

        // Both answers arrive (the first was only late): the batch is done once, and the next request has a new id.
        coordinator.Reply(Batch(4, [(1, Joint)], first.RequestId));
        coordinator.Reply(Batch(4, [(1, Joint)], first.RequestId));
        var next = coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5));
        Assert.True(next.RequestId > first.RequestId);
        var report = coordinator.ExpectMsg<ReportBatchCompleted>(TimeSpan.FromSeconds(10));
        Assert.Equal(4L, report.BatchId);
        coordinator.Reply(new BatchAccepted(4));
        var later = coordinator.ReceiveWhile(TimeSpan.FromSeconds(1), m => m);
        Assert.DoesNotContain(later, m => m is ReportBatchCompleted);
        Assert.Equal(report.Segments.Sum(seg => seg.Length), new FileInfo(Path.Combine(_parts, "w5" + PartFormat.Extension)).Length); // written once
    }

    [Fact]
    public void A_worker_renews_the_leases_of_the_batches_it_holds_and_only_while_it_holds_them()
    {
        var coordinator = CreateTestProbe("coordinator");
        coordinator.IgnoreMessages<RequestWork>();
        var slowPath = Path.Combine(_parts, "slow.txt");
        var worker = Sys.ActorOf(WorkerActor.Props(coordinator.Ref, Settings(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30),
            leaseRenew: TimeSpan.FromMilliseconds(200)), "w6", Fetcher(new HangingSource(slowPath, _release, new FilingReader(1 << 24)))));
        worker.Tell(Batch(1, [(1, slowPath)]), coordinator.Ref);
        worker.Tell(Batch(2, [(2, Joint)]), coordinator.Ref);
        var renew = coordinator.ExpectMsg<RenewLeases>(TimeSpan.FromSeconds(5));
        Assert.Equal([1L, 2L], renew.BatchIds.ToArray());
        Assert.Equal([1L, 2L], coordinator.ExpectMsg<RenewLeases>(TimeSpan.FromSeconds(5)).BatchIds.ToArray()); // again while it works

        _release.Set();
        coordinator.FishForMessage(m => m is ReportBatchCompleted { BatchId: 2 }, TimeSpan.FromSeconds(10));
        coordinator.IgnoreMessages<ReportBatchCompleted>();
        coordinator.ExpectNoMsg(TimeSpan.FromSeconds(1)); // holds nothing: renews nothing
    }

    [Fact]
    public async Task A_worker_that_fails_is_stopped_not_restarted_so_that_its_stopping_is_seen()
    {
        var coordinator = CreateTestProbe("coordinator");
        coordinator.IgnoreMessages<RequestWork>();
        var finished = new TaskCompletionSource<bool>();
        var pool = Sys.ActorOf(WorkerPool.Props(coordinator.Ref, Settings(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), 1, "n1", finished));
        IActorRef? worker = null;
        await AwaitAssertAsync(async () => worker = await Sys.ActorSelection(pool.Path / "w1").ResolveOne(TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(5));
        Watch(worker!);
        worker!.Tell(new AssignBatch(1, 0, "3", "/", null!), coordinator.Ref); // an assignment our own code cannot handle
        ExpectTerminated(worker!, TimeSpan.FromSeconds(10));
        Assert.False(await finished.Task.WaitAsync(TimeSpan.FromSeconds(10))); // the pool stopped with its last worker, not as finished
    }

    [Fact]
    public void A_batch_keeps_many_reads_in_flight_on_threads_outside_the_thread_pool()
    {
        // Every read waits until eight are under way at once, as on slow storage: one read at a time would never finish.
        var coordinator = CreateTestProbe("coordinator");
        coordinator.IgnoreMessages<RequestWork>();
        var source = new ConcurrentSource(8, new FilingReader(1 << 24));
        var worker = Sys.ActorOf(WorkerActor.Props(coordinator.Ref, Settings(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), readsInFlight: 8), "w4",
            Fetcher(source, readers: 8)));
        var batch = Batch(1, [.. Enumerable.Range(1, 12).Select(i => (i, i % 2 == 0 ? Joint : NoSecurities))]);
        worker.Tell(batch, coordinator.Ref);

        var report = coordinator.ExpectMsg<ReportBatchCompleted>(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, 12).Select(Key), CompletedKeys(report, batch));
        Assert.True(source.MostAtOnce >= 8, $"at most {source.MostAtOnce} reads were in flight at once");
        Assert.False(source.OnThreadPool, "a read ran on the thread pool the actor system uses");
    }

    [Fact]
    public void An_answer_to_a_request_already_answered_leaves_the_pending_request_and_its_resending_alone()
    {
        var coordinator = CreateTestProbe("coordinator");
        var worker = Sys.ActorOf(WorkerActor.Props(coordinator.Ref, Settings(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30),
            requestResend: TimeSpan.FromMilliseconds(300)), "w7", Fetcher()));
        var asked = coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5));
        coordinator.Reply(new NoWorkYet(asked.RequestId - 1)); // a stale answer, to an earlier request
        Assert.Equal(asked, coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5))); // still asked for, sent again
        coordinator.Reply(new NoWorkYet(asked.RequestId));
        coordinator.ExpectNoMsg(TimeSpan.FromSeconds(1)); // answered: no more resending (it asks again after no-work-retry)
    }

    [Fact]
    public void A_node_whose_reads_all_hang_stops_asking_for_work_until_one_returns()
    {
        var coordinator = CreateTestProbe("coordinator");
        var first = Path.Combine(_parts, "hung-1.txt");
        var source = new HangingSource(first, _release, new FilingReader(1 << 24));
        var worker = Sys.ActorOf(WorkerActor.Props(coordinator.Ref, Settings(TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(30), readsInFlight: 1), "w8",
            Fetcher(source, readers: 1)));
        var asked = coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5));
        coordinator.Reply(Batch(1, [(1, first)], asked.RequestId));
        coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5)); // asked as the batch started
        coordinator.Reply(new NoWorkYet(((RequestWork)coordinator.LastMessage!).RequestId));
        Assert.Single(coordinator.ExpectMsg<ReportBatchCompleted>(TimeSpan.FromSeconds(5)).Failed, f => f.Kind == FailureKind.Timeout);
        // Its only read thread is stuck past the deadline: asking for more would queue work behind it.
        coordinator.IgnoreMessages<ReportBatchCompleted>();
        coordinator.ExpectNoMsg(TimeSpan.FromSeconds(1.5));
        _release.Set();
        coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(5)); // it came back: the worker asks again
    }

    /// <summary>Real reads that each wait (up to a few seconds) until <c>together</c> reads have started, counting how many overlap.</summary>
    sealed class ConcurrentSource(int together, IFilingSource real) : IFilingSource
    {
        readonly CountdownEvent _started = new(together);
        int _now;
        int _most;

        public int MostAtOnce => Volatile.Read(ref _most);
        public bool OnThreadPool { get; private set; }

        public FileRead Read(string path)
        {
            OnThreadPool |= Thread.CurrentThread.IsThreadPoolThread;
            var now = Interlocked.Increment(ref _now);
            for (var most = _most; now > most; most = _most) Interlocked.CompareExchange(ref _most, now, most);
            if (!_started.IsSet) _started.Signal();
            _started.Wait(TimeSpan.FromSeconds(5));
            Interlocked.Decrement(ref _now);
            return real.Read(path);
        }
    }

    /// <summary>Reads real files, except one path whose read blocks until the test releases it, as on a hung mount.</summary>
    sealed class HangingSource(string hangingPath, ManualResetEventSlim release, IFilingSource real) : IFilingSource
    {
        public FileRead Read(string path)
        {
            if (path == hangingPath) release.Wait();
            return path == hangingPath ? real.Read(Joint) : real.Read(path);
        }
    }

    public new void Dispose()
    {
        _release.Set();
        foreach (var fetcher in _fetchers) fetcher.Dispose();
        base.Dispose();
        Directory.Delete(_parts, recursive: true);
    }
}
