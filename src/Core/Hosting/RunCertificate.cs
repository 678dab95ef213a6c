using Form3Actors.Core.Output;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// The run's own TLS identity: one self-signed certificate made by the coordinator when a run folder is new, kept in
/// RUN_DIR/tls (folder 0700, file 0600) and loaded by every node of the run. Remoting presents it on every connection,
/// inbound and outbound, and accepts a peer only if the peer presents this very certificate (pinned by its SHA-256
/// hash): no CA, no hostname check. Whoever cannot read the run folder cannot join the run.
/// </summary>
/// <remarks>
/// The key file has no password: a password would have to be stored or passed somewhere just as readable (the
/// command line is visible to every user through ps). Protection comes from the file's mode. A requeued or resumed
/// run reuses the file; a new run folder gets a new certificate.
/// </remarks>
public sealed class RunCertificate
{
    public const string FolderName = "tls";
    public const string FileName = "run.pfx";
    const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    const string NoCertificate = "it offered no client certificate, or does not speak TLS at all";

    readonly ConcurrentDictionary<string, bool> _refused = new();
    readonly ConcurrentDictionary<string, bool> _explained = new();

    RunCertificate(X509Certificate2 certificate)
    {
        Certificate = certificate;
        Fingerprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 fingerprint of the certificate: safe to log, identifies the run's certificate.</summary>
    public string Fingerprint { get; }

    public static string PathIn(string runDirectory) => Path.Combine(runDirectory, FolderName, FileName);

    /// <summary>The coordinator's side: loads the run's certificate, or makes it if the run folder has none yet.</summary>
    public static RunCertificate LoadOrCreate(string runDirectory)
    {
        var path = PathIn(runDirectory);
        if (File.Exists(path)) return Load(path);
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("run certificates rely on Unix file modes");
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder, FolderMode);
        File.SetUnixFileMode(folder, FolderMode);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=form3actors run {Guid.NewGuid():N}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server and client auth
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        AtomicFile.Write(path, certificate.Export(X509ContentType.Pkcs12), durable: false, FileMode);
        return Load(path);
    }

    /// <summary>A node's side: the run's certificate, which the coordinator made in the run folder.</summary>
    public static RunCertificate Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"the run's certificate {path} does not exist yet (the coordinator makes it when it starts)", path);
        return new RunCertificate(X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.EphemeralKeySet));
    }

    /// <summary>True if the peer presented this run's certificate; a refusal is reported once per peer and certificate.</summary>
    public bool Accepts(X509Certificate2? peer, string remotePeer, Action<string> reportRefusal)
    {
        var fingerprint = peer?.GetCertHashString(HashAlgorithmName.SHA256);
        if (fingerprint != null && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(fingerprint), Convert.FromHexString(Fingerprint)))
            return true;
        _explained.TryAdd(remotePeer, true);
        Refuse(remotePeer, fingerprint == null ? NoCertificate : $"it presented certificate {fingerprint[..16]}…, not this run's", reportRefusal);
        return false;
    }

    /// <summary>
    /// A TLS handshake failed (reported by remoting for the endpoint): if this run's validator did not already say
    /// why, the peer sent no client certificate or does not speak TLS at all.
    /// </summary>
    public void HandshakeFailed(string remotePeer, Action<string> reportRefusal)
    {
        if (_explained.ContainsKey(remotePeer)) return;
        Refuse(remotePeer, NoCertificate, reportRefusal);
    }

    /// <summary>A refused peer retries from new ports: report it once per host and reason, not per connection.</summary>
    void Refuse(string remotePeer, string why, Action<string> reportRefusal)
    {
        var host = remotePeer.LastIndexOf(':') is > 0 and var colon && remotePeer[(colon + 1)..].All(char.IsAsciiDigit) ? remotePeer[..colon] : remotePeer;
        if (_refused.TryAdd($"{host}|{why}", true))
            reportRefusal($"Refused a connection from {host}: {why}");
    }
}
