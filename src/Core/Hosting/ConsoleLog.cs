using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// Logs for the person watching a job with <c>tail -f</c>: one line per event, "UTC time, level, component: message",
/// through Serilog (Akka's log events reach it through Akka.Logger.Serilog, configured in hocon/shared.conf). Akka's
/// own remoting and membership chatter shows only from WARNING up, and no exception's stack trace is printed, unless
/// the command runs with --verbose (or form3.verbose-logs = on).
/// </summary>
public static class ConsoleLog
{
    const string Template = "{Utc} {Level:u4} {Component}: {Message:lj}{Cause}{NewLine}{Stack}";

    /// <summary>Sets up the process's logger; <paramref name="process"/> names what the host program itself logs ("coordinator", "node").</summary>
    public static void Configure(string process, bool verbose)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            .Enrich.With(new Readable(process, verbose))
            .Filter.ByExcluding(e => !verbose && IsAkka(e) && (e.Level < LogEventLevel.Warning || IsLeaving(e)))
            .WriteTo.Console(outputTemplate: Template, formatProvider: CultureInfo.InvariantCulture)
            .CreateLogger();
    }

    /// <summary>Writes what is buffered; call before the process exits.</summary>
    public static void Flush() => Log.CloseAndFlush();

    /// <summary>
    /// Remoting reports every member that leaves, the normal end of every run, as a failed association with a stack
    /// trace in its text. A member that really fails is reported by our own components (its work goes back to the queue).
    /// </summary>
    static bool IsLeaving(LogEvent e) =>
        e.Exception?.GetType().Name == "EndpointDisassociatedException" || e.MessageTemplate.Text.Contains("Disassociated", StringComparison.Ordinal) ||
        e.RenderMessage(CultureInfo.InvariantCulture).Contains("EndpointDisassociatedException", StringComparison.Ordinal);

    static bool IsAkka(LogEvent e) => e.Properties.TryGetValue("Component", out var c) && c is ScalarValue { Value: "akka" };

    /// <summary>Adds Utc, Component, Cause (the exception's type and message) and, when verbose, Stack.</summary>
    sealed class Readable(string process, bool verbose) : ILogEventEnricher
    {
        public void Enrich(LogEvent e, ILogEventPropertyFactory factory)
        {
            e.AddPropertyIfAbsent(factory.CreateProperty("Utc", e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)));
            e.AddOrUpdateProperty(factory.CreateProperty("Component", Component(e, process)));
            var cause = e.Exception?.GetBaseException();
            e.AddPropertyIfAbsent(factory.CreateProperty("Cause", cause == null ? "" : $" ({cause.GetType().Name}: {cause.Message})"));
            e.AddPropertyIfAbsent(factory.CreateProperty("Stack", verbose && e.Exception != null ? e.Exception + Environment.NewLine : ""));
        }

        /// <summary>Our actors by name, the host program by <c>process</c>, everything else (remoting, cluster, shutdown) as "akka".</summary>
        static string Component(LogEvent e, string process)
        {
            var source = e.Properties.TryGetValue("LogSource", out var s) && s is ScalarValue { Value: string text } ? text : "";
            if (e.MessageTemplate.Text.Contains("was not delivered", StringComparison.Ordinal)) return "akka"; // dead letters, named after their recipient
            if (source.Contains($"/user/{RunFolder.CoordinatorActorName}", StringComparison.Ordinal)) return "coordinator";
            if (source.Contains($"/user/{Work.WorkerPool.Name}", StringComparison.Ordinal)) return "workers";
            if (source.StartsWith("ActorSystem(", StringComparison.Ordinal) || source.Length == 0) return process;
            return "akka";
        }
    }
}

/// <summary>
/// Akka's stand-in logger for the moments before Serilog is attached and after it is detached (start and end of an
/// actor system): it passes those events to Serilog too, so that they follow the same format and filters
/// (akka.stdout-logger-class in hocon/shared.conf).
/// </summary>
public sealed class SerilogStdoutLogger : Akka.Event.MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is not Akka.Event.LogEvent e) return;
        var level = e.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => LogEventLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => LogEventLevel.Information,
            Akka.Event.LogLevel.WarningLevel => LogEventLevel.Warning,
            _ => LogEventLevel.Error,
        };
        Serilog.Log.Logger.ForContext("LogSource", e.LogSource).Write(level, e.Cause, "{AkkaMessage:l}", e.Message?.ToString() ?? "");
    }
}
