using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Form3Actors.Node.Commands;

/// <summary>
/// A look at the coordinator's port before joining, so that a node that cannot work with it says why at once instead of
/// retrying for its whole join timeout: nothing listens there (or nothing answers: a firewall, a wrong --host), it
/// speaks TLS while this node was told plain TCP or the other way round, or it holds another run's certificate.
/// </summary>
static class CoordinatorProbe
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Why this node cannot join the coordinator at <paramref name="host"/>:<paramref name="port"/>, or null when it may
    /// try. <paramref name="checkTls"/>: also whether it speaks TLS as this node will (for a seed given by hand; the
    /// rendezvous says so itself).
    /// </summary>
    public static async Task<string?> Problem(string host, int port, X509Certificate2? certificate, bool checkTls, CancellationToken cancel)
    {
        try
        {
            return await Look(host, port, certificate, checkTls, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return null; // stopping: the caller sees its own signal and exits as stopped
        }
    }

    static async Task<string?> Look(string host, int port, X509Certificate2? certificate, bool checkTls, CancellationToken cancel)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(Timeout);
        try
        {
            await client.ConnectAsync(host, port, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            var why = e is SocketException socket ? socket.SocketErrorCode.ToString() : $"no answer within {Timeout.TotalSeconds:N0} s";
            return $"cannot reach the coordinator at {host}:{port} ({why}): check that it runs, that {host} is an address of its machine that this host " +
                "resolves and can reach (a firewall, the interface it listens on: the coordinator's --host and --bind-host)";
        }
        if (!checkTls) return null;
        // The coordinator's certificate is seen before it judges this node's, so a coordinator of another run is named
        // whichever side ends the handshake first.
        string? presented = null;
        using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, server, _, _) =>
        {
            presented = server?.GetCertHashString(HashAlgorithmName.SHA256);
            return true;
        });
        string? Foreign() => certificate != null && presented != null && presented != certificate.GetCertHashString(HashAlgorithmName.SHA256)
            ? $"the coordinator at {host}:{port} presented a certificate that is not this node's: this node and the coordinator do not hold the same " +
              "run certificate; start the node with the coordinator's --run-dir (it holds the certificate), or start both with --insecure-transport"
            : null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ClientCertificates = certificate == null ? null : [certificate],
        };
        try
        {
            await tls.AuthenticateAsClientAsync(options, timeout.Token);
            if (Foreign() is { } foreign) return foreign;
            return certificate == null
                ? $"the coordinator at {host}:{port} uses TLS with the run's certificate, but this node was told plain TCP (--insecure-transport): " +
                  "start it without --insecure-transport, with the coordinator's --run-dir (it holds the certificate)"
                : null;
        }
        catch (AuthenticationException) when (certificate == null)
        {
            // The coordinator answered in TLS (and refused a client without the run's certificate): it speaks TLS.
            return $"the coordinator at {host}:{port} uses TLS with the run's certificate, but this node was told plain TCP (--insecure-transport): " +
                "start it without --insecure-transport, with the coordinator's --run-dir (it holds the certificate)";
        }
        catch (Exception e) when (e is IOException or AuthenticationException && Foreign() != null)
        {
            return Foreign();
        }
        catch (Exception e) when (e is IOException or AuthenticationException && certificate != null && IsEndOfStream(e))
        {
            return $"the coordinator at {host}:{port} does not speak TLS (it was started with --insecure-transport): start this node with --insecure-transport too";
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            return null; // nothing certain: the join tries, and its own errors say the rest
        }
    }

    static bool IsEndOfStream(Exception e) =>
        e.GetBaseException() is EndOfStreamException || e.Message.Contains("unexpected EOF", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("0 bytes", StringComparison.Ordinal) || e.GetBaseException().Message.Contains("closed", StringComparison.OrdinalIgnoreCase);
}
