using Form3Actors.Core.Work;

namespace Form3Actors.Core.Tests;

/// <summary>Requests sized by time, not count: the same worker asks for few files on slow storage and many on fast.</summary>
public sealed class BatchSizerTests
{
    [Fact]
    public void The_first_request_is_small_and_later_ones_follow_the_measured_pace()
    {
        var sizer = new BatchSizer(firstRequest: 32, maxRequest: 4096, TimeSpan.FromSeconds(1.5));
        Assert.Equal(32, sizer.NextRequest);

        // 10 ms a file, one read in flight at a time: 100 files/s, so 150 files make a batch of 1.5 s.
        sizer.Observe(32, TimeSpan.FromSeconds(0.32));
        Assert.Equal(150, sizer.NextRequest);
    }

    [Fact]
    public void Fast_storage_is_capped_and_a_slowdown_is_followed_within_a_few_batches()
    {
        var sizer = new BatchSizer(firstRequest: 32, maxRequest: 4096, TimeSpan.FromSeconds(1.5));
        sizer.Observe(32, TimeSpan.FromMilliseconds(2)); // a warm page cache: 16,000 files/s
        Assert.Equal(4096, sizer.NextRequest);

        // The storage slows down to 200 files/s: each batch moves the pace halfway.
        var sizes = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            sizer.Observe(sizer.NextRequest, TimeSpan.FromSeconds(sizer.NextRequest / 200.0));
            sizes.Add(sizer.NextRequest);
        }
        Assert.True(sizes.Zip(sizes.Skip(1)).All(p => p.Second <= p.First), string.Join(", ", sizes));
        Assert.InRange(sizes[^1], 300, 400);
    }

    [Fact]
    public void An_empty_or_untimed_batch_teaches_nothing_and_a_request_is_never_empty()
    {
        var sizer = new BatchSizer(firstRequest: 8, maxRequest: 100, TimeSpan.FromSeconds(1));
        sizer.Observe(0, TimeSpan.FromSeconds(1));
        sizer.Observe(5, TimeSpan.Zero);
        Assert.Equal(8, sizer.NextRequest);
        sizer.Observe(1, TimeSpan.FromMinutes(10)); // a file that took minutes
        Assert.Equal(1, sizer.NextRequest);
    }
}
