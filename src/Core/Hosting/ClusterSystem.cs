using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using System.Security.Authentication;
using System.Text.RegularExpressions;

namespace Form3Actors.Core.Hosting;

/// <summary>How remoting is protected for a run.</summary>
/// <param name="Certificate">The run's certificate, or null for plain TCP (--insecure-transport).</param>
public sealed record TransportSecurity(RunCertificate? Certificate)
{
    public static readonly TransportSecurity Insecure = new((RunCertificate?)null);

    public bool IsSecure => Certificate != null;
}

/// <summary>Creates the actor system of a coordinator or node, with mutual TLS pinned to the run's certificate unless insecure.</summary>
public static class ClusterSystem
{
    /// <param name="onForeignCertificate">
    /// Told when a peer presented a certificate that is not this run's (a node uses it to give up at once on a coordinator
    /// of another run). A handshake that merely failed is not reported here: a peer dying mid-handshake looks the same.
    /// </param>
    public static ActorSystem Create(Config config, TransportSecurity security, Action<string>? onForeignCertificate = null)
    {
        if (security.Certificate is not { } run)
        {
            var plain = ActorSystem.Create(ClusterConfig.SystemName, config);
            plain.Log.Warning("Transport security is OFF (--insecure-transport): any process that can reach this port can join the run; use only on a trusted network");
            return plain;
        }
        ILoggingAdapter? log = null;
        void Report(string message) => log?.Warning("{Refusal}", message);
        var ssl = new DotNettySslSetup(run.Certificate, suppressValidation: false, requireMutualAuthentication: true,
            customValidator: (certificate, _, remotePeer, _, _) =>
            {
                if (run.Accepts(certificate, remotePeer, Report)) return true;
                if (certificate != null) onForeignCertificate?.Invoke($"{remotePeer} presented a certificate that is not this run's");
                return false;
            });
        var setup = BootstrapSetup.Create()
            .WithConfig(ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = true").WithFallback(config))
            .And(ssl)
            .And(new LogFilterSetup([new HandshakeRefusalFilter(run, Report)]));
        var system = ActorSystem.Create(ClusterConfig.SystemName, setup);
        log = system.Log;
        system.Log.Info("Transport security: mutual TLS pinned to this run's certificate (SHA-256 {Fingerprint}…)", run.Fingerprint[..16]);
        return system;
    }
}

/// <summary>
/// Remoting logs every refused TLS handshake, some with a stack trace, and an intruder retries every few seconds.
/// This filter drops those lines and has the run's certificate log one line per refused host and reason instead.
/// </summary>
sealed partial class HandshakeRefusalFilter(RunCertificate run, Action<string> report) : LogFilterBase
{
    public override LogFilterType FilterType => LogFilterType.Content;

    public override LogFilterDecision ShouldKeepMessage(LogEvent content, string? expandedMessage = null)
    {
        var message = expandedMessage ?? content.Message?.ToString() ?? "";
        if (message.Contains("TLS handshake", StringComparison.Ordinal) || message.Contains("did not provide a certificate", StringComparison.Ordinal))
        {
            // The last endpoint named is the remote one ("[local]->[remote]" or "from [remote]").
            if (Endpoint().Matches(message).LastOrDefault() is { } endpoint) run.HandshakeFailed(endpoint.Value, report);
            return LogFilterDecision.Drop;
        }
        for (var cause = content.Cause; cause != null; cause = cause.InnerException)
        {
            // DotNetty's NotSslRecordException: a peer speaking plain TCP to the TLS port.
            if (cause is not AuthenticationException && cause.GetType().Name != "NotSslRecordException") continue;
            if (Endpoint().Matches(message).LastOrDefault() is { } endpoint) run.HandshakeFailed(endpoint.Value, report);
            return LogFilterDecision.Drop;
        }
        return LogFilterDecision.Keep;
    }

    [GeneratedRegex(@"\[[0-9a-fA-F:.]+\]:\d+")]
    private static partial Regex Endpoint();
}
