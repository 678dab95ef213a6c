using System.CommandLine;
using Form3Actors.Benchmarks;
using Form3Actors.Testing;

var root = new RootCommand("Form3Actors benchmarks and corpus generator");

var output = new Argument<string>("output") { Description = "Folder to write the corpus into" };
var count = new Option<int>("--count") { Description = "Number of filings", DefaultValueFactory = _ => 10_000 };
var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same corpus)", DefaultValueFactory = _ => 1 };
var mixed = new Option<bool>("--mixed") { Description = "Forms 4 and 5 with their transactions as most of the corpus, as on EDGAR (run it with --forms 3,4,5)" };
var generate = new Command("generate", "Write a synthetic EDGAR-mirror corpus of ownership filings and its input CSV") { output, count, seed, mixed };
generate.SetAction(parse =>
{
    var corpus = CorpusGenerator.Generate(parse.GetRequiredValue(output), parse.GetValue(count), parse.GetValue(seed), parse.GetValue(mixed));
    Console.WriteLine($"{corpus.Files} files in {corpus.Root}: {corpus.Form3} Form 3, {corpus.HeaderOnly} header-only, {corpus.NotForm3} Forms 4 and 5 " +
        $"({corpus.Transactions} transactions), {corpus.Broken} broken; input {corpus.InputCsv}");
});
root.Add(generate);

var sizes = new Option<string>("--sizes") { Description = "Corpus sizes for the end-to-end table, comma separated", DefaultValueFactory = _ => "10000,100000" };
var scale = new Option<string>("--scale") { Description = "Journal sizes for the coordinator recovery/memory table (add 1000000 for the million-file figure)", DefaultValueFactory = _ => "100000" };
var work = new Option<string>("--work") { Description = "Scratch folder for corpora and runs (corpora are kept and reused)", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "form3-bench") };
var run = new Command("run", "Measure the read floor, the extractor, the embedded default and the cluster (TLS on and off), and the coordinator as runs grow; prints a Markdown table")
{
    sizes, scale, work,
};
run.SetAction(async (parse, _) => await BenchmarkReport.Run(
    parse.GetRequiredValue(sizes).Split(',').Select(int.Parse).ToList(),
    parse.GetRequiredValue(scale).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList(),
    parse.GetRequiredValue(work)));
root.Add(run);

var slowFiles = new Option<int>("--files") { Description = "Filings run end to end on slow storage", DefaultValueFactory = _ => 20_000 };
var slowListed = new Option<int>("--listed") { Description = "Filings listed for the first-hand-out and rerun rows", DefaultValueFactory = _ => 100_000 };
var latencies = new Option<string>("--latencies") { Description = "Delays per request in ms, comma separated", DefaultValueFactory = _ => "1,10" };
var pythonSeconds = new Option<int>("--python-seconds") { Description = "About how long the Python script runs at each delay (on the first files of the list)", DefaultValueFactory = _ => 15 };
var slow = new Command("slow", "The filings on a network file system (shared/bench/latencyfs mounted by the benchmark): plain readers, the script, the embedded default, the cluster, reruns; prints a Markdown table")
{
    slowFiles, slowListed, latencies, pythonSeconds, work,
};
slow.SetAction(async (parse, _) => await SlowStorageBenchmark.Run(parse.GetValue(slowFiles), parse.GetValue(slowListed),
    parse.GetRequiredValue(latencies).Split(',').Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToList(),
    parse.GetValue(pythonSeconds), parse.GetRequiredValue(work)));
root.Add(slow);

var formsFiles = new Option<int>("--files") { Description = "Filings of each generated corpus (Form 3 only, and mixed)", DefaultValueFactory = _ => 20_000 };
var forms = new Command("forms", "Forms 3 against Forms 4 and 5: the extractor per core (files and MB per second), and end to end against the plain script extended to transactions; prints a Markdown table")
{
    formsFiles, work,
};
forms.SetAction(async (parse, _) => await FormsBenchmark.Run(parse.GetValue(formsFiles), parse.GetRequiredValue(work)));
root.Add(forms);

var scaleOnly = new Command("scale", "Only the coordinator table of `run`: hand-out and journal with no-op workers, recovery, ledger memory") { scale, work };
scaleOnly.SetAction(async (parse, _) => await BenchmarkReport.Scale(
    parse.GetRequiredValue(scale).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList(), parse.GetRequiredValue(work)));
root.Add(scaleOnly);

var largeFiles = new Option<int>("--files") { Description = "Filings of the generated mixed corpus run end to end (0: none)", DefaultValueFactory = _ => 1_000_000 };
var largeListed = new Option<string>("--listed") { Description = "Sizes of the listings of missing files, comma separated", DefaultValueFactory = _ => "1000000,10000000" };
var largeScale = new Option<string>("--scale") { Description = "Journal sizes of the coordinator table", DefaultValueFactory = _ => "1000000,10000000" };
var largePairs = new Option<int>("--pairs") { Description = "Paired runs of 20,000 filings, embedded and the Python script", DefaultValueFactory = _ => 5 };
var largeSweep = new Option<bool>("--parquet-sweep") { Description = "Also write the Parquet tables with each row-group size and compression, and time DuckDB on them" };
var large = new Command("large", "The coordinator from ten filings to ten million: fixed cost, listings of missing files, `scale`, a million-filing mixed corpus end to end with Parquet; prints Markdown tables")
{
    largeFiles, largeListed, largeScale, largePairs, largeSweep, work,
};
large.SetAction(async (parse, _) => await LargeRunBenchmark.Run(parse.GetValue(largeFiles),
    parse.GetRequiredValue(largeListed).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList(),
    parse.GetRequiredValue(largeScale).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList(),
    parse.GetValue(largePairs), parse.GetValue(largeSweep), parse.GetRequiredValue(work)));
root.Add(large);

var soakFiles = new Option<int>("--files") { Description = "Filings in the generated corpus", DefaultValueFactory = _ => 100_000 };
var soakInterruptions = new Option<int>("--interruptions") { Description = "SIGKILL or SIGTERM to the coordinator or a node, at random moments", DefaultValueFactory = _ => 30 };
var soakPause = new Option<double>("--max-pause") { Description = "Longest pause between interruptions, in seconds (the shortest is a sixth of it)", DefaultValueFactory = _ => 6 };
var soakSeed = new Option<int>("--seed") { Description = "Random seed of the corpus and of the interruptions", DefaultValueFactory = _ => 1 };
var soakDrop = new Option<double>("--drop-messages") { Description = "Share (0 to 1) of remote messages dropped each way, on top of the interruptions", DefaultValueFactory = _ => 0.02 };
var soakStorage = new Option<double>("--storage-faults")
{
    Description = "Also fail the run lock's reads or hang a filing for this many seconds at random moments (the run folder and corpus on FUSE mounts; needs root); 0: none",
    DefaultValueFactory = _ => 0,
};
var soak = new Command("soak", "Chaos soak: a cluster run interrupted at random moments must end with the tables of an uninterrupted run")
{
    soakFiles, soakInterruptions, soakPause, soakSeed, soakDrop, soakStorage, work,
};
soak.SetAction(async (parse, _) => await SoakCommand.Run(parse.GetValue(soakFiles), parse.GetValue(soakInterruptions), TimeSpan.FromSeconds(parse.GetValue(soakPause)),
    parse.GetValue(soakSeed), parse.GetValue(soakDrop), TimeSpan.FromSeconds(parse.GetValue(soakStorage)), parse.GetRequiredValue(work)));
root.Add(soak);

return await root.Parse(args).InvokeAsync();
