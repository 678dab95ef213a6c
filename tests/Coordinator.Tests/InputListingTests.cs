using System.Text;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Messages;

namespace Form3Actors.Coordinator.Tests;

/// <summary>Tests that measure the heap: run alone, since other tests' garbage collected meanwhile would skew them.</summary>
[CollectionDefinition(nameof(HeapMeasuring), DisableParallelization = true)]
public sealed class HeapMeasuring;

[Collection(nameof(HeapMeasuring))]
public sealed class InputListingTests
{
    static InputFile File(int i, string root, string sourcePath) => new(FileKey.Of($"{root}/{sourcePath}#{i}"), root, sourcePath);

    static void AssertSameAsList(IReadOnlyList<InputFile> files, InputListing listing)
    {
        Assert.Equal(files.Count, listing.Count);
        for (var i = 0; i < files.Count; i++)
        {
            var read = listing[i];
            if (files[i] != read)
                Assert.Fail($"entry {i}: listed {Short(files[i].SourcePath)} (key {files[i].Key:x}), read back {Short(read.SourcePath)} (key {read.Key:x})");
        }
    }

    static string Short(string path) => path.Length <= 60 ? path : path[..30] + "…" + path[^30..];

    [Fact]
    public void Paths_that_fill_a_chunk_exactly_do_not_overwrite_the_next_path()
    {
        // Chunks of 16 bytes: the first path fills one exactly, the next two share one, the fourth is larger than a chunk.
        string[] paths = ["0123456789abcdef", "abcdefgh", "ABCDEFGH", "a path longer than one chunk", "x", "0123456789ABCDE"];
        var files = paths.Select((p, i) => File(i, "/m", p)).ToList();

        AssertSameAsList(files, new InputListing("test", files, 0, 0, 0, arenaChunkBytes: 16));
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 64)]
    [InlineData(3, 100)]
    [InlineData(4, 257)]
    [InlineData(5, 4096)]
    public void Every_entry_reads_back_as_listed_for_random_path_lengths(int seed, int chunkBytes)
    {
        // Lengths from 1 byte to past the chunk size, multi-byte UTF-8, and paths sized to end exactly on a chunk.
        var random = new Random(seed);
        var files = new List<InputFile>();
        var used = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(4) switch
            {
                0 => chunkBytes - used % chunkBytes,
                1 => random.Next(1, chunkBytes * 2 + 2),
                _ => random.Next(1, Math.Max(2, chunkBytes / 3)),
            };
            var path = RandomPath(random, length);
            used += Encoding.UTF8.GetByteCount(path);
            files.Add(File(i, "/m", path));
        }

        AssertSameAsList(files, new InputListing("test", files, 0, 0, 0, arenaChunkBytes: chunkBytes));
    }

    [Fact]
    public void Forty_thousand_EDGAR_paths_of_varied_length_read_back_as_listed_with_the_default_chunks()
    {
        // What the issue reproduced: absolute mirror paths with CIK folders of 1 to 10 digits, some with ./ segments.
        // When the rest of a 1 MiB chunk can be filled exactly by choosing the CIK's digit count, it is, as EDGAR's
        // varied lengths eventually do by chance.
        var random = new Random(40);
        var files = new List<InputFile>();
        var used = 0;
        var exactFills = 0;
        for (var i = 0; i < 40_000 || exactFills < 3; i++)
        {
            var tail = $"/{random.Next(1_000_000_000):D10}-{random.Next(100):D2}-{i:D6}.txt";
            var rest = InputListing.DefaultArenaChunkBytes - used;
            var dot = random.Next(10) == 0 ? "./" : "";
            if (rest - Head("").Length - tail.Length is >= 1 and <= 10) dot = "";
            else if (rest - Head("./").Length - tail.Length is >= 1 and <= 10) dot = "./";
            var head = Head(dot);
            var digits = rest - head.Length - tail.Length is >= 1 and <= 10 and var fit ? fit : random.Next(1, 11);
            if (digits == rest - head.Length - tail.Length) exactFills++;
            var path = $"{head}{random.NextInt64((long)Math.Pow(10, digits - 1), (long)Math.Pow(10, digits))}{tail}";
            // Where the listing puts it: a path that does not fit in the rest of a chunk starts the next one.
            used = (used + path.Length > InputListing.DefaultArenaChunkBytes ? 0 : used) + path.Length;
            files.Add(File(i, "/", path));
        }

        AssertSameAsList(files, new InputListing("test", files, 0, 0, 0));
    }

    static string Head(string dot) => $"/scratch/mirror/{dot}edgar/data/";

    static string RandomPath(Random random, int utf8Bytes)
    {
        var s = new StringBuilder();
        var bytes = 0;
        while (bytes < utf8Bytes)
        {
            var wide = utf8Bytes - bytes >= 2 && random.Next(5) == 0;
            s.Append(wide ? 'ü' : (char)('a' + random.Next(26)));
            bytes += wide ? 2 : 1;
        }
        return s.ToString();
    }

    [Fact]
    public void A_file_is_found_by_its_key_and_an_unlisted_key_is_not_across_growths_of_the_index()
    {
        var files = TestFiles.Many(100_000);
        var listing = new InputListing("test", files, 0, 0, 0);

        Assert.All(Enumerable.Range(0, files.Count).Where(i => i % 97 == 0), i => Assert.Equal(i, listing.IndexOf(files[i].Key)));
        Assert.True(listing.Contains(files[0].Key));
        Assert.False(listing.Contains(FileKey.Of("/not/listed.txt")));
        Assert.Equal(-1, listing.IndexOf(default));
    }

    [Fact]
    public void A_file_listed_twice_is_kept_once_and_every_file_shares_the_listings_root()
    {
        var listing = new InputListing("test");
        Assert.True(listing.TryAdd(TestFiles.File(1).Key, "/data", "1.txt"));
        Assert.False(listing.TryAdd(TestFiles.File(1).Key, "/data", "./1.txt"));
        Assert.Equal((1, "/data"), (listing.Count, listing.Root));
        Assert.Throws<ArgumentException>(() => listing.TryAdd(TestFiles.File(2).Key, "/elsewhere", "2.txt"));
    }

    [Fact]
    public void A_listing_keeps_a_file_in_about_its_path_length_plus_a_few_dozen_bytes()
    {
        const int files = 1 << 20; // whole chunks of keys, so that the test measures a file's cost, not a chunk's slack
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var listing = new InputListing("edgar");
        for (var i = 0; i < files; i++) listing.TryAdd(FileKey.Of($"/m/{i}"), "/m", $"edgar/data/{1_000_000 + i % 5_000}/0001209191-20-{i:D6}.txt");
        var perFile = (double)(GC.GetTotalMemory(forceFullCollection: true) - before) / files;
        GC.KeepAlive(listing);
        // 43 bytes of path, 16 of key, 4 of location, and the key index's slots (at most 60 % full, 4 bytes each).
        Assert.InRange(perFile, 43 + 16 + 4, 43 + 16 + 4 + 4 / 0.6 * 2);
    }
}
