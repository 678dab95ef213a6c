using System.Net.Security;
using System.Net.Sockets;
using Akka.Actor;
using Form3Actors.Core.Hosting;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;
using Form3Actors.Testing;

namespace Form3Actors.Integration.Tests;

/// <summary>
/// Mutual TLS pinned to the run's certificate, with real processes: intruders without the certificate, or with
/// another run's, try to join and to send work messages; they are refused and the run's tables are unaffected.
/// </summary>
public sealed class TransportSecurityTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Intruders_without_the_run_certificate_are_refused_and_the_tables_are_unaffected()
    {
        var runDir = Path.Combine(fixture.Root, "secure-" + Guid.NewGuid().ToString("N")[..6]);
        var otherRun = Path.Combine(fixture.Root, "other-" + Guid.NewGuid().ToString("N")[..6]);
        var stranger = RunCertificate.LoadOrCreate(otherRun);
        // The intruders come while the coordinator waits for its nodes, so the run cannot finish before they are judged.
        using var coordinator = Start.Coordinator(fixture, "secure-coordinator", fixture.Corpus.InputCsv, runDir, "--workers", "0");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Rendezvous.ReadCurrent(runDir) == null && DateTime.UtcNow < deadline) await Task.Delay(100);
        var address = Address.Parse(Rendezvous.ReadCurrent(runDir)!.Address);

        // 1. A node process holding another run's certificate, pointed at this coordinator. Its join timeout is two
        //    minutes; it must not wait for it, but say at once that the certificates differ and exit 1.
        using (var wrongRun = Form3Process.Start("form3-node", "intruder-other-run", Path.Combine(fixture.Root, "logs"), fixture.Environment,
                   "join", "--run-dir", otherRun, "--seed", address.ToString(), "--workers", "1"))
        {
            Assert.Equal(1, await wrongRun.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("do not hold the same run certificate", wrongRun.Log());
        }

        // 2. A node process with no certificate at all, speaking plain TCP.
        using (var plain = Form3Process.Start("form3-node", "intruder-plain", Path.Combine(fixture.Root, "logs"),
                   new Dictionary<string, string>(fixture.Environment) { ["FORM3_CONFIG"] = ShortJoin() },
                   "join", "--run-dir", otherRun, "--seed", address.ToString().Replace("akka.ssl.tcp:", "akka.tcp:"), "--insecure-transport", "--workers", "1"))
        {
            // Said at once, in one line, without a stack trace: the coordinator answers in TLS.
            var started = DateTime.UtcNow;
            Assert.Equal(1, await plain.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), $"took {(DateTime.UtcNow - started).TotalSeconds:N0} s");
            Assert.Contains("uses TLS with the run's certificate, but this node was told plain TCP (--insecure-transport)", plain.Log());
            Assert.DoesNotContain("   at ", plain.Log());
        }

        // 2b. A node told to speak plain TCP to this TLS coordinator's address gives up at once, saying so.
        using (var mismatched = Form3Process.Start("form3-node", "plain-to-tls", Path.Combine(fixture.Root, "logs"), fixture.Environment,
                   "join", "--run-dir", otherRun, "--seed", address.ToString(), "--insecure-transport", "--workers", "1"))
        {
            Assert.Equal(2, await mismatched.WaitForExitAsync(TimeSpan.FromSeconds(15)));
            Assert.Contains("drop --insecure-transport", mismatched.Log());
        }

        // 3. This test process, with another run's certificate, sends work messages straight to the coordinator.
        var config = HoconFiles.Load("node.conf", "shared.conf");
        using (var intruder = ClusterSystem.Create(ClusterConfig.Build(config, new Addresses("127.0.0.1", "127.0.0.1", 0), []), new TransportSecurity(stranger)))
        {
            var target = intruder.ActorSelection(new RootActorPath(address) / "user" / "coordinator");
            target.Tell(new ReportBatchCompleted(1, "intruder", [], new CompletedFiles([0], [1], [1]), []));
            await Assert.ThrowsAnyAsync<Exception>(() => target.Ask<object>(new RequestWork("intruder", 256), TimeSpan.FromSeconds(5)));
            await intruder.Terminate();
        }

        // 4. A TLS client that presents no client certificate. It retries like a real intruder would (on a loaded
        //    machine one attempt can end before the coordinator has judged it); every attempt must be refused.
        for (var attempt = 0; attempt < 10 && !coordinator.Log().Contains("no client certificate"); attempt++)
        {
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(address.Host!, address.Port!.Value);
                await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "form3", EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 });
                await tls.WriteAsync(new byte[] { 1, 2, 3 });
                var buffer = new byte[16];
                if (await tls.ReadAsync(buffer) == 0) throw new IOException("closed by the coordinator");
            });
            await Task.Delay(500);
        }

        using var node = Start.Node(fixture, "secure-node", runDir);
        Assert.True(await coordinator.WaitForExitAsync(RunTimeout) == 0, coordinator.Tail());
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(RunTables.Difference(fixture.Reference, runDir));

        var log = coordinator.Log();
        var refusals = log.Split('\n').Where(l => l.Contains("Refused a connection")).ToList();
        var described = string.Join("\n", log.Split('\n').Where(l => l.StartsWith("[WARNING]") || l.StartsWith("[ERROR]")));
        Assert.True(refusals.Count(l => l.Contains(stranger.Fingerprint[..16])) == 1, described);
        Assert.True(refusals.Count(l => l.Contains("no client certificate")) == 1, described);
        Assert.Contains("mutual TLS pinned to this run's certificate", log);
        Assert.Equal(1, RunTables.Manifest(runDir).GetProperty("nodeHosts").GetArrayLength());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_run_folder_and_certificate_are_readable_by_their_owner_only()
    {
        var runDir = Path.Combine(fixture.Root, "modes-" + Guid.NewGuid().ToString("N")[..6]);
        using (var run = Start.Coordinator(fixture, "modes", Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv"), runDir))
            Assert.True(await run.WaitForExitAsync(RunTimeout) == 0, run.Tail());
        const UnixFileMode ownerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(ownerOnlyFolder, File.GetUnixFileMode(runDir));
        Assert.Equal(ownerOnlyFolder, File.GetUnixFileMode(Path.Combine(runDir, RunCertificate.FolderName)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(RunCertificate.PathIn(runDir)));
        Assert.DoesNotContain("BEGIN", File.ReadAllText(Path.Combine(runDir, "results", "manifest.json")));
    }

    [Fact]
    public async Task A_resumed_run_keeps_its_certificate_and_a_new_run_gets_a_new_one()
    {
        var input = Path.Combine(TestData.RepoRoot, "data", "input", "form_3_10.csv");
        var first = Path.Combine(fixture.Root, "cert-a-" + Guid.NewGuid().ToString("N")[..6]);
        var second = Path.Combine(fixture.Root, "cert-b-" + Guid.NewGuid().ToString("N")[..6]);
        using (var run = Start.Coordinator(fixture, "cert-a1", input, first)) Assert.Equal(0, await run.WaitForExitAsync(RunTimeout));
        var original = RunCertificate.Load(RunCertificate.PathIn(first)).Fingerprint;
        using (var run = Start.Coordinator(fixture, "cert-a2", input, first)) Assert.Equal(0, await run.WaitForExitAsync(RunTimeout));
        using (var run = Start.Coordinator(fixture, "cert-b", input, second)) Assert.Equal(0, await run.WaitForExitAsync(RunTimeout));
        Assert.Equal(original, RunCertificate.Load(RunCertificate.PathIn(first)).Fingerprint);
        Assert.NotEqual(original, RunCertificate.Load(RunCertificate.PathIn(second)).Fingerprint);
    }

    /// <summary>Intruders give up joining after a few seconds instead of a minute.</summary>
    string ShortJoin() => TestConfig.WriteInterruptible(Path.Combine(fixture.Root, "intruder.conf"), batchSize: 24, joinTimeoutSeconds: 8);
}
