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
return root.Parse(args).Invoke();
