using Form3Actors.Coordinator.Inputs;

namespace Form3Actors.Coordinator.Tests;

public sealed class InputListingTests
{
    [Fact]
    public void Files_come_back_exactly_as_listed_across_storage_chunks()
    {
        // Long and non-ASCII paths, 70,000 files: more than one entry chunk and one path chunk.
        var files = Enumerable.Range(0, 70_000)
            .Select(i => new InputFile(FileKeys.Of($"/m/{i}"), i % 2 == 0 ? "/m" : "/other root", $"edgar/data/{i}/ünïcödé-{new string('x', i % 300)}.txt", i, -i))
            .ToList();
        var listing = new InputListing("test", files, [], 0, 0, 0);

        Assert.Equal(files.Count, listing.Count);
        Assert.Equal(files, listing.Files);
        Assert.Equal("/other root/edgar/data/1/ünïcödé-x.txt", listing[1].Path);
    }

    [Fact]
    public void A_file_is_found_by_its_key_and_an_unlisted_key_is_not()
    {
        var files = TestFiles.Many(1000);
        var listing = new InputListing("test", files, [], 0, 0, 0);

        Assert.Equal(617, listing.IndexOf(files[617].Key));
        Assert.True(listing.Contains(files[0].Key));
        Assert.False(listing.Contains(FileKeys.Of("/not/listed.txt")));
        Assert.Equal((files[5].Key, files[5].Size, files[5].ModifiedUtcTicks), listing.VersionAt(5));
    }
}
