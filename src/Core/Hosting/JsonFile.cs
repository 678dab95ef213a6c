using System.Text.Json;
using Form3Actors.Core.Output;

namespace Form3Actors.Core.Hosting;

/// <summary>The small JSON files of a run folder (rendezvous, status, manifest, the lock), written whole or not at all (<see cref="AtomicFile"/>).</summary>
public static class JsonFile
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <param name="durable">Also fsync the file and its folder: for a file that names others that must survive a crash with it.</param>
    public static void WriteAtomically<T>(string path, T value, bool durable = false) =>
        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(value, Options), durable);

    /// <summary>The file's content, or null when it does not exist.</summary>
    public static T? Read<T>(string path) where T : class =>
        File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Options) : null;

    /// <summary>The file's content, or null when it does not exist or cannot be read or parsed now.</summary>
    public static T? TryRead<T>(string path) where T : class
    {
        try
        {
            return Read<T>(path);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
