using System.CommandLine;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Node.Commands;

/// <summary>
/// `form3-node extract FILE`: one filing's rows for every table as JSON on stdout, to debug a filing by hand.
/// A bad filing prints its error on stderr and exits 1.
/// </summary>
public static class ExtractCommand
{
    public const int BadFiling = 1;

    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "An EDGAR full-submission .txt file or a bare ownership XML file" };
        var forms = CommonOptions.Forms(FormSelection.All, "The forms to take, for example 3 or 3,4,5 (default: 3,4,5, every ownership form)");
        var command = new Command("extract", "Print one filing's rows for every table as JSON (errors go to stderr, exit code 1)") { file, forms };
        command.SetAction(parse => Run(parse.GetRequiredValue(file), parse.GetRequiredValue(forms)));
        return command;
    }

    static int Run(FileInfo file, FormSelection forms)
    {
        var maxBytes = HoconFiles.Load("node.conf").GetByteSize("form3.node.max-file-bytes") ?? long.MaxValue;
        var reader = new FilingReader(maxBytes);
        ExtractionOutcome outcome;
        try
        {
            var read = reader.Read(file.FullName);
            outcome = new OwnershipExtractor(forms).Extract(read.Bytes, file.ToString());
        }
        catch (BadFilingException bad)
        {
            outcome = new ExtractionOutcome(null, bad.Error);
        }
        if (outcome.Error is { } error)
        {
            Console.Error.WriteLine($"error: {file}: {error.Stage}/{error.Kind}: {error.Message}");
            return BadFiling;
        }
        using var stdout = Console.OpenStandardOutput();
        RowsJson.Write(stdout, file.ToString(), outcome.Rows!);
        return 0;
    }
}
