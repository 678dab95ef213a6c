using System.Text;
using Form3Actors.Core.Output;
using Sylvan.Data.Csv;

namespace Form3Actors.Core.Tests;

/// <summary>Our CSV writer and the byte-level record reader the merge uses, checked against Sylvan's reader.</summary>
public sealed class CsvFormatTests
{
    static readonly string[][] Awkward =
    [
        ["plain", "", "with,comma", "with \"quotes\"", "multi\nline", "carriage\rreturn", "\"", "ünïcödé – 株式"],
        ["", "", ""],
        ["ends with quote\"", "\"\"", ",", "\n", "last"],
    ];

    static byte[] Write(IEnumerable<string[]> rows)
    {
        var writer = new CsvRowWriter(initialBytes: 16);
        foreach (var row in rows) writer.Row(row);
        return writer.Written.ToArray();
    }

    static List<string[]> ReadWithSylvan(byte[] csv)
    {
        using var reader = CsvDataReader.Create(new StringReader(Encoding.UTF8.GetString(csv)), new CsvDataReaderOptions { HasHeaders = false });
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(Enumerable.Range(0, reader.RowFieldCount).Select(reader.GetString).ToArray());
        return rows;
    }

    [Fact]
    public void What_the_writer_writes_an_independent_CSV_reader_reads_back_cell_for_cell()
    {
        Assert.Equal(Awkward, ReadWithSylvan(Write(Awkward)));
    }

    [Fact]
    public void Only_cells_that_need_it_are_quoted_and_rows_end_with_LF()
    {
        Assert.Equal("a,b c,\"x,y\",\"say \"\"hi\"\"\"\n", Encoding.UTF8.GetString(Write([["a", "b c", "x,y", "say \"hi\""]])));
    }

    [Fact]
    public void The_record_reader_splits_records_where_an_independent_reader_does_and_gets_the_same_fields()
    {
        var csv = Write(Awkward);
        var position = 0;
        var records = new List<string[]>();
        while (position < csv.Length)
        {
            var length = CsvRecords.Length(csv.AsSpan(position), out var fields);
            Assert.True(length > 0);
            Assert.Equal(Awkward[records.Count].Length, fields);
            Assert.Equal((byte)'\n', csv[position + length - 1]);
            records.Add(CsvRecords.Fields(csv.AsSpan(position, length)));
            position += length;
        }
        Assert.Equal(Awkward, records);
    }

    [Theory]
    [InlineData("a,b")]             // no line end yet
    [InlineData("a,\"b\nc")]        // the line end is inside an open quote
    [InlineData("a,\"b\"\"\n")]     // an escaped quote, then the line end still inside the quote
    public void A_record_cut_short_is_reported_as_unfinished(string partial)
    {
        Assert.Equal(-1, CsvRecords.Length(Encoding.UTF8.GetBytes(partial), out _));
    }

    [Fact]
    public void A_quoted_field_without_its_closing_quote_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => CsvRecords.Fields("a,\"open"u8));
    }

    [Fact]
    public void Part_rows_keep_key_as_filed_cells_and_extra_apart_and_guard_formulas()
    {
        var writer = new CsvRowWriter();
        string?[] asFiled = [null, "=HYPERLINK(\"x\")", "a,  b", null];
        PartFormat.WriteRow(writer, "00ff", asFiled, ["0001-24-000001", "=HYPERLINK(\"x\")", "a, b", "-5"], "SecHeader");
        var row = writer.Written;
        Assert.Equal("00ff", Encoding.UTF8.GetString(PartFormat.Key(row)));
        Assert.Equal("SecHeader", PartFormat.FilingDateSource(row));
        var cells = PartFormat.TableCells(row, Extraction.Table.Submission, withAsFiled: true);
        Assert.Equal(["0001-24-000001", "'=HYPERLINK(\"x\")", "a, b", "-5"], CsvRecords.Fields(cells));
        var values = CsvRecords.Fields(cells);
        AsFiledCells.Apply(CsvRecords.Unquote(PartFormat.AsFiled(row, withAsFiled: true)), values);
        Assert.Equal(["0001-24-000001", "=HYPERLINK(\"x\")", "a,  b", "-5"], values); // as filed: never guarded, white space kept
    }

    [Fact]
    public void Part_rows_written_before_the_as_filed_column_are_still_read()
    {
        // key, cells, extra: as versions before the SEC layout kept text as filed wrote them.
        var row = "00ff,0001-24-000001,a b,SecHeader\n"u8;
        var segment = new Messages.WorkProtocol.PartSegment("w.part", "SUBMISSION", 0, row.Length);
        Assert.Equal(row.Length, PartFormat.RowLength(row, 0, segment, 5, out var withAsFiled));
        Assert.False(withAsFiled);
        Assert.Equal("0001-24-000001,a b", Encoding.UTF8.GetString(PartFormat.TableCells(row, Extraction.Table.Submission, withAsFiled)));
        Assert.True(PartFormat.AsFiled(row, withAsFiled).IsEmpty);
    }

    [Fact]
    public void A_part_row_with_the_wrong_number_of_fields_is_refused_not_copied()
    {
        var writer = new CsvRowWriter();
        PartFormat.WriteRow(writer, "00ff", asFiled: null, ["0001-24-000001"], extra: null);
        var bytes = writer.Written.ToArray();
        var segment = new Messages.WorkProtocol.PartSegment("w.part", "FOOTNOTES", 0, bytes.Length);

        var width = PartFormat.SegmentColumns(Extraction.Table.Footnotes).Count;
        var error = Assert.Throws<InvalidDataException>(() => PartFormat.RowLength(bytes, 0, segment, width, out _));
        Assert.Contains("has a row of 3 fields, expected 5", error.Message);
    }
}
