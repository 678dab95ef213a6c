using System.Text.Json;
using Sylvan.Data.Csv;

namespace Form3Actors.Testing;

/// <summary>Reads a run folder's result tables and progress, and compares runs.</summary>
public static class RunTables
{
    public static readonly string[] Names =
        ["SUBMISSION", "REPORTINGOWNER", "NONDERIV_HOLDING", "DERIV_HOLDING", "NONDERIV_TRANS", "DERIV_TRANS", "FOOTNOTES", "OWNER_SIGNATURE",
            "FORM3_SUMMARY", "ERRORS"];

    /// <summary>Each table's lines, header first, the rows sorted (row order depends on scheduling, content must not).</summary>
    public static IReadOnlyDictionary<string, List<string>> Read(string runDir) =>
        Names.ToDictionary(n => n, n =>
        {
            var lines = File.ReadAllText(Path.Combine(runDir, "results", n + ".csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Take(1).Concat(lines.Skip(1).Order(StringComparer.Ordinal)).ToList();
        });

    /// <summary>
    /// Null when the run's tables equal <paramref name="expected"/> and every row names the file it was read from,
    /// else what differs.
    /// </summary>
    public static string? Difference(IReadOnlyDictionary<string, List<string>> expected, string runDir)
    {
        if (RowsNotFromTheirFile(runDir) is { } wrong) return wrong;
        var actual = Read(runDir);
        foreach (var name in Names)
        {
            var missing = expected[name].Except(actual[name]).Take(3).ToList();
            var extra = actual[name].Except(expected[name]).Take(3).ToList();
            if (expected[name].Count != actual[name].Count || missing.Count > 0 || extra.Count > 0)
                return $"{name}: expected {expected[name].Count} lines, got {actual[name].Count}; missing {string.Join(" | ", missing)}; extra {string.Join(" | ", extra)}";
        }
        return null;
    }

    /// <summary>
    /// Null when each SUBMISSION row's SOURCE_PATH (and each summary row's FILEPATH) is the file its accession number was
    /// read from: EDGAR names a filing's file after its accession number. A listing that handed out the wrong path,
    /// or a merge that crossed rows between files, breaks this even when the row counts are right.
    /// </summary>
    public static string? RowsNotFromTheirFile(string runDir)
    {
        foreach (var (table, pathColumn) in new[] { ("SUBMISSION", "SOURCE_PATH"), ("FORM3_SUMMARY", "FILEPATH") })
        {
            using var csv = CsvDataReader.Create(Path.Combine(runDir, "results", table + ".csv"));
            var accession = csv.GetOrdinal("ACCESSION_NUMBER");
            var path = csv.GetOrdinal(pathColumn);
            while (csv.Read())
            {
                var name = Path.GetFileName(csv.GetString(path));
                if (!name.StartsWith(csv.GetString(accession) + ".", StringComparison.Ordinal))
                    return $"{table}: row of {csv.GetString(accession)} names {csv.GetString(path)} as its file";
            }
        }
        return null;
    }

    /// <summary>Files done in the current run, from status.json (0 before it exists).</summary>
    public static int Done(string runDir)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(runDir, "status.json")));
            return doc.RootElement.GetProperty("done").GetInt32();
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException)
        {
            return 0;
        }
    }

    public static JsonElement Manifest(string runDir) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(runDir, "results", "manifest.json"))).RootElement;

    /// <summary>Waits until the run has journaled at least <paramref name="files"/> files; fails if it ended first.</summary>
    public static Task WaitForDone(string runDir, int files, Func<bool> ended, Func<string> describe, TimeSpan timeout) =>
        WaitForDone(runDir, files, () => Task.FromResult(ended()), describe, timeout);

    /// <summary>Waits until the run has journaled at least <paramref name="files"/> files; fails if it ended first.</summary>
    public static async Task WaitForDone(string runDir, int files, Func<Task<bool>> ended, Func<string> describe, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Done(runDir) < files)
        {
            if (await ended()) throw new InvalidOperationException($"the run ended before {files} files were done:\n{describe()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"fewer than {files} files done after {timeout}:\n{describe()}");
            await Task.Delay(20);
        }
    }
}
