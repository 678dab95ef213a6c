using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Core.Work;

/// <summary>
/// Pulls batches from the coordinator: it asks for the next batch as soon as one starts, and holds at most one in
/// reserve, so it never waits for the coordinator's reply (which comes after a journal write), and nothing queues up
/// unbounded on either side. It asks for about form3.node.batch-time of work at its own measured pace
/// (<see cref="BatchSizer"/>). A batch runs on a thread of its own, its reads on the node's <see cref="FileFetcher"/>,
/// and comes back as a message: neither the actor nor the thread pool the actor system runs on ever waits for a file.
/// </summary>
/// <remarks>
/// Things can go silent without an error: a read or a part-file write that never returns (a FIFO, a hung NFS or
/// Lustre mount), and a request, assignment or report lost on a dropped connection. A file whose read and extraction,
/// or a batch whose part-file write, takes longer than form3.node.file-deadline is abandoned: the stuck file (or the
/// whole batch, when the write hangs) is reported as timed out, unfinished batch-mates are given back without counting
/// as an attempt, and the worker carries on with a fresh part file while the stuck thread is left behind. A request
/// without an answer is sent again with its id, and the coordinator answers a repeat with the same batch, which is
/// recognised here by its id; a report is sent again until the coordinator acknowledges it with
/// <see cref="BatchAccepted"/>. While it holds batches the worker renews their leases, so the coordinator takes back
/// only what nobody works on.
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
    /// <summary>Batches waiting their turn: asked for while the current one runs, so the coordinator's reply is never waited for.</summary>
    readonly Queue<AssignBatch> _waiting = new();
    /// <summary>Ids of the batches this worker was given lately, to recognise an assignment that arrives twice.</summary>
    readonly RecentIds _given = new(RecentBatchesRemembered);
    const int RecentBatchesRemembered = 64;
    /// <summary>The request waiting for an answer, sent again until one comes.</summary>
    RequestWork? _asked;
    long _lastRequestId;

    sealed record AskAgain
    {
        public static readonly AskAgain Instance = new();
    }

    sealed record ResendReports
    {
        public static readonly ResendReports Instance = new();
    }

    sealed record ResendRequest
    {
        public static readonly ResendRequest Instance = new();
    }

    sealed record RenewHeldLeases
    {
        public static readonly RenewHeldLeases Instance = new();
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
        Receive<NoWorkYet>(no =>
        {
            if (no.RequestId != _asked?.RequestId) return; // the answer to a request already answered (a repeat, or late)
            Answered();
            // While a batch runs, the next request goes out when it ends; an idle worker asks again after a pause.
            if (_current == null) Timers.StartSingleTimer(nameof(AskAgain), AskAgain.Instance, _settings.NoWorkRetry);
        });
        Receive<AskAgain>(_ => AskForWork());
        Receive<ResendRequest>(_ =>
        {
            if (_asked == null) return;
            _log.Warning("Worker {WorkerId}: no answer to its request for work within {Interval}; asking again", _workerId, _settings.RequestResendInterval);
            _coordinator.Tell(_asked);
        });
        Receive<RenewHeldLeases>(_ =>
        {
            var held = _waiting.Select(b => b.BatchId).Prepend(_current?.BatchId ?? 0).Where(id => id != 0).ToImmutableArray();
            if (held.Length > 0) _coordinator.Tell(new RenewLeases(_workerId, held));
        });
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
        Timers.StartPeriodicTimer(nameof(RenewHeldLeases), RenewHeldLeases.Instance, _settings.LeaseRenewInterval);
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

    /// <summary>Asks for a batch unless one is asked for or already waiting, or every read of this node hangs.</summary>
    void AskForWork()
    {
        if (_asked != null || _waiting.Count > 0) return;
        if (_fetcher.AllStuck(_settings.FileDeadline) is { } stuck)
        {
            // More work would only queue behind reads that do not return (a dead mount): wait for one to come back.
            if (_fetcher.TryClaimStuckReport()) _log.Warning("Node: all {Readers} read threads have been stuck for over {Deadline} (for example on {Path}): " +
                "not asking for work until one returns; a hung mount on this machine?", _settings.ReadsInFlight, _settings.FileDeadline, stuck);
            Timers.StartSingleTimer(nameof(AskAgain), AskAgain.Instance, _settings.FileDeadline / 4);
            return;
        }
        _asked = new RequestWork(_workerId, _sizer.NextRequest, ++_lastRequestId);
        _coordinator.Tell(_asked);
        Timers.StartPeriodicTimer(nameof(ResendRequest), ResendRequest.Instance, _settings.RequestResendInterval);
    }

    void Answered()
    {
        _asked = null;
        Timers.Cancel(nameof(ResendRequest));
    }

    void HandleAssignBatch(AssignBatch batch)
    {
        if (batch.RequestId == _asked?.RequestId) Answered();
        if (!_given.Add(batch.BatchId)) return; // the answer to a repeated request, or a duplicate on the wire
        if (_current != null)
        {
            _waiting.Enqueue(batch);
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
        if (_waiting.TryDequeue(out var next))
        {
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
            _sizer.Observe(done.Batch.Files.Count, done.Elapsed);
            Send(report);
        }
        else
        {
            // A fault in our own code, not in a filing (those become error rows): report every file of the batch as
            // failed so the coordinator retries it elsewhere and, if it keeps failing, quarantines it with this reason.
            _log.Error(done.Fault, "Worker {WorkerId}: batch {BatchId} failed inside the worker", _workerId, done.Batch.BatchId);
            var reason = $"worker fault: {done.Fault?.Message}";
            Send(new ReportBatchCompleted(done.Batch.BatchId, _workerId, [], CompletedFiles.None,
                Enumerable.Range(0, done.Batch.Files.Count).Select(p => new FileFailure(p, FailureKind.WorkerError, reason)).ToImmutableArray()));
        }
        StartNext();
    }

    void AbandonIfStuck()
    {
        if (_current is not { } batch || _processor.CurrentStep is not { } step) return;
        var elapsed = TimeProvider.System.GetElapsedTime(step.StartedTimestamp);
        if (elapsed < _settings.FileDeadline) return;

        var writing = step.Index == BatchProcessor.WritingParts;
        var stuck = writing ? -1 : step.Index;
        if (writing)
            _log.Warning("Worker {WorkerId}: writing batch {BatchId} to its part file has taken {Seconds:N0} s (form3.node.file-deadline {Deadline}); " +
                "abandoning the batch (its {Files} files will be retried) and going on with a new part file", _workerId, batch.BatchId,
                elapsed.TotalSeconds, _settings.FileDeadline, batch.Files.Count);
        else
            _log.Warning("Worker {WorkerId}: {Path} has been reading or extracting for {Seconds:N0} s (form3.node.file-deadline {Deadline}); " +
                "abandoning it (it will be retried, alone, then quarantined) and giving its {Others} batch-mates back", _workerId, batch.Files.SourcePath(stuck),
                elapsed.TotalSeconds, _settings.FileDeadline, batch.Files.Count - 1);
        // A read that hangs here will hang again: the next files go through the node's read threads, whose hanging is seen.
        _pace.Observe(_settings.FileDeadline);
        _cancelCurrent!.Cancel();
        _processor.Dispose();
        _generation++;
        _processor = NewProcessor();
        _current = null;
        Timers.Cancel(nameof(CheckDeadline));
        var failures = Enumerable.Range(0, batch.Files.Count).Select(p => writing
            ? new FileFailure(p, FailureKind.Timeout, $"writing the part file took longer than {_settings.FileDeadline.TotalSeconds:N0} s (form3.node.file-deadline)")
            : p == stuck
            ? new FileFailure(p, FailureKind.Timeout, $"reading or extracting took longer than {_settings.FileDeadline.TotalSeconds:N0} s (form3.node.file-deadline)")
            : new FileFailure(p, FailureKind.Abandoned, "given back unprocessed: a batch-mate timed out"));
        Send(new ReportBatchCompleted(batch.BatchId, _workerId, [], CompletedFiles.None, failures.ToImmutableArray()));
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
