using System.Diagnostics;
using Form3Actors.Node.Extraction;
using Form3Actors.Node.Output;

namespace Form3Actors.Benchmarks;

/// <summary>
/// In-process measurements: the read floor (each file read once by a plain loop) and the extractor alone on bytes
/// already in memory, on one thread, so the figure is per core.
/// </summary>
public static class ParseBenchmark
{
    /// <summary>Files per second reading every file once with File.ReadAllBytes, on <paramref name="threads"/> threads.</summary>
    public static double ReadFloor(IReadOnlyList<string> paths, int threads)
    {
        var watch = Stopwatch.StartNew();
        long bytes = 0;
        Parallel.ForEach(Partitioner(paths, threads), new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
        {
            long local = 0;
            foreach (var path in chunk) local += File.ReadAllBytes(path).Length;
            Interlocked.Add(ref bytes, local);
        });
        return paths.Count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Files per second extracting in-memory filings into rows on one thread (after one warm-up pass).</summary>
    public static double ExtractInMemory(IReadOnlyList<byte[]> filings, TimeSpan minimum)
    {
        var extractor = new Form3Extractor();
        foreach (var f in filings) extractor.Extract(f, "warm-up");
        var watch = Stopwatch.StartNew();
        long done = 0;
        do
        {
            foreach (var f in filings) extractor.Extract(f, "edgar/data/1/0000000001-24-000001.txt");
            done += filings.Count;
        }
        while (watch.Elapsed < minimum);
        return done / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Files per second extracting and encoding rows as part-file CSV (what a worker does besides reading).</summary>
    public static double ExtractAndEncode(IReadOnlyList<byte[]> filings, TimeSpan minimum)
    {
        var extractor = new Form3Extractor();
        var watch = Stopwatch.StartNew();
        long done = 0;
        do
        {
            var batch = new List<(string, FilingRows)>(256);
            foreach (var f in filings)
            {
                var outcome = extractor.Extract(f, "edgar/data/1/0000000001-24-000001.txt");
                if (outcome.Rows != null) batch.Add(("00000000000000000000000000000001", outcome.Rows));
                if (batch.Count == 256)
                {
                    Encode(batch);
                    batch.Clear();
                }
            }
            Encode(batch);
            done += filings.Count;
        }
        while (watch.Elapsed < minimum);
        return done / watch.Elapsed.TotalSeconds;
    }

    static void Encode(List<(string Key, FilingRows Rows)> batch)
    {
        foreach (var table in TableSchema.All)
            PartFormat.EncodeSegment(table, batch.SelectMany(f => f.Rows[table].Select(r => (string[])[f.Key, .. r, .. table == Table.Submission ? new[] { "SecHeader" } : []])));
    }

    static IEnumerable<IReadOnlyList<string>> Partitioner(IReadOnlyList<string> paths, int parts)
    {
        var size = (paths.Count + parts - 1) / parts;
        for (var i = 0; i < paths.Count; i += size) yield return paths.Skip(i).Take(size).ToList();
    }
}
