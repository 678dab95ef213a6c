using System.Collections.Immutable;
using Form3Actors.Coordinator.Inputs;
using Form3Actors.Coordinator.Output;
using Form3Actors.Coordinator.State;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;
using Form3Actors.Messages;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Coordinator.Tests;

public sealed class TableMergerTests
{
    static FilingRows Filing(string accession, string source, string remarks = "")
    {
        var rows = new FilingRows { FilingDateSource = FilingDateSource.SecHeader };
        rows.Add(Table.Submission, [accession, "2024-01-05", "", "", "", "", "", "", "3", "0000000001", "Issuer", "ISS", remarks, "", "X0508", "0", "2024-01-05T16:00:00", "1", "6022", source]);
        rows.Add(Table.Form3Summary, [accession, source, "Owner", "Director", "Issuer", "0000000001", "2024-01-05"]);
        return rows;
    }

    static FilesCompleted Completed(int batchRef, ImmutableArray<PartSegment> segments, params InputFile[] files) =>
        new(batchRef, segments, files.Select(f => TestFiles.Stamp(f)).ToImmutableArray(), DateTimeOffset.UnixEpoch);

    static List<string> Lines(string results, Table table) => File.ReadAllLines(Path.Combine(results, TableSchema.FileName(table))).ToList();

    [Fact]
    public void Only_journaled_current_rows_of_input_files_reach_the_tables_once()
    {
        using var temp = new TempFolder();
        var parts = Path.Combine(temp.Path, "parts");
        var results = Path.Combine(temp.Path, "results");
        var a = TestFiles.File(1);
        var b = TestFiles.File(2);
        var c = TestFiles.File(3);
        var input = new InputListing("test", [a, b], 0, 0, 0);
        var ledger = new RunLedger(input);
        using (var writer = new PartFileWriter(parts, "w1"))
        {
            FileKey K(InputFile f) => f.Key;
            ImmutableArray<PartSegment> Batch(params (FileKey Key, FilingRows Rows)[] filings)
            {
                foreach (var (key, rows) in filings) writer.Add(key, rows);
                return writer.Commit();
            }
            // Batch 1: A (old version) and C, which is not in this run's input.
            ledger.Apply(Completed(1, Batch((K(a), Filing("0000000001-24-000001", "1.txt", "old")), (K(c), Filing("0000000003-24-000003", "3.txt"))), a, c));
            // A batch done but never journaled (its node died before reporting): B's rows here must not count.
            Batch((K(b), Filing("0000000002-24-000002", "2.txt", "unjournaled")));
            // Batch 2: A again (changed since) and B, with an extraction error for nobody.
            ledger.Apply(Completed(2, Batch((K(a), Filing("0000000001-24-000001", "1.txt", "=new")), (K(b), Filing("0000000002-24-000002", "2.txt", "journaled"))), a, b));
        }
        var result = new TableMerger(parts, results).Merge(ledger, input);

        var submissions = Lines(results, Table.Submission);
        Assert.Equal(string.Join(",", TableSchema.Columns(Table.Submission)), submissions[0]);
        Assert.Equal(2, submissions.Count - 1);
        Assert.Contains(submissions, l => l.Contains(",'=new,"));
        Assert.Contains(submissions, l => l.Contains(",journaled,"));
        Assert.DoesNotContain(submissions, l => l.Contains("old") || l.Contains("unjournaled") || l.Contains("000003"));
        Assert.Equal(2, result.RowsPerTable["FORM3_SUMMARY"]);
        Assert.Equal(2, result.FilingDateSources["SecHeader"]);
        Assert.Single(Lines(results, Table.Errors)); // the header: nobody's extraction error counts
    }

    [Fact]
    public void The_sec_layout_keeps_text_as_filed_where_the_csv_collapses_it()
    {
        using var temp = new TempFolder();
        var parts = Path.Combine(temp.Path, "parts");
        var results = Path.Combine(temp.Path, "results");
        var a = TestFiles.File(1);
        var input = new InputListing("test", [a], 0, 0, 0);
        var rows = new FilingRows { FilingDateSource = FilingDateSource.SecHeader };
        rows.Add(Table.Submission,
        [
            "0000000001-24-000001", "2024-01-05", "2024-01-03", "", "", new Cell("0", "false"), "", "", "4", "0000000001", "Issuer", "ISS",
            new Cell("wrapped over lines", "wrapped  over\nlines"), "", "X0508", "0", "", "1", "", "1.txt",
        ]);
        var ledger = new RunLedger(input);
        using (var writer = new PartFileWriter(parts, "w1"))
        {
            writer.Add(a.Key, rows);
            ledger.Apply(Completed(1, writer.Commit(), a));
        }
        var result = new TableMerger(parts, results, outputs: new ResultOutputs(SecLayout: true)).Merge(ledger, input);

        Assert.Contains(",0,,,4,0000000001,Issuer,ISS,wrapped over lines,", Lines(results, Table.Submission)[1]);
        var sec = File.ReadAllLines(Path.Combine(results, "sec", "SUBMISSION.tsv"));
        Assert.Equal("0000000001-24-000001\t05-JAN-2024\t03-JAN-2024\t\t\tfalse\t\t\t4\t0000000001\tIssuer\tISS\twrapped  over lines", sec[1]);
        Assert.Equal(new FileInfo(Path.Combine(results, "sec", "SUBMISSION.tsv")).Length, result.Tables["sec/SUBMISSION.tsv"].Bytes);
        Assert.Equal(8, Directory.GetFiles(Path.Combine(results, "sec")).Length); // no temporary file left

        // Merged again without the layout: results/sec/ goes, as it would no longer follow the tables.
        new TableMerger(parts, results).Merge(ledger, input);
        Assert.False(Directory.Exists(Path.Combine(results, "sec")));
    }

    [Fact]
    public void Each_filing_of_a_segment_is_judged_on_its_own_whatever_its_neighbours()
    {
        // The merge decides once per run of rows with the same key: a superseded filing between two current ones,
        // each with several rows, must lose all of its rows and only its own.
        using var temp = new TempFolder();
        var parts = Path.Combine(temp.Path, "parts");
        var results = Path.Combine(temp.Path, "results");
        var (x, y, z) = (TestFiles.File(1), TestFiles.File(2), TestFiles.File(3));
        FilingRows TwoOwners(string accession, string source, string version)
        {
            var rows = Filing(accession, source, version);
            rows.Add(Table.Form3Summary, [accession, source, "Second " + version, "Director", "Issuer", "0000000001", "2024-01-05"]);
            return rows;
        }
        var input = new InputListing("test", [x, y, z], 0, 0, 0);
        var ledger = new RunLedger(input);
        using (var writer = new PartFileWriter(parts, "w1"))
        {
            writer.Add(y.Key, TwoOwners("0000000002-24-000002", "2.txt", "y"));
            writer.Add(x.Key, TwoOwners("0000000001-24-000001", "1.txt", "x-old"));
            writer.Add(z.Key, TwoOwners("0000000003-24-000003", "3.txt", "z"));
            ledger.Apply(Completed(1, writer.Commit(), y, x, z));
            writer.Add(x.Key, TwoOwners("0000000001-24-000001", "1.txt", "x-new"));
            ledger.Apply(Completed(2, writer.Commit(), x));
        }
        new TableMerger(parts, results).Merge(ledger, input);

        var owners = Lines(results, Table.Form3Summary).Skip(1).Select(l => l.Split(',')[2]).Order().ToList();
        Assert.Equal(["Owner", "Owner", "Owner", "Second x-new", "Second y", "Second z"], owners);
        Assert.DoesNotContain(Lines(results, Table.Submission), l => l.Contains("x-old"));
        Assert.Equal(3, Lines(results, Table.Submission).Count - 1);
    }

    [Fact]
    public void The_same_accession_at_two_paths_is_counted_once_whatever_the_batch_order()
    {
        foreach (var reversed in new[] { false, true })
        {
            using var temp = new TempFolder();
            var parts = Path.Combine(temp.Path, "parts");
            var results = Path.Combine(temp.Path, "results");
            var issuerCopy = new InputFile(FileKey.Of("/m/edgar/data/1/0000000009-24-000009.txt"), "/m", "edgar/data/1/0000000009-24-000009.txt");
            var ownerCopy = new InputFile(FileKey.Of("/m/edgar/data/2/0000000009-24-000009.txt"), "/m", "edgar/data/2/0000000009-24-000009.txt");
            var order = reversed ? new[] { ownerCopy, issuerCopy } : [issuerCopy, ownerCopy];
            var input = new InputListing("test", order, 0, 0, 0);
            var ledger = new RunLedger(input);
            using (var writer = new PartFileWriter(parts, "w"))
            {
                var batch = 1;
                foreach (var f in order)
                {
                    writer.Add(f.Key, Filing("0000000009-24-000009", f.SourcePath));
                    ledger.Apply(Completed(batch++, writer.Commit(), f));
                }
            }
            var result = new TableMerger(parts, results).Merge(ledger, input);
            Assert.Equal(1, result.DuplicateFilings);
            var summary = Assert.Single(Lines(results, Table.Form3Summary).Skip(1));
            Assert.Contains("edgar/data/1/0000000009-24-000009.txt", summary);
        }
    }

    [Fact]
    public void Quarantined_files_of_this_input_are_reported_in_errors()
    {
        using var temp = new TempFolder();
        var file = TestFiles.File(4);
        var input = new InputListing("test", [file], 0, 0, 0);
        var ledger = new RunLedger(input);
        ledger.Apply(new FilesQuarantined([new QuarantinedFile(new FileStamp(file.Key, 1, 1), "4.txt", ErrorKind.RetriesExhausted, "gave up after 3 attempts", 3)], DateTimeOffset.UnixEpoch));
        var result = new TableMerger(Path.Combine(temp.Path, "parts"), Path.Combine(temp.Path, "r")).Merge(ledger, input);
        Assert.Equal(1, result.ErrorsByKind[ErrorKind.RetriesExhausted]);
        Assert.Equal("4.txt,process,retries_exhausted,gave up after 3 attempts,3", Lines(Path.Combine(temp.Path, "r"), Table.Errors)[1]);
    }

    [Theory]
    [InlineData("=SUM(A1)", "'=SUM(A1)")]
    [InlineData("+1 555 0100", "'+1 555 0100")]
    [InlineData("@cmd", "'@cmd")]
    [InlineData("-5", "-5")]
    [InlineData("+1.5e3", "+1.5e3")]
    [InlineData("-", "'-")]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    public void Cells_a_spreadsheet_would_run_are_shown_as_text(string cell, string expected) => Assert.Equal(expected, CsvCells.GuardFormula(cell));

    public enum Damage { Altered, CutShort, Missing }

    [Theory]
    [InlineData(Damage.Altered)]
    [InlineData(Damage.CutShort)]
    [InlineData(Damage.Missing)]
    public void A_damaged_segment_names_its_batch_and_leaves_the_tables_as_they_were(Damage damage)
    {
        using var temp = new TempFolder();
        var parts = Path.Combine(temp.Path, "parts");
        var results = Path.Combine(temp.Path, "results");
        var (a, b) = (TestFiles.File(1), TestFiles.File(2));
        var input = new InputListing("test", [a, b], 0, 0, 0);
        var ledger = new RunLedger(input);
        using (var first = new PartFileWriter(parts, "w1"))
        {
            first.Add(a.Key, Filing("0000000001-24-000001", "1.txt", "SMITH"));
            ledger.Apply(Completed(1, first.Commit(), a));
        }
        using (var second = new PartFileWriter(parts, "w2"))
        {
            second.Add(b.Key, Filing("0000000002-24-000002", "2.txt"));
            ledger.Apply(Completed(2, second.Commit(), b));
        }
        var merged = new TableMerger(parts, results).Merge(ledger, input);
        Assert.Empty(merged.DamagedBatches);
        var before = Directory.GetFiles(results).ToDictionary(f => f, File.ReadAllBytes);

        var part = Path.Combine(parts, "w1" + PartFormat.Extension);
        switch (damage)
        {
            case Damage.Altered: File.WriteAllText(part, File.ReadAllText(part).Replace("SMITH", "SMYTH")); break;
            case Damage.CutShort: using (var f = new FileStream(part, FileMode.Open)) f.SetLength(f.Length - 10); break;
            case Damage.Missing: File.Delete(part); break;
        }
        var result = new TableMerger(parts, results).Merge(ledger, input);

        Assert.Equal([1], result.DamagedBatches.Keys);
        Assert.Contains("w1" + PartFormat.Extension, result.DamagedBatches[1]);
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(results).Order()); // no temporary file left behind
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(kv.Key)));
    }

    [Fact]
    public void Every_table_is_recorded_with_the_size_and_checksum_of_its_file()
    {
        using var temp = new TempFolder();
        var parts = Path.Combine(temp.Path, "parts");
        var results = Path.Combine(temp.Path, "results");
        var a = TestFiles.File(1);
        var input = new InputListing("test", [a], 0, 0, 0);
        var ledger = new RunLedger(input);
        using (var writer = new PartFileWriter(parts, "w1"))
        {
            writer.Add(a.Key, Filing("0000000001-24-000001", "1.txt"));
            ledger.Apply(Completed(1, writer.Commit(), a));
        }
        var result = new TableMerger(parts, results).Merge(ledger, input);
        Assert.Equal(TableSchema.All.Select(TableSchema.FileName).Order(), result.Tables.Keys.Order());
        Assert.All(result.Tables, kv => Assert.Equal(TableFile.Of(Path.Combine(results, kv.Key)), kv.Value));
    }
}
