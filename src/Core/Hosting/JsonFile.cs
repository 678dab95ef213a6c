using System.Text.Json;

namespace Form3Actors.Core.Hosting;

/// <summary>
/// The small JSON files of a run folder (rendezvous, status, manifest): written to a temporary name and renamed, so a
/// reader in another process never sees half a file.
/// </summary>
public static class JsonFile
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void WriteAtomically<T>(string path, T value)
    {
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(value, Options));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The file's content, or null when it does not exist.</summary>
    public static T? Read<T>(string path) where T : class =>
        File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Options) : null;
}
