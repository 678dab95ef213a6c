using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;
using Parquet;
using Parquet.Schema;

namespace Form3Actors.Coordinator.Output;

/// <summary>How the Parquet tables are written (hocon: form3.coordinator.parquet).</summary>
/// <param name="RowGroupRows">Rows per row group, the unit readers skip by its statistics and read in parallel.</param>
/// <param name="RowGroupBytes">A row group is also closed once its cells hold about this many bytes: memory while writing stays bounded whatever the rows hold.</param>
public sealed record ParquetSettings(int RowGroupRows, long RowGroupBytes, CompressionMethod Compression);

/// <summary>
/// A table as typed Parquet (results/parquet/NAME.parquet), from the same rows as the CSV: each column in its type
/// (<see cref="ColumnType"/>: dates as DATE, the acceptance time as a TIMESTAMP of EDGAR's wall clock, share counts,
/// prices and values as DOUBLE, flags as BOOLEAN, positions and counts as INT32, everything else as text), empty
/// cells as nulls, and cells that do not fit their type as nulls counted in <see cref="Misfits"/>. Rows are buffered
/// a row group at a time; text is dictionary-encoded where it repeats, and each row group carries the columns'
/// minimum and maximum, so a filter on a date or a CIK skips the row groups that cannot match.
/// </summary>
public sealed class ParquetTableOutput : TableOutput
{
    public const string FolderName = "parquet";

    readonly ParquetSettings _settings;
    readonly TypedColumn[] _columns;
    readonly ParquetWriter _writer;
    int _rows;
    long _bytes;

    public ParquetTableOutput(string resultsDirectory, Table table, ParquetSettings settings) : base(resultsDirectory, PathOf(table))
    {
        _settings = settings;
        _columns = TableSchema.Columns(table).Select(TypedColumn.For).ToArray();
        var options = new ParquetOptions { CompressionMethod = settings.Compression };
        _writer = ParquetWriter.CreateAsync(new ParquetSchema(_columns.Select(c => (Field)c.Field)), Output, options).GetAwaiter().GetResult();
    }

    /// <summary>The file's path under results/.</summary>
    public static string PathOf(Table table) => $"{FolderName}/{TableSchema.Name(table)}.parquet";

    /// <summary>Cells that did not fit their column's type (null in the file, as filed in the CSV), by column.</summary>
    public IReadOnlyDictionary<string, int> Misfits =>
        _columns.Where(c => c.Misfits > 0).ToDictionary(c => c.Field.Name, c => c.Misfits);

    public override void Add(ReadOnlySpan<byte> cells, ReadOnlySpan<byte> asFiled)
    {
        var values = CsvRecords.Fields(cells);
        for (var i = 0; i < values.Length; i++) values[i] = CsvCells.Unguard(values[i]);
        Add(values);
    }

    public override void Add(string[] cells)
    {
        for (var i = 0; i < _columns.Length; i++)
        {
            _columns[i].Add(cells[i]);
            _bytes += cells[i].Length;
        }
        if (++_rows >= _settings.RowGroupRows || _bytes >= _settings.RowGroupBytes) WriteRowGroup();
    }

    /// <summary>Writes the last row group and the footer: called once, by <see cref="TableOutput.Complete"/>.</summary>
    protected override void Flush()
    {
        if (_rows > 0) WriteRowGroup();
        _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    void WriteRowGroup()
    {
        using (var group = _writer.CreateRowGroup())
            foreach (var column in _columns)
                column.WriteTo(group).GetAwaiter().GetResult();
        _rows = 0;
        _bytes = 0;
    }
}

/// <summary>One column of a row group being gathered, in its type.</summary>
abstract class TypedColumn
{
    public abstract DataField Field { get; }

    /// <summary>Cells that were not empty and did not fit the type.</summary>
    public int Misfits { get; protected set; }

    public abstract void Add(string cell);

    /// <summary>Writes what was gathered as this column of the row group, and starts over.</summary>
    public abstract Task WriteTo(ParquetRowGroupWriter group);

    public static TypedColumn For(string name) => TableSchema.TypeOf(name) switch
    {
        ColumnType.Date => new Values<DateOnly>(new DataField<DateOnly?>(name), TypedCells.TryDate),
        ColumnType.Timestamp => new Values<DateTime>(new DateTimeDataField(name, DateTimeFormat.Timestamp, false, DateTimeTimeUnit.Millis, true), TypedCells.TryTimestamp),
        ColumnType.Number => new Values<double>(new DataField<double?>(name), TypedCells.TryNumber),
        ColumnType.Flag => new Values<bool>(new DataField<bool?>(name), TypedCells.TryFlag),
        ColumnType.Count => new Values<int>(new DataField<int?>(name), TypedCells.TryCount),
        _ => new Text(new DataField<string>(name, true)),
    };

    delegate bool Parser<T>(string text, out T value);

    sealed class Values<T>(DataField dataField, Parser<T> parse) : TypedColumn where T : struct
    {
        readonly List<T?> _values = [];

        public override DataField Field => dataField;

        public override void Add(string cell)
        {
            if (cell.Length == 0)
            {
                _values.Add(null);
                return;
            }
            if (parse(cell, out var value))
            {
                _values.Add(value);
                return;
            }
            _values.Add(null);
            Misfits++;
        }

        public override async Task WriteTo(ParquetRowGroupWriter group)
        {
            await group.WriteAsync(dataField, new ReadOnlyMemory<T?>([.. _values]));
            _values.Clear();
        }
    }

    sealed class Text(DataField dataField) : TypedColumn
    {
        readonly List<string?> _values = [];

        public override DataField Field => dataField;

        public override void Add(string cell) => _values.Add(cell.Length == 0 ? null : cell);

        public override async Task WriteTo(ParquetRowGroupWriter group)
        {
            await group.WriteAsync(dataField, _values!);
            _values.Clear();
        }
    }
}
