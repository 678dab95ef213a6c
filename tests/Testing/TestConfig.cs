using Form3Actors.FaultInjection;

namespace Form3Actors.Testing;

/// <summary>
/// The FORM3_CONFIG overrides that process tests use: small batches and frequent status updates, so a run lasts
/// long enough and reports often enough to be interrupted at a chosen point, and a lost node is removed quickly.
/// </summary>
public static class TestConfig
{
    /// <param name="coordinatorUnreachableSeconds">How long a node waits for an unreachable coordinator (form3.cluster.coordinator-unreachable-after).</param>
    /// <param name="dropRemoteMessages">Share of remote messages dropped each way (<see cref="GremlinsExtension"/>; needs <see cref="Environment"/>).</param>
    public static string WriteInterruptible(string path, int batchSize, int joinTimeoutSeconds, int coordinatorUnreachableSeconds = 10, double dropRemoteMessages = 0)
    {
        File.WriteAllText(path, $$"""
            form3.coordinator { batch-size = {{batchSize}}, progress-interval = 200ms, node-join-timeout = {{joinTimeoutSeconds}}s, nodes-leave-timeout = 5s }
            form3.node { first-request-size = {{batchSize}}, max-request-size = {{batchSize}}, no-work-retry = 50ms, join-timeout = {{joinTimeoutSeconds}}s }
            form3.cluster.down-unreachable-after = 2s
            form3.cluster.coordinator-unreachable-after = {{coordinatorUnreachableSeconds}}s
            form3.node { request-resend-interval = 1s, report-resend-interval = 1s }
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
            """);
        if (dropRemoteMessages > 0)
            File.AppendAllText(path, $$"""

                akka.extensions = ["{{typeof(GremlinsExtension).AssemblyQualifiedName}}"]
                akka.remote.dot-netty.tcp.applied-adapters = [gremlin]
                {{GremlinsExtension.DropRateKey}} = {{dropRemoteMessages.ToString(System.Globalization.CultureInfo.InvariantCulture)}}
                """);
        return path;
    }

    /// <summary>
    /// The environment of a test process with <paramref name="configPath"/> as its FORM3_CONFIG; the startup hook lets a
    /// configuration written with dropped messages load the fault injector, which the shipped programs do not hold.
    /// </summary>
    public static Dictionary<string, string> Environment(string configPath) => new()
    {
        ["FORM3_CONFIG"] = configPath,
        ["DOTNET_STARTUP_HOOKS"] = typeof(GremlinsExtension).Assembly.Location,
    };
}
