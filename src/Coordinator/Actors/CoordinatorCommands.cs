using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;

namespace Form3Actors.Coordinator.Actors;

/// <summary>
/// Tells the recovered coordinator what this run's input is; it then skips what the journal has finished.
/// <paramref name="Previous"/> is the manifest of the tables in results/, if a finished run left them (read by the
/// host, off the coordinator's thread): unchanged and intact, they are kept. <paramref name="Outputs"/>: what the
/// merge writes besides the CSV tables (CSV only unless given).
/// </summary>
public sealed record StartRun(InputListing Input, Manifest? Previous = null, ResultOutputs? Outputs = null);
