using System.Text.Json;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// The small JSON files of a run folder (rendezvous, status, manifest): written to a temporary name and renamed, so a
/// reader in another process never sees half a file.
/// </summary>
public static class JsonFile
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <param name="durable">Also fsync the file and its folder (<see cref="Output.DurableFiles"/>): for a file that names others that must survive a crash with it.</param>
    public static void WriteAtomically<T>(string path, T value, bool durable = false)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, Options);
        if (durable)
        {
            Output.DurableFiles.WriteAtomically(path, bytes);
            return;
        }
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The file's content, or null when it does not exist.</summary>
    public static T? Read<T>(string path) where T : class =>
        File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Options) : null;
}
