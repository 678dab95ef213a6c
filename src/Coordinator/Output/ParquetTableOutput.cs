using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;
using ParquetSharp;
using ParquetSharp.IO;
using Encoding = System.Text.Encoding;

namespace Form3Actors.Coordinator.Output;

/// <summary>How the Parquet tables are written (hocon: form3.coordinator.parquet).</summary>
/// <param name="RowGroupRows">Rows per row group, the unit readers skip by its statistics and read in parallel.</param>
/// <param name="RowGroupBytes">A row group is also closed once its cells hold about this many bytes: memory while writing stays bounded whatever the rows hold.</param>
/// <param name="Level">How hard the codec works (zstd: 1 to 22; gzip: 1 to 9; ignored by codecs without levels).</param>
public sealed record ParquetSettings(int RowGroupRows, long RowGroupBytes, Compression Compression, int Level);

/// <summary>
/// A table as typed Parquet (results/parquet/NAME.parquet), from the same rows as the CSV: each column in its type
/// (<see cref="ColumnType"/>: dates as DATE, the acceptance time as a TIMESTAMP of EDGAR's wall clock, share counts,
/// prices and values as DOUBLE, flags as BOOLEAN, positions and counts as INT32, everything else as text), empty
/// cells as nulls, and cells that do not fit their type as nulls counted in <see cref="Misfits"/>. Rows are gathered
/// a row group at a time, read straight from the part rows' bytes; text goes to Apache Arrow's Parquet writer
/// (ParquetSharp) as the UTF-8 bytes the part rows hold, with no string per cell. Arrow dictionary-encodes every
/// column (falling back to plain where a dictionary grows too large) and writes each column's minimum and maximum per
/// row group, so a filter on a date or a CIK skips the row groups that cannot match.
/// </summary>
public sealed class ParquetTableOutput : TableOutput
{
    public const string FolderName = "parquet";

    readonly ParquetSettings _settings;
    readonly TypedColumn[] _columns;
    readonly ManagedOutputStream _stream;
    readonly ParquetFileWriter _writer;
    byte[] _unquoted = new byte[1024];
    int _rows;
    long _bytes;

    public ParquetTableOutput(string resultsDirectory, Table table, ParquetSettings settings) : base(resultsDirectory, PathOf(table))
    {
        _settings = settings;
        _columns = TableSchema.Columns(table).Select(TypedColumn.For).ToArray();
        using var properties = Properties(settings);
        _stream = new ManagedOutputStream(Output, leaveOpen: true);
        _writer = new ParquetFileWriter(_stream, _columns.Select(c => c.Column).ToArray(), properties);
    }

    static WriterProperties Properties(ParquetSettings settings)
    {
        var builder = new WriterPropertiesBuilder().Compression(settings.Compression).EnableDictionary().EnableStatistics();
        if (settings.Compression is Compression.Zstd or Compression.Gzip or Compression.Brotli) builder = builder.CompressionLevel(settings.Level);
        return builder.Build();
    }

    /// <summary>The file's path under results/.</summary>
    public static string PathOf(Table table) => $"{FolderName}/{TableSchema.Name(table)}.parquet";

    /// <summary>Cells that did not fit their column's type (null in the file, as filed in the CSV), by column.</summary>
    public IReadOnlyDictionary<string, int> Misfits =>
        _columns.Where(c => c.Misfits > 0).ToDictionary(c => c.Column.Name, c => c.Misfits);

    public override void Add(ReadOnlySpan<byte> cells, ReadOnlySpan<byte> asFiled)
    {
        if (!cells.IsEmpty && cells[^1] == '\n') cells = cells[..^1];
        var position = 0;
        foreach (var column in _columns)
        {
            var length = CsvRecords.FieldLength(cells[position..]);
            var field = cells.Slice(position, length);
            column.Add(field.Length > 0 && field[0] == '"' ? Unquote(field) : field);
            _bytes += length;
            position = Math.Min(cells.Length, position + length + 1);
        }
        RowAdded();
    }

    public override void Add(string[] cells)
    {
        for (var i = 0; i < _columns.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(cells[i]);
            _columns[i].Add(bytes);
            _bytes += bytes.Length;
        }
        RowAdded();
    }

    void RowAdded()
    {
        if (++_rows >= _settings.RowGroupRows || _bytes >= _settings.RowGroupBytes) WriteRowGroup();
    }

    /// <summary>A quoted field's text: the quotes off, each doubled quote one.</summary>
    ReadOnlySpan<byte> Unquote(ReadOnlySpan<byte> field)
    {
        var inner = field[1..^1];
        if (_unquoted.Length < inner.Length) _unquoted = new byte[inner.Length * 2];
        var length = 0;
        for (var i = 0; i < inner.Length; i++)
        {
            _unquoted[length++] = inner[i];
            if (inner[i] == '"') i++;
        }
        return _unquoted.AsSpan(0, length);
    }

    /// <summary>Writes the last row group and the footer: called once, by <see cref="TableOutput.Complete"/>.</summary>
    protected override void Flush()
    {
        if (_rows > 0) WriteRowGroup();
        _writer.Close();
        _writer.Dispose();
        _stream.Dispose();
        // The merge keeps every finished output until all are committed: what a row group needed goes now.
        foreach (var column in _columns) column.Release();
    }

    void WriteRowGroup()
    {
        using (var group = _writer.AppendRowGroup())
            foreach (var column in _columns)
                column.WriteTo(group);
        _rows = 0;
        _bytes = 0;
    }
}

/// <summary>One column of a row group being gathered, in its type, from cells' UTF-8 bytes.</summary>
abstract class TypedColumn
{
    public abstract Column Column { get; }

    /// <summary>Cells that were not empty and did not fit the type.</summary>
    public int Misfits { get; protected set; }

    /// <summary>One cell as the CSV holds it (unquoted); empty is null.</summary>
    public abstract void Add(ReadOnlySpan<byte> cell);

    /// <summary>Writes what was gathered as this column of the row group, and starts over.</summary>
    public abstract void WriteTo(RowGroupWriter group);

    /// <summary>Lets go of the row group's buffers once the file is complete.</summary>
    public abstract void Release();

    public static TypedColumn For(string name) => TableSchema.TypeOf(name) switch
    {
        ColumnType.Date => new Values<DateOnly, Date>(new Column<Date?>(name), TypedCells.TryDate, d => new Date(d.Year, d.Month, d.Day)),
        ColumnType.Timestamp => new Values<DateTime, DateTime>(new Column<DateTime?>(name, LogicalType.Timestamp(isAdjustedToUtc: false, TimeUnit.Millis)),
            TypedCells.TryTimestamp, t => t),
        ColumnType.Number => new Values<double, double>(new Column<double?>(name), TypedCells.TryNumber, x => x),
        ColumnType.Flag => new Values<bool, bool>(new Column<bool?>(name), TypedCells.TryFlag, x => x),
        ColumnType.Count => new Values<int, int>(new Column<int?>(name), TypedCells.TryCount, x => x),
        _ => new Text(new Column<string>(name)),
    };

    /// <summary>The cell as filed: the CSV puts an apostrophe before text a spreadsheet would run as a formula (rare, so through a string).</summary>
    protected static string Unguarded(ReadOnlySpan<byte> cell) => CsvCells.Unguard(Encoding.UTF8.GetString(cell));

    protected static bool Guarded(ReadOnlySpan<byte> cell) => cell.Length > 1 && cell[0] == '\'';

    /// <summary>A growable array kept from one row group to the next: a run of millions of rows allocates it once.</summary>
    protected static void Put<TItem>(ref TItem[] items, int count, TItem item)
    {
        if (count == items.Length) Array.Resize(ref items, Math.Max(16, items.Length * 2));
        items[count] = item;
    }

    /// <param name="store">The parsed value as the column's type stores it.</param>
    sealed class Values<TParsed, TStored>(Column column, TypedCells.Parser<TParsed> parse, Func<TParsed, TStored> store) : TypedColumn
        where TParsed : struct where TStored : struct
    {
        TStored?[] _values = [];
        int _count;

        public override Column Column => column;

        public override void Add(ReadOnlySpan<byte> cell)
        {
            TStored? typed = null;
            if (!cell.IsEmpty)
            {
                if (Guarded(cell) ? parse(Encoding.UTF8.GetBytes(Unguarded(cell)), out var value) : parse(cell, out value)) typed = store(value);
                else Misfits++;
            }
            Put(ref _values, _count++, typed);
        }

        public override void WriteTo(RowGroupWriter group)
        {
            using var writer = group.NextColumn().LogicalWriter<TStored?>();
            writer.WriteBatch(_values, 0, _count);
            _count = 0;
        }

        public override void Release() => _values = [];
    }

    /// <summary>
    /// Text cells kept as their UTF-8 bytes in one pinned buffer per row group, each handed to the writer as a slice of
    /// it (Parquet's byte arrays are UTF-8 too): no string per cell, nothing encoded twice.
    /// </summary>
    sealed class Text(Column column) : TypedColumn
    {
        (int Start, int Length)[] _cells = [];
        short[] _present = [];
        ByteArray[] _slices = [];
        int _count;
        byte[] _bytes = GC.AllocateUninitializedArray<byte>(1 << 16, pinned: true);
        int _used;

        public override Column Column => column;

        public override void Add(ReadOnlySpan<byte> cell)
        {
            if (cell.IsEmpty)
            {
                Put(ref _cells, _count++, (-1, 0));
                return;
            }
            if (Guarded(cell)) cell = Encoding.UTF8.GetBytes(Unguarded(cell));
            Reserve(cell.Length);
            cell.CopyTo(_bytes.AsSpan(_used));
            Put(ref _cells, _count++, (_used, cell.Length));
            _used += cell.Length;
        }

        void Reserve(int bytes)
        {
            if (_used + bytes <= _bytes.Length) return;
            var larger = GC.AllocateUninitializedArray<byte>(Math.Max(_bytes.Length * 2, _used + bytes), pinned: true);
            _bytes.AsSpan(0, _used).CopyTo(larger);
            _bytes = larger;
        }

        public override unsafe void WriteTo(RowGroupWriter group)
        {
            if (_present.Length < _count) (_present, _slices) = (new short[_cells.Length], new ByteArray[_cells.Length]);
            var values = 0;
            // The buffer is pinned (allocated on the pinned heap): its address holds while the writer copies the slices.
            fixed (byte* start = _bytes)
                for (var i = 0; i < _count; i++)
                {
                    var (at, length) = _cells[i];
                    _present[i] = (short)(at < 0 ? 0 : 1);
                    if (at >= 0) _slices[values++] = new ByteArray((IntPtr)(start + at), length);
                }
            using (var writer = (ColumnWriter<ByteArray>)group.NextColumn())
                writer.WriteBatch(_count, _present.AsSpan(0, _count), null, _slices.AsSpan(0, values));
            _count = 0;
            _used = 0;
        }

        public override void Release() => (_cells, _present, _slices, _bytes) = ([], [], [], []);
    }
}
