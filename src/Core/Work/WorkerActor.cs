using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;

namespace Form3Actors.Core.Work;

/// <summary>
/// Pulls batches from the coordinator: it asks for the next batch as soon as one starts, and holds at most one in
/// reserve, so it never waits for the coordinator's reply (which comes after a journal write), and nothing queues up
/// unbounded on either side. It asks for about form3.node.batch-time of work at its own measured pace
/// (<see cref="BatchSizer"/>). A batch runs on a thread of its own, its reads on the node's <see cref="FileFetcher"/>,
/// and comes back as a message: neither the actor nor the thread pool the actor system runs on ever waits for a file.
/// </summary>
/// <remarks>
/// Two things can go silent without an error: a read that never returns (a FIFO, a hung NFS or Lustre mount) and a
/// report lost on a dropped connection. A file that takes longer than form3.node.file-deadline is abandoned: it is
/// reported as timed out, its unfinished batch-mates are given back without counting as an attempt, and the worker
/// carries on with a fresh part file while the stuck thread is left behind. A report is sent again until the
/// coordinator acknowledges it with <see cref="BatchAccepted"/>; a repeat is harmless there.
/// </remarks>
public sealed class WorkerActor : ReceiveActor, IWithTimers
{
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly IActorRef _coordinator;
    readonly WorkerSettings _settings;
    readonly string _workerId;
    readonly FileFetcher _fetcher;
    readonly BatchSizer _sizer;
    readonly ReadPace _pace;
    readonly Dictionary<long, ReportBatchCompleted> _unacknowledged = [];
    BatchProcessor _processor;
    int _generation;
    AssignBatch? _current;
    CancellationTokenSource? _cancelCurrent;
    /// <summary>The next batch, asked for while the current one runs, so the coordinator's reply is never waited for.</summary>
    AssignBatch? _next;
    bool _asked;

    sealed record AskAgain
    {
        public static readonly AskAgain Instance = new();
    }

    sealed record ResendReports
    {
        public static readonly ResendReports Instance = new();
    }

    sealed record CheckDeadline
    {
        public static readonly CheckDeadline Instance = new();
    }

    /// <summary>A batch finished (or threw) on its thread; <c>Generation</c> tells a current result from an abandoned one.</summary>
    sealed record BatchProcessed(int Generation, AssignBatch Batch, ReportBatchCompleted? Report, Exception? Fault, TimeSpan Elapsed);

    public ITimerScheduler Timers { get; set; } = null!;

    public WorkerActor(IActorRef coordinator, WorkerSettings settings, string workerId, FileFetcher fetcher)
    {
        _coordinator = coordinator;
        _settings = settings;
        _workerId = workerId;
        _fetcher = fetcher;
        _sizer = new BatchSizer(settings.FirstRequestSize, settings.MaxRequestSize, settings.BatchTime);
        _pace = new ReadPace(settings.InlineReadsUnder);
        _processor = NewProcessor();

        Receive<AssignBatch>(HandleAssignBatch);
        Receive<BatchProcessed>(HandleBatchProcessed);
        Receive<CheckDeadline>(_ => AbandonIfStuck());
        Receive<NoWorkYet>(_ =>
        {
            _asked = false;
            // While a batch runs, the next request goes out when it ends; an idle worker asks again after a pause.
            if (_current == null) Timers.StartSingleTimer(nameof(AskAgain), AskAgain.Instance, _settings.NoWorkRetry);
        });
        Receive<AskAgain>(_ => AskForWork());
        Receive<BatchAccepted>(accepted =>
        {
            _unacknowledged.Remove(accepted.BatchId);
            if (_unacknowledged.Count == 0) Timers.Cancel(nameof(ResendReports));
        });
        Receive<ResendReports>(_ =>
        {
            _log.Warning("Worker {WorkerId}: {Reports} batch reports not acknowledged within {Interval}; sending them again", _workerId, _unacknowledged.Count,
                _settings.ReportResendInterval);
            foreach (var report in _unacknowledged.Values) _coordinator.Tell(report);
        });
        Receive<RunFinished>(finished =>
        {
            Context.Parent.Tell(finished);
            Context.Stop(Self);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_coordinator), _ =>
        {
            _log.Warning("Worker {WorkerId}: coordinator is gone; stopping", _workerId);
            Context.Stop(Self);
        });
    }

    public static Props Props(IActorRef coordinator, WorkerSettings settings, string workerId, FileFetcher fetcher) =>
        Akka.Actor.Props.Create(() => new WorkerActor(coordinator, settings, workerId, fetcher));

    protected override void PreStart()
    {
        Context.Watch(_coordinator);
        AskForWork();
    }

    protected override void PostStop()
    {
        _cancelCurrent?.Cancel();
        _processor.Dispose();
    }

    /// <summary>The first processor writes WORKER.part; one that replaces an abandoned one gets a part file of its own.</summary>
    BatchProcessor NewProcessor()
    {
        var name = _generation == 0 ? _workerId : $"{_workerId}-g{_generation}";
        return new BatchProcessor(_fetcher, _settings.ReadsInFlight, _pace, new PartFileWriter(_settings.PartsDirectory, name), _workerId);
    }

    /// <summary>Asks for a batch unless one is asked for or already waiting.</summary>
    void AskForWork()
    {
        if (_asked || _next != null) return;
        _asked = true;
        _coordinator.Tell(new RequestWork(_workerId, _sizer.NextRequest));
    }

    void HandleAssignBatch(AssignBatch batch)
    {
        _asked = false;
        if (_current != null)
        {
            _next = batch;
            return;
        }
        Start(batch);
    }

    void Start(AssignBatch batch)
    {
        _current = batch;
        _cancelCurrent = new CancellationTokenSource();
        var (processor, generation, cancel) = (_processor, _generation, _cancelCurrent.Token);
        var started = TimeProvider.System.GetTimestamp();
        Task.Factory.StartNew(() => processor.Process(batch, cancel), cancel, TaskCreationOptions.LongRunning, TaskScheduler.Default).ContinueWith(
            t => new BatchProcessed(generation, batch, t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException(),
                TimeProvider.System.GetElapsedTime(started)),
            TaskScheduler.Default).PipeTo(Self);
        // Checked a few times per deadline, so a stuck file is noticed at most a quarter of a deadline late.
        Timers.StartPeriodicTimer(nameof(CheckDeadline), CheckDeadline.Instance, _settings.FileDeadline / 4);
        AskForWork();
    }

    /// <summary>The current batch is over: start the one waiting, or ask for one.</summary>
    void StartNext()
    {
        if (_next is { } next)
        {
            _next = null;
            Start(next);
        }
        else
        {
            AskForWork();
        }
    }

    void HandleBatchProcessed(BatchProcessed done)
    {
        if (done.Generation != _generation) return; // a batch abandoned earlier, whose stuck read finally returned
        Timers.Cancel(nameof(CheckDeadline));
        _current = null;
        if (done.Report is { } report)
        {
            _sizer.Observe(done.Batch.Files.Length, done.Elapsed);
            Send(report);
        }
        else
        {
            // A fault in our own code, not in a filing (those become error rows): report every file of the batch as
            // failed so the coordinator retries it elsewhere and, if it keeps failing, quarantines it with this reason.
            _log.Error(done.Fault, "Worker {WorkerId}: batch {BatchId} failed inside the worker", _workerId, done.Batch.BatchId);
            var reason = $"worker fault: {done.Fault?.Message}";
            Send(new ReportBatchCompleted(done.Batch.BatchId, _workerId, [], [],
                done.Batch.Files.Select(f => new FileFailure(f.FileKey, "worker_error", reason)).ToImmutableArray()));
        }
        StartNext();
    }

    void AbandonIfStuck()
    {
        if (_current is not { } batch || _processor.CurrentFile is not { } file) return;
        var elapsed = TimeProvider.System.GetElapsedTime(file.StartedTimestamp);
        if (elapsed < _settings.FileDeadline) return;

        var stuck = batch.Files[file.Index];
        _log.Warning("Worker {WorkerId}: {Path} has been reading or extracting for {Seconds:N0} s (form3.node.file-deadline {Deadline}); " +
            "abandoning it (it will be retried, alone, then quarantined) and giving its {Others} batch-mates back", _workerId, stuck.SourcePath,
            elapsed.TotalSeconds, _settings.FileDeadline, batch.Files.Length - 1);
        _cancelCurrent!.Cancel();
        _processor.Dispose();
        _generation++;
        _processor = NewProcessor();
        _current = null;
        Timers.Cancel(nameof(CheckDeadline));
        var failures = batch.Files.Select(f => f == stuck
            ? new FileFailure(f.FileKey, FailureKind.Timeout, $"reading or extracting took longer than {_settings.FileDeadline.TotalSeconds:N0} s (form3.node.file-deadline)")
            : new FileFailure(f.FileKey, FailureKind.Abandoned, "given back unprocessed: a batch-mate timed out"));
        Send(new ReportBatchCompleted(batch.BatchId, _workerId, [], [], failures.ToImmutableArray()));
        StartNext();
    }

    void Send(ReportBatchCompleted report)
    {
        _unacknowledged[report.BatchId] = report;
        _coordinator.Tell(report);
        if (!Timers.IsTimerActive(nameof(ResendReports)))
            Timers.StartPeriodicTimer(nameof(ResendReports), ResendReports.Instance, _settings.ReportResendInterval);
    }
}
