using Akka.Event;

namespace Form3Actors.Coordinator.State;

/// <summary>
/// A rerun's look at the files its journal finished: the files it never finished are due at once, the others are
/// checked on disk (a stat each, off the coordinator's thread) and due again only if their version changed.
/// </summary>
public sealed class RerunChecks(RunLedger ledger, FileQueue queue, TimeSpan checkDeadline)
{
    int _changed;

    /// <summary>Files the journal knows whose check has not come back yet.</summary>
    public int Unchecked { get; private set; }

    /// <summary>Files earlier runs finished, found unchanged: this run skips them.</summary>
    public int AlreadyDone { get; private set; }

    /// <summary>Makes every file the journal never finished due, and returns those to check.</summary>
    public List<int> Begin(int files)
    {
        var toCheck = new List<int>();
        for (var i = 0; i < files; i++)
            if (ledger.Knows(i)) toCheck.Add(i);
            else queue.MakeDue(i);
        Unchecked = toCheck.Count;
        return toCheck;
    }

    /// <summary>Checks came back: a file the journal finished in this very version is skipped, any other is due. Returns how many were skipped.</summary>
    public int Count(DecisionBuilder d, VersionsChecked checks, TimeSpan since)
    {
        foreach (var path in checks.TimedOut)
            d.Log(LogLevel.WarningLevel, $"Checking {path} on disk took longer than form3.coordinator.check-deadline ({checkDeadline.TotalSeconds:N0} s; " +
                "a hung mount?): counted as changed, so a worker reads it (and gives up on it the same way)");
        var changed = 0;
        for (var i = 0; i < checks.Indices.Length; i++)
        {
            if (ledger.IsFinished(checks.Indices[i], checks.Versions[i])) continue;
            queue.MakeDue(checks.Indices[i]);
            changed++;
        }
        Unchecked -= checks.Indices.Length;
        _changed += changed;
        AlreadyDone += checks.Indices.Length - changed;
        if (Unchecked == 0)
            d.Log(LogLevel.InfoLevel, $"Checked the files earlier runs finished in {since.TotalSeconds:F2} s: " +
                $"{AlreadyDone:N0} already done by earlier runs (skipped), {_changed:N0} changed or gone (to process)");
        return checks.Indices.Length - changed;
    }
}
