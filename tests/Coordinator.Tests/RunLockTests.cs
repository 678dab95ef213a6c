using System.Text.Json;
using Form3Actors.Coordinator.Hosting;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Tests;

/// <summary>The run folder's lock on a real file: an exclusive create with a lease, taken over only from a holder that is gone.</summary>
public sealed class RunLockTests : IDisposable
{
    static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    readonly TempFolder _temp = new();
    readonly RunFolder _folder;

    public RunLockTests() => _folder = RunFolder.Create(Path.Combine(_temp.Path, "run"));

    static LockHolder Holder(string host, int pid, DateTimeOffset renewed, string? job = null, int restart = 0) =>
        new(Guid.NewGuid().ToString("N"), host, pid, job, restart, renewed - TimeSpan.FromMinutes(5), renewed);

    /// <summary>Puts another holder's lock in place at once, as its exclusive create or its renewal would.</summary>
    void Place(LockHolder holder)
    {
        File.WriteAllBytes(_folder.Lock + ".placing", JsonSerializer.SerializeToUtf8Bytes(holder, JsonFile.Options));
        File.Move(_folder.Lock + ".placing", _folder.Lock, overwrite: true);
    }

    RunLock Acquire(Action<string>? lost = null, TimeSpan? renew = null) =>
        RunLock.Acquire(_folder, Lease, renew ?? TimeSpan.FromSeconds(10), lost ?? (_ => { }));

    [Fact]
    public void The_verdict_takes_over_only_a_lock_whose_holder_is_gone()
    {
        var me = Holder("node-a", 200, Now, job: "77", restart: 1) with { AcquiredAt = Now };
        bool Alive(int pid, DateTimeOffset since) => pid == 100;
        Assert.IsType<LockVerdict.Held>(LockVerdict.Judge(Holder("node-b", 100, Now - TimeSpan.FromSeconds(30)), me, Lease, Alive));
        Assert.IsType<LockVerdict.Stale>(LockVerdict.Judge(Holder("node-b", 100, Now - TimeSpan.FromSeconds(61)), me, Lease, Alive));
        Assert.IsType<LockVerdict.Held>(LockVerdict.Judge(Holder("node-a", 100, Now), me, Lease, Alive));
        Assert.IsType<LockVerdict.Stale>(LockVerdict.Judge(Holder("node-a", 101, Now), me, Lease, Alive));
        Assert.IsType<LockVerdict.Stale>(LockVerdict.Judge(Holder("node-b", 100, Now, job: "77", restart: 0), me, Lease, Alive));
        Assert.IsType<LockVerdict.Held>(LockVerdict.Judge(Holder("node-b", 100, Now, job: "78", restart: 0), me, Lease, Alive));
    }

    [Fact]
    public void A_second_coordinator_is_refused_with_who_holds_the_lock_and_gets_it_once_released()
    {
        using (Acquire())
        {
            var refused = Assert.Throws<RunFolderInUseException>(() => Acquire());
            Assert.Contains($"pid {Environment.ProcessId}", refused.Message);
            Assert.Contains(Environment.MachineName, refused.Message);
        }
        Assert.False(File.Exists(_folder.Lock));
        using (Acquire()) Assert.True(File.Exists(_folder.Lock));
    }

    [Fact]
    public void A_lock_left_by_an_ended_process_or_with_a_lapsed_lease_is_taken_over_and_a_live_one_is_not()
    {
        Place(Holder(Environment.MachineName, 999_999_999, Now)); // no such process
        using (Acquire()) { }
        Place(Holder("another-host", 1, Now - TimeSpan.FromMinutes(2)));
        using (Acquire()) { }
        Place(Holder("another-host", 1, Now));
        Assert.Contains("another-host", Assert.Throws<RunFolderInUseException>(() => Acquire()).Message);
        Assert.Empty(Directory.GetFiles(_folder.Root, "coordinator.lock.stale-*"));
    }

    [Fact]
    public void A_lock_file_that_names_no_holder_is_taken_over_only_once_old()
    {
        File.WriteAllText(_folder.Lock, ""); // another coordinator between its exclusive create and its first write
        Assert.Contains("taking it right now", Assert.Throws<RunFolderInUseException>(() => Acquire()).Message);
        File.SetLastWriteTimeUtc(_folder.Lock, DateTime.UtcNow - TimeSpan.FromMinutes(5)); // left half-written by a crash
        using (Acquire()) Assert.True(File.Exists(_folder.Lock));
    }

    [Fact]
    public async Task A_lock_taken_over_behind_its_holder_is_noticed_at_the_next_renewal()
    {
        var lost = new TaskCompletionSource<string>();
        using var held = Acquire(reason => lost.TrySetResult(reason), renew: TimeSpan.FromMilliseconds(100));
        DateTimeOffset RenewedAt() => JsonSerializer.Deserialize<LockHolder>(File.ReadAllBytes(_folder.Lock), JsonFile.Options)!.RenewedAt;
        var renewedBefore = RenewedAt();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (RenewedAt() == renewedBefore && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(RenewedAt() > renewedBefore, "the holder did not renew its lease");
        Place(Holder("another-host", 1, DateTimeOffset.UtcNow));
        Assert.Contains("taken over (host another-host", await lost.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        held.Dispose();
        Assert.True(File.Exists(_folder.Lock)); // the new holder's lock stays
    }

    public void Dispose() => _temp.Dispose();
}
