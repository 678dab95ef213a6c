using Form3Actors.Core.Work;

namespace Form3Actors.Coordinator.Inputs;

/// <summary>
/// Reads an input file (a CSV or an EDGAR index) into memory with several reads in flight. On a network file system
/// every read is a round trip, and one read after the other made the listing of a 100,000-row CSV the slowest step
/// before the first file was handed out at 10 ms a request.
/// </summary>
static class InputFileBytes
{
    /// <summary>Bytes per read: a few of the kernel's read requests each.</summary>
    const int RangeBytes = 1 << 20;

    /// <summary>Reads under way at once, each on a thread of its own (the listing's thread is not the thread pool's, nor are these).</summary>
    const int ReadsInFlight = 8;

    /// <summary>The file's bytes; a pipe (length 0, as from `<(command)`) is streamed as it comes instead.</summary>
    public static Stream Read(string path)
    {
        try
        {
            return ReadRanges(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read {path}: {e.Message}");
        }
    }

    static Stream ReadRanges(string path)
    {
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        if (length == 0) return File.OpenRead(path);
        if (length > Array.MaxLength) throw new InputException($"{path} is {length:N0} bytes: too large to be an input list");
        var bytes = new byte[length];
        var ranges = (int)((length + RangeBytes - 1) / RangeBytes);
        var next = -1;
        OwnThreads.Run(Math.Clamp(ranges, 1, ReadsInFlight), "form3-input-read", () =>
        {
            for (int range; (range = Interlocked.Increment(ref next)) < ranges;)
            {
                var offset = (long)range * RangeBytes;
                var end = Math.Min(length, offset + RangeBytes);
                for (int read; offset < end; offset += read)
                    if ((read = RandomAccess.Read(handle, bytes.AsSpan((int)offset, (int)(end - offset)), offset)) == 0)
                        throw new IOException($"{path} ended at byte {offset:N0} while being read (it is {length:N0} bytes): was it being rewritten?");
            }
        }).GetAwaiter().GetResult();
        return new MemoryStream(bytes, writable: false);
    }
}
