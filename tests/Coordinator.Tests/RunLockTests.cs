using System.Text.Json;
using Form3Actors.Coordinator.Hosting;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Hosting;
using Mono.Unix.Native;

namespace Form3Actors.Coordinator.Tests;

/// <summary>
/// The run folder's lock on real files: taken by hard-linking coordinator.lock to the holder's own file, renewed by
/// writing only that file, judged by how long ago it was renewed on the file system's clock, taken over only from a
/// holder that is gone.
/// </summary>
public sealed class RunLockTests : IDisposable
{
    static readonly LockSettings Settings = new(Lease: TimeSpan.FromSeconds(60), RenewInterval: TimeSpan.FromSeconds(10));
    readonly TempFolder _temp = new();
    readonly RunFolder _folder;

    public RunLockTests() => _folder = RunFolder.Create(Path.Combine(_temp.Path, "run"));

    static LockHolder Holder(string host, int pid, string? job = null, int restart = 0) =>
        new(Guid.NewGuid().ToString("N"), host, pid, job, restart, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(5));

    /// <summary>Puts another holder's lock in place, as its takeover would, last renewed <paramref name="renewedAgo"/> ago.</summary>
    string Place(LockHolder holder, TimeSpan? renewedAgo = null)
    {
        var own = $"{_folder.Lock}.{holder.Token}";
        File.WriteAllBytes(own, JsonSerializer.SerializeToUtf8Bytes(holder, JsonFile.Options));
        File.SetLastWriteTimeUtc(own, DateTime.UtcNow - (renewedAgo ?? TimeSpan.Zero));
        File.Delete(_folder.Lock);
        Assert.Equal(0, Syscall.link(own, _folder.Lock));
        return own;
    }

    RunLock Acquire(Action<string>? lost = null, LockSettings? settings = null) => RunLock.Acquire(_folder, settings ?? Settings, lost ?? (_ => { }));

    [Fact]
    public void The_verdict_takes_over_only_a_lock_whose_holder_is_gone()
    {
        var me = Holder("node-a", 200, job: "77", restart: 1);
        bool Alive(int pid, DateTimeOffset since) => pid == 100;
        LockVerdict Judge(LockHolder holder, double silentSeconds) => LockVerdict.Judge(holder, me, TimeSpan.FromSeconds(silentSeconds), Settings, Alive);
        Assert.IsType<LockVerdict.Held>(Judge(Holder("node-b", 100), 30));
        Assert.IsType<LockVerdict.Stale>(Judge(Holder("node-b", 100), 61));
        Assert.IsType<LockVerdict.Held>(Judge(Holder("node-a", 100), 0));
        Assert.IsType<LockVerdict.Stale>(Judge(Holder("node-a", 101), 0));
        // An earlier attempt of this job: over once it stops renewing (its node may have failed with it still running).
        Assert.IsType<LockVerdict.Held>(Judge(Holder("node-b", 100, job: "77", restart: 0), 5));
        Assert.IsType<LockVerdict.Stale>(Judge(Holder("node-b", 100, job: "77", restart: 0), 21));
        Assert.IsType<LockVerdict.Held>(Judge(Holder("node-b", 100, job: "78", restart: 0), 21));
    }

    [Fact]
    public void A_second_coordinator_is_refused_with_who_holds_the_lock_and_gets_it_once_released()
    {
        using (Acquire())
        {
            var refused = Assert.Throws<RunFolderInUseException>(() => Acquire());
            Assert.Contains($"pid {Environment.ProcessId}", refused.Message);
            Assert.Contains(Environment.MachineName, refused.Message);
            Assert.Contains("renewed 0 s ago", refused.Message);
        }
        Assert.False(File.Exists(_folder.Lock));
        Assert.Empty(Directory.GetFiles(_folder.Root, "coordinator.lock*"));
        using (Acquire()) Assert.True(File.Exists(_folder.Lock));
    }

    [Fact]
    public void A_lock_left_by_an_ended_process_or_not_renewed_for_the_lease_is_taken_over_and_a_live_one_is_not()
    {
        Place(Holder(Environment.MachineName, 999_999_999)); // no such process
        using (Acquire()) { }
        Place(Holder("another-host", 1), renewedAgo: TimeSpan.FromMinutes(2));
        using (Acquire()) { }
        Place(Holder("another-host", 1), renewedAgo: TimeSpan.FromSeconds(5));
        Assert.Contains("another-host", Assert.Throws<RunFolderInUseException>(() => Acquire()).Message);
        Assert.Empty(Directory.GetFiles(_folder.Root, "coordinator.lock.stale-*"));
    }

    [Fact]
    public void A_lock_file_that_names_no_holder_is_taken_over_only_once_old()
    {
        File.WriteAllText(_folder.Lock, ""); // another coordinator between its link and its first write, in an earlier release
        Assert.Contains("taking it right now", Assert.Throws<RunFolderInUseException>(() => Acquire()).Message);
        File.SetLastWriteTimeUtc(_folder.Lock, DateTime.UtcNow - TimeSpan.FromMinutes(5)); // left half-written by a crash
        using (Acquire()) Assert.True(File.Exists(_folder.Lock));
    }

    [Fact]
    public async Task A_lock_taken_over_behind_its_holder_is_noticed_at_the_next_renewal_and_the_new_lock_is_never_written_by_it()
    {
        var lost = new TaskCompletionSource<string>();
        var fast = Settings with { RenewInterval = TimeSpan.FromMilliseconds(100) };
        using var held = Acquire(reason => lost.TrySetResult(reason), fast);
        var renewedBefore = File.GetLastWriteTimeUtc(_folder.Lock);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (File.GetLastWriteTimeUtc(_folder.Lock) == renewedBefore && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(File.GetLastWriteTimeUtc(_folder.Lock) > renewedBefore, "the holder did not renew its lease");

        var taker = Place(Holder("another-host", 1));
        var content = File.ReadAllBytes(taker);
        Assert.Contains("taken over (host another-host", await lost.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        held.Dispose();
        Assert.Equal(content, File.ReadAllBytes(_folder.Lock)); // the new holder's lock stays, untouched
    }

    public void Dispose() => _temp.Dispose();
}
