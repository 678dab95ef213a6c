using Form3Actors.Testing;

namespace Form3Actors.Benchmarks;

/// <summary>
/// `soak`: generates (or reuses) a corpus, makes the reference tables with one uninterrupted embedded run, then runs
/// <see cref="ChaosSoak"/> on a fresh run folder and prints what it did. Exit 0 only if the tables are identical and
/// every process ended the way its fault explains.
/// </summary>
public static class SoakCommand
{
    /// <param name="storageFaults">How long each storage fault lasts (lock reads failing, a filing hanging), or zero for none.</param>
    public static async Task<int> Run(int files, int interruptions, TimeSpan maxPause, int seed, double dropMessages, TimeSpan storageFaults, string work)
    {
        var corpusDir = Path.Combine(work, $"soak-corpus-v2-{files}-{seed}");
        var csv = Path.Combine(corpusDir, $"form_3_{files}.csv");
        var corpus = File.Exists(csv)
            ? new GeneratedCorpus(corpusDir, csv, files, 0, 0, 0, 0, 0) // reused: only its input and size matter here
            : CorpusGenerator.Generate(corpusDir, files, seed);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
        // With storage faults the run reads the corpus through a mount, listed with relative paths: so is the reference.
        await using var storage = storageFaults > TimeSpan.Zero
            ? await SoakStorage.Mount(Directory.CreateDirectory(Path.Combine(work, $"soak-storage-{stamp}")).FullName, corpus, storageFaults)
            : null;
        var referenceDir = Path.Combine(work, storage == null ? $"soak-reference-{files}-{seed}" : $"soak-reference-relative-{files}-{seed}");
        if (!File.Exists(Path.Combine(referenceDir, "results", "manifest.json")))
        {
            Console.WriteLine($"reference: one uninterrupted embedded run of {files:N0} filings");
            using var reference = Form3Process.Start("form3-coordinator", "soak-reference", Path.Combine(work, "logs"), null, "run",
                storage?.LocalCsv ?? corpus.InputCsv, "--run-dir", referenceDir);
            if (await reference.WaitForExitAsync(TimeSpan.FromMinutes(30)) != 0) throw new InvalidOperationException(reference.Tail());
        }

        var config = TestConfig.WriteInterruptible(Path.Combine(work, "soak.conf"), batchSize: 256, joinTimeoutSeconds: 120, dropRemoteMessages: dropMessages);
        if (storage != null) await File.AppendAllTextAsync(config, $"\n{SoakStorage.LockConfig}\n");
        var soak = new ChaosSoak(Path.Combine(work, "logs", $"soak-{stamp}"), TestConfig.Environment(config), Console.WriteLine);
        var result = await soak.Run(storage?.Corpus ?? corpus, RunTables.Read(referenceDir), storage?.RunFolder($"soak-run-{stamp}") ?? Path.Combine(work, $"soak-run-{stamp}"),
            interruptions, maxPause / 6, maxPause, seed, storage?.Faults);

        Console.WriteLine();
        Console.WriteLine("| soak | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| filings | {result.Files:N0} |");
        Console.WriteLine($"| pause between interruptions | {maxPause.TotalSeconds / 6:0.##}-{maxPause.TotalSeconds:0.##} s |");
        Console.WriteLine($"| remote messages dropped each way | {dropMessages:P1} |");
        Console.WriteLine($"| storage faults (lock reads failing, a filing hanging), each | {(storage == null ? "none" : $"{storageFaults.TotalSeconds:N0} s")} |");
        Console.WriteLine($"| interruptions | {result.InterruptionCount} ({string.Join(", ", result.Interruptions.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))}) |");
        Console.WriteLine($"| process starts | {result.Starts} |");
        Console.WriteLine($"| wall time | {result.Elapsed.TotalSeconds:N0} s |");
        Console.WriteLine($"| unexplained exits or slow stops | {result.Problems.Count} |");
        Console.WriteLine($"| final tables equal the uninterrupted run's (sorted), every row from its own file | {(result.Difference == null ? "yes" : "NO: " + result.Difference)} |");
        foreach (var problem in result.Problems) Console.Error.WriteLine(problem);
        return result.Difference == null && result.Problems.Count == 0 ? 0 : 1;
    }
}
