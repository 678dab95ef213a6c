using System.Diagnostics;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;
using Form3Actors.Testing.Reference;

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
    public static double ExtractInMemory(IReadOnlyList<byte[]> filings, TimeSpan minimum, FormSelection? forms = null)
    {
        var extractor = new OwnershipExtractor(forms ?? FormSelection.Default);
        return RateInMemory(filings, minimum, (filing, path) => extractor.Extract(filing, path));
    }

    /// <summary>Files per second through the tests' reference reader (XmlReader with DTDs prohibited, LINQ to XML) on one thread.</summary>
    public static double ReferenceInMemory(IReadOnlyList<byte[]> filings, TimeSpan minimum) =>
        RateInMemory(filings, minimum, (filing, path) => ReferenceReader.Read(filing, path));

    /// <summary>Passes over the filings until <paramref name="minimum"/> has elapsed, after one warm-up pass.</summary>
    static double RateInMemory(IReadOnlyList<byte[]> filings, TimeSpan minimum, Action<byte[], string> read)
    {
        foreach (var f in filings) read(f, "warm-up");
        var watch = Stopwatch.StartNew();
        long done = 0;
        do
        {
            foreach (var f in filings) read(f, "edgar/data/1/0000000001-24-000001.txt");
            done += filings.Count;
        }
        while (watch.Elapsed < minimum);
        return done / watch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Files per second doing a worker's whole job in one plain loop per thread (read, extract, encode the rows as
    /// part-file CSV in memory), with no actors, journal or merge: the ceiling an end-to-end run can approach here.
    /// </summary>
    /// <summary>Files per second checking each file's size and modification time (one stat), on <paramref name="threads"/> threads.</summary>
    public static double StatFloor(IReadOnlyList<string> paths, int threads)
    {
        var watch = Stopwatch.StartNew();
        Parallel.ForEach(Partitioner(paths, threads), new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
        {
            foreach (var path in chunk) FileVersion.Check(path);
        });
        return paths.Count / watch.Elapsed.TotalSeconds;
    }

    public static double ReadExtractEncode(IReadOnlyList<string> paths, int threads, FormSelection? forms = null)
    {
        var watch = Stopwatch.StartNew();
        Parallel.ForEach(Partitioner(paths, threads), new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
        {
            var reader = new FilingReader(long.MaxValue);
            var extractor = new OwnershipExtractor(forms ?? FormSelection.Default);
            var rows = new CsvRowWriter();
            foreach (var path in chunk)
            {
                try
                {
                    var read = reader.Read(path);
                    var filing = extractor.Extract(read.Bytes, path).Rows;
                    read.Release();
                    if (filing is null) continue;
                    foreach (var table in TableSchema.All)
                        for (var i = 0; i < filing[table].Count; i++)
                            PartFormat.WriteRow(rows, "00000000000000000000000000000001", filing.AsFiled(table)[i], filing[table][i], null);
                    if (rows.Length > 1 << 20) rows.Clear();
                }
                catch (BadFilingException)
                {
                    // broken files are part of the corpus; the run counts them, this loop only skips them
                }
            }
        });
        return paths.Count / watch.Elapsed.TotalSeconds;
    }

    static IEnumerable<IReadOnlyList<string>> Partitioner(IReadOnlyList<string> paths, int parts)
    {
        var size = (paths.Count + parts - 1) / parts;
        for (var i = 0; i < paths.Count; i += size) yield return paths.Skip(i).Take(size).ToList();
    }
}
