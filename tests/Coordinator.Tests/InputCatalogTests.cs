using Form3Actors.Coordinator.Inputs;
using Form3Actors.Core.Extraction;
using Form3Actors.Testing;

namespace Form3Actors.Coordinator.Tests;

public sealed class InputCatalogTests
{
    static readonly InputOptions Defaults = new(InputKind.Auto, "filepath", null, ["*.txt", "*.xml", "*.nc"], FormSelection.Default);

    static string Real(string name) => Path.Combine(TestData.RepoRoot, "tests", "data", "real", name);

    [Fact]
    public void Csv_paths_are_read_relative_to_the_csv_and_blank_and_duplicate_rows_are_counted()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(Path.Combine(temp.Path, "f"));
        File.WriteAllText(Path.Combine(temp.Path, "f", "a.txt"), "a");
        File.WriteAllText(Path.Combine(temp.Path, "f", "b.txt"), "bb");
        var csv = Path.Combine(temp.Path, "list.csv");
        File.WriteAllText(csv, "cik,FilePath\n1,f/a.txt\n2,\n3,f/b.txt\n4,f/a.txt\n5,f/missing.txt\n6,  \n");
        var listing = InputCatalog.Load(csv, Defaults);
        // A missing file is listed like any other: the worker that reads it writes its missing_file row.
        Assert.Equal(["f/a.txt", "f/b.txt", "f/missing.txt"], Files(listing).Select(f => f.SourcePath));
        Assert.Equal(Path.Combine(temp.Path, "f", "b.txt"), Files(listing)[1].Path);
        Assert.Equal(2, listing.BlankRows);
        Assert.Equal(1, listing.DuplicateRows);
    }

    [Fact]
    public async Task Listing_never_touches_the_listed_files_and_keeps_the_input_order()
    {
        // On a network file system every check is a round trip: listing reads the input alone. 80,000 rows with
        // EDGAR's varied path lengths and duplicates, none of them on disk, and a FIFO (which would block an open);
        // the CSV is over 3 MiB, so it is read in several ranges at once and rows straddle their edges.
        using var temp = new TempFolder();
        var random = new Random(7);
        var rows = new List<string>();
        for (var i = 0; i < 80_000; i++)
        {
            var cik = random.NextInt64(1, 10_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var path = $"edgar/data/{cik}/{i:D10}-{random.Next(100):D2}-{i % 999_999:D6}.txt";
            rows.Add(path);
            if (i % 11 == 0) rows.Add(path);
        }
        var fifo = Path.Combine(temp.Path, "fifo.txt");
        await Shell.Run("mkfifo", [fifo]);
        rows.Add("fifo.txt");
        var csv = Path.Combine(temp.Path, "form_3_many.csv");
        await File.WriteAllLinesAsync(csv, ["filepath", .. rows]);

        Assert.True(new FileInfo(csv).Length > 3 << 20);
        var listing = await Task.Run(() => InputCatalog.Load(csv, Defaults)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(rows.Distinct(), Files(listing).Select(f => f.SourcePath));
        Assert.Equal(rows.Count - rows.Distinct().Count(), listing.DuplicateRows);
    }

    [Fact]
    public void Csv_without_the_path_column_says_which_columns_it_has()
    {
        using var temp = new TempFolder();
        var csv = Path.Combine(temp.Path, "list.csv");
        File.WriteAllText(csv, "cik,path\n1,a.txt\n");
        var error = Assert.Throws<InputException>(() => InputCatalog.Load(csv, Defaults));
        Assert.Contains("no 'filepath' column (its columns: cik, path)", error.Message);
        Assert.Contains("--path-column", error.Message);
        Assert.Equal(1, InputCatalog.Load(csv, Defaults with { PathColumn = "path" }).Count);
    }

    [Fact]
    public void A_folder_lists_matching_files_recursively_in_a_stable_order()
    {
        using var temp = new TempFolder();
        foreach (var name in new[] { "edgar/data/2/b.txt", "edgar/data/1/a.xml", "edgar/data/1/c.nc", "notes.md" })
        {
            var path = Path.Combine(temp.Path, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "x");
        }
        var listing = InputCatalog.Load(temp.Path, Defaults);
        Assert.Equal(["edgar/data/1/a.xml", "edgar/data/1/c.nc", "edgar/data/2/b.txt"], Files(listing).Select(f => f.SourcePath));
    }

    [Fact]
    public void Daily_form_index_keeps_only_form_3_and_3A_rows_under_the_mirror_root()
    {
        using var mirror = new TempFolder();
        // Two of the index's filings exist in this mirror; the rest are listed all the same (their workers report them missing).
        foreach (var name in new[] { "edgar/data/1770787/0000899243-20-008926.txt", "edgar/data/1506293/0001506293-20-000050.txt" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(mirror.Path, name))!);
            File.WriteAllText(Path.Combine(mirror.Path, name), "x");
        }
        var listing = InputCatalog.Load(Real("form.20200318.idx.form3-excerpt"), Defaults with { MirrorRoot = mirror.Path });
        // The excerpt has 89 rows of form 3, 2 of form 3/A and 1 of form 1-A.
        Assert.Equal(91, listing.Count);
        Assert.Equal(1, listing.SkippedRows);
        Assert.Contains("edgar/data/1770787/0000899243-20-008926.txt", Files(listing).Select(f => f.SourcePath));
        Assert.Contains("edgar/data/1506293/0001506293-20-000050.txt", Files(listing).Select(f => f.SourcePath));
    }

    [Fact]
    public void Company_index_with_its_wrapped_header_is_read()
    {
        using var mirror = new TempFolder();
        var listing = InputCatalog.Load(Real("company.20221003.idx.form3-excerpt"), Defaults with { MirrorRoot = mirror.Path });
        Assert.Equal(226, listing.Count);
        Assert.Equal("edgar/data/1144215/0001144215-22-000083.txt", listing[0].SourcePath);
    }

    [Fact]
    public void Master_index_is_pipe_separated()
    {
        using var temp = new TempFolder();
        var index = Path.Combine(temp.Path, "master.idx");
        File.WriteAllText(index, "Description: Master Index\n\nCIK|Company Name|Form Type|Date Filed|Filename\n--------\n" +
            "1750|AAR CORP|3|2020-03-18|edgar/data/1750/0001127602-20-011230.txt\n1750|AAR CORP|4|2020-03-18|edgar/data/1750/x.txt\n" +
            "1750|AAR CORP|3/A|2020-03-18|edgar/data/1750/y.txt\n");
        var listing = InputCatalog.Load(index, Defaults with { MirrorRoot = temp.Path });
        Assert.Equal(["edgar/data/1750/0001127602-20-011230.txt", "edgar/data/1750/y.txt"], Files(listing).Select(m => m.SourcePath));
        Assert.Equal(1, listing.SkippedRows);
    }

    [Fact]
    public void An_index_lists_the_rows_of_the_forms_the_run_takes_and_the_listing_carries_them()
    {
        using var temp = new TempFolder();
        var index = Path.Combine(temp.Path, "master.idx");
        File.WriteAllText(index, "Description: Master Index\n\nCIK|Company Name|Form Type|Date Filed|Filename\n--------\n" +
            "1750|AAR CORP|3|2020-03-18|edgar/data/1750/a.txt\n1750|AAR CORP|4|2020-03-18|edgar/data/1750/b.txt\n" +
            "1750|AAR CORP|10-K|2020-03-18|edgar/data/1750/c.txt\n1750|AAR CORP|5/A|2020-03-18|edgar/data/1750/d.txt\n");
        var listing = InputCatalog.Load(index, Defaults with { MirrorRoot = temp.Path, Forms = FormSelection.Parse("4,5") });
        Assert.Equal(["edgar/data/1750/b.txt", "edgar/data/1750/d.txt"], Files(listing).Select(m => m.SourcePath));
        Assert.Equal(2, listing.SkippedRows);
        Assert.Equal(FormSelection.Parse("4,5"), listing.Forms);
    }

    [Fact]
    public void An_index_without_a_mirror_root_says_how_to_fix_it()
    {
        var error = Assert.Throws<InputException>(() => InputCatalog.Load(Real("form.20200318.idx.form3-excerpt"), Defaults));
        Assert.Contains("--mirror-root", error.Message);
    }

    [Fact]
    public void A_missing_input_is_a_clear_error() =>
        Assert.Contains("input not found: /no/such/list.csv", Assert.Throws<InputException>(() => InputCatalog.Load("/no/such/list.csv", Defaults)).Message);

    static List<InputFile> Files(InputListing listing) => Enumerable.Range(0, listing.Count).Select(i => listing[i]).ToList();
}
