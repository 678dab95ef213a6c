using System.CommandLine;
using Form3Actors.Testing;

var root = new RootCommand("Form3Actors benchmarks and corpus generator");
var output = new Argument<string>("output") { Description = "Folder to write the corpus into" };
var count = new Option<int>("--count") { Description = "Number of filings", DefaultValueFactory = _ => 10_000 };
var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same corpus)", DefaultValueFactory = _ => 1 };
var generate = new Command("generate", "Write a synthetic EDGAR-mirror corpus of Form 3 filings and its input CSV") { output, count, seed };
generate.SetAction(parse =>
{
    var corpus = CorpusGenerator.Generate(parse.GetRequiredValue(output), parse.GetValue(count), parse.GetValue(seed));
    Console.WriteLine($"{corpus.Files} files in {corpus.Root}: {corpus.Form3} Form 3, {corpus.HeaderOnly} header-only, {corpus.NotForm3} Form 4, {corpus.Broken} broken; input {corpus.InputCsv}");
});
root.Add(generate);

var corpusArg = new Argument<string>("corpus") { Description = "A corpus made by `generate`" };
var parse = new Command("parse", "Quick in-process figures: read floor and extractor alone, on a corpus") { corpusArg };
parse.SetAction(p =>
{
    var paths = Directory.EnumerateFiles(Path.Combine(p.GetRequiredValue(corpusArg), "edgar"), "*.txt", SearchOption.AllDirectories).ToList();
    var bytes = paths.Select(File.ReadAllBytes).ToList();
    Console.WriteLine($"files {paths.Count}, mean {bytes.Average(b => b.Length):N0} bytes");
    Console.WriteLine($"read floor 1 thread {Form3Actors.Benchmarks.ParseBenchmark.ReadFloor(paths, 1):N0} files/s");
    Console.WriteLine($"extract in memory 1 thread {Form3Actors.Benchmarks.ParseBenchmark.ExtractInMemory(bytes, TimeSpan.FromSeconds(3)):N0} files/s");
    Console.WriteLine($"extract + encode 1 thread {Form3Actors.Benchmarks.ParseBenchmark.ExtractAndEncode(bytes, TimeSpan.FromSeconds(3)):N0} files/s");
});
root.Add(parse);
return root.Parse(args).Invoke();
