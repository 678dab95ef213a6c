namespace Form3Actors.Coordinator.State;

/// <summary>A worker as the state knows it: its id (actor path), its own name, its node's cluster address, and its node's name for the log and manifest.</summary>
public sealed record WorkerRef(string Id, string Name, string NodeAddress, string NodeName);

/// <summary>
/// The workers connected to the run, by the node they run on, and every node that took part (for the manifest). A
/// run that needs external nodes keeps a deadline whenever none is connected: armed afresh at each moment the last
/// one goes, dropped when one comes, so that it always counts from the latest such moment.
/// </summary>
public sealed class NodeRoster
{
    readonly Dictionary<string, string> _nodeOf = [];
    readonly HashSet<string> _nodeNames = [];

    public int Workers => _nodeOf.Count;
    public int Nodes => _nodeOf.Values.Distinct().Count();
    public IReadOnlyCollection<string> NodeNames => _nodeNames;

    /// <summary>The generation of the node deadline now armed (0: none); a deadline of an earlier generation is void.</summary>
    public int Deadline { get; private set; }
    int _generations;

    /// <summary>Registers a worker the first time it asks; says whether it and its node are new.</summary>
    public (bool NewWorker, bool NewNode) Register(WorkerRef worker) =>
        _nodeOf.TryAdd(worker.Id, worker.NodeAddress) ? (true, _nodeNames.Add(worker.NodeName)) : (false, false);

    public bool Knows(string workerId) => _nodeOf.ContainsKey(workerId);

    /// <summary>Forgets the workers of a node that left; returns their ids.</summary>
    public IReadOnlyList<string> RemoveNode(string nodeAddress)
    {
        var gone = _nodeOf.Where(w => w.Value == nodeAddress).Select(w => w.Key).ToList();
        foreach (var id in gone) _nodeOf.Remove(id);
        return gone;
    }

    public bool RemoveWorker(string workerId) => _nodeOf.Remove(workerId);

    /// <summary>Arms a new deadline if none is armed and no worker is connected; returns its generation, or 0.</summary>
    public int ArmDeadlineIfAlone()
    {
        if (Workers > 0 || Deadline != 0) return 0;
        return Deadline = ++_generations;
    }

    /// <summary>Drops the armed deadline once a worker is connected; true if there was one.</summary>
    public bool DisarmDeadlineIfJoined()
    {
        if (Workers == 0 || Deadline == 0) return false;
        Deadline = 0;
        return true;
    }

    /// <summary>True when the deadline of this generation is the one armed and no worker came meanwhile.</summary>
    public bool DeadlinePassed(int generation)
    {
        if (generation != Deadline || Workers > 0) return false;
        Deadline = 0;
        return true;
    }
}
