using System.Buffers;
using System.IO.Compression;
using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;
using Parquet;
using Parquet.Schema;

namespace Form3Actors.Coordinator.Output;

/// <summary>How the Parquet tables are written (hocon: form3.coordinator.parquet).</summary>
/// <param name="RowGroupRows">Rows per row group, the unit readers skip by its statistics and read in parallel.</param>
/// <param name="RowGroupBytes">A row group is also closed once its cells hold about this many bytes: memory while writing stays bounded whatever the rows hold.</param>
/// <param name="Level">How hard the compression works: Fastest, Optimal or SmallestSize (what each means is the codec's).</param>
public sealed record ParquetSettings(int RowGroupRows, long RowGroupBytes, CompressionMethod Compression, CompressionLevel Level);

/// <summary>
/// A table as typed Parquet (results/parquet/NAME.parquet), from the same rows as the CSV: each column in its type
/// (<see cref="ColumnType"/>: dates as DATE, the acceptance time as a TIMESTAMP of EDGAR's wall clock, share counts,
/// prices and values as DOUBLE, flags as BOOLEAN, positions and counts as INT32, everything else as text), empty
/// cells as nulls, and cells that do not fit their type as nulls counted in <see cref="Misfits"/>. Rows are gathered
/// a row group at a time, read straight from the part rows' bytes (a table of millions of rows makes no string per
/// cell); text is dictionary-encoded where it repeats, and each row group carries the columns' minimum and maximum,
/// so a filter on a date or a CIK skips the row groups that cannot match.
/// </summary>
public sealed class ParquetTableOutput : TableOutput
{
    public const string FolderName = "parquet";

    /// <summary>Values of a text column looked at to decide whether a dictionary pays (the library's uniqueness test).</summary>
    const int DictionarySample = 10_000;

    readonly ParquetSettings _settings;
    readonly TypedColumn[] _columns;
    readonly ParquetWriter _writer;
    byte[] _unquoted = new byte[1024];
    int _rows;
    long _bytes;

    public ParquetTableOutput(string resultsDirectory, Table table, ParquetSettings settings) : base(resultsDirectory, PathOf(table))
    {
        _settings = settings;
        _columns = TableSchema.Columns(table).Select(TypedColumn.For).ToArray();
        // Made first: a field's path, which the encoding hints below are keyed by, is set when the schema takes it.
        var schema = new ParquetSchema(_columns.Select(c => (Field)c.Field));
        var options = new ParquetOptions
        {
            CompressionMethod = settings.Compression,
            CompressionLevel = settings.Level,
            // The library pools its buffers without bound unless told: a row group's worth is enough to keep.
            MaximumSmallPoolFreeBytes = (int)Math.Min(int.MaxValue, settings.RowGroupBytes),
            MaximumLargePoolFreeBytes = (int)Math.Min(int.MaxValue, settings.RowGroupBytes),
            // Text is dictionary-encoded only when asked: codes, titles and footnote ids repeat, and a dictionary makes
            // them small and quick to read. A column whose first values are mostly distinct (accession numbers,
            // footnote text) is left plain, decided on a sample rather than on the whole row group.
            DictionaryEncodingSampleSize = DictionarySample,
        };
        foreach (var column in _columns.Where(c => c.IsText))
            options.ColumnEncodingHints[column.Field.Path.ToString()] = EncodingHint.Dictionary;
        _writer = ParquetWriter.CreateAsync(schema, Output, options).GetAwaiter().GetResult();
    }

    /// <summary>The file's path under results/.</summary>
    public static string PathOf(Table table) => $"{FolderName}/{TableSchema.Name(table)}.parquet";

    /// <summary>Cells that did not fit their column's type (null in the file, as filed in the CSV), by column.</summary>
    public IReadOnlyDictionary<string, int> Misfits =>
        _columns.Where(c => c.Misfits > 0).ToDictionary(c => c.Field.Name, c => c.Misfits);

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
        _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        // The merge keeps every finished output until all are committed: what a row group needed goes now.
        foreach (var column in _columns) column.Release();
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

/// <summary>One column of a row group being gathered, in its type, from cells' UTF-8 bytes.</summary>
abstract class TypedColumn
{
    public abstract DataField Field { get; }

    public virtual bool IsText => false;

    /// <summary>Cells that were not empty and did not fit the type.</summary>
    public int Misfits { get; protected set; }

    /// <summary>One cell as the CSV holds it (unquoted); empty is null.</summary>
    public abstract void Add(ReadOnlySpan<byte> cell);

    /// <summary>Writes what was gathered as this column of the row group, and starts over.</summary>
    public abstract Task WriteTo(ParquetRowGroupWriter group);

    /// <summary>Lets go of the row group's buffers once the file is complete.</summary>
    public abstract void Release();

    public static TypedColumn For(string name) => TableSchema.TypeOf(name) switch
    {
        ColumnType.Date => new Values<DateOnly>(new DataField<DateOnly?>(name), TypedCells.TryDate),
        ColumnType.Timestamp => new Values<DateTime>(new DateTimeDataField(name, DateTimeFormat.Timestamp, false, DateTimeTimeUnit.Millis, true),
            TypedCells.TryTimestamp),
        ColumnType.Number => new Values<double>(new DataField<double?>(name), TypedCells.TryNumber),
        ColumnType.Flag => new Values<bool>(new DataField<bool?>(name), TypedCells.TryFlag),
        ColumnType.Count => new Values<int>(new DataField<int?>(name), TypedCells.TryCount),
        _ => new Text(new DataField<string>(name, true)),
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

    sealed class Values<T>(DataField dataField, TypedCells.Parser<T> parse) : TypedColumn where T : struct
    {
        T?[] _values = [];
        int _count;

        public override DataField Field => dataField;

        public override void Add(ReadOnlySpan<byte> cell)
        {
            T? typed = null;
            if (!cell.IsEmpty)
            {
                if (Guarded(cell) ? parse(Encoding.UTF8.GetBytes(Unguarded(cell)), out var value) : parse(cell, out value)) typed = value;
                else Misfits++;
            }
            Put(ref _values, _count++, typed);
        }

        public override async Task WriteTo(ParquetRowGroupWriter group)
        {
            await group.WriteAsync(dataField, new ReadOnlyMemory<T?>(_values, 0, _count));
            _count = 0;
        }

        public override void Release() => _values = [];
    }

    /// <summary>Text cells decoded into one buffer of characters per row group, each a slice of it: no string per cell.</summary>
    sealed class Text(DataField dataField) : TypedColumn
    {
        (int Start, int Length)[] _cells = [];
        ReadOnlyMemory<char>?[] _values = [];
        int _count;
        char[] _chars = ArrayPool<char>.Shared.Rent(1 << 16);
        int _used;

        public override DataField Field => dataField;

        public override bool IsText => true;

        public override void Add(ReadOnlySpan<byte> cell)
        {
            if (cell.IsEmpty)
            {
                Put(ref _cells, _count++, (-1, 0));
                return;
            }
            if (Guarded(cell))
            {
                var text = Unguarded(cell);
                Append(text.Length, chars => text.AsSpan().CopyTo(chars));
                return;
            }
            var needed = Encoding.UTF8.GetMaxCharCount(cell.Length);
            Reserve(needed);
            var written = Encoding.UTF8.GetChars(cell, _chars.AsSpan(_used));
            Put(ref _cells, _count++, (_used, written));
            _used += written;
        }

        void Append(int length, SpanAction copy)
        {
            Reserve(length);
            copy(_chars.AsSpan(_used, length));
            Put(ref _cells, _count++, (_used, length));
            _used += length;
        }

        delegate void SpanAction(Span<char> chars);

        void Reserve(int chars)
        {
            if (_used + chars <= _chars.Length) return;
            var larger = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _used + chars));
            _chars.AsSpan(0, _used).CopyTo(larger);
            ArrayPool<char>.Shared.Return(_chars);
            _chars = larger;
        }

        public override async Task WriteTo(ParquetRowGroupWriter group)
        {
            if (_values.Length < _count) _values = new ReadOnlyMemory<char>?[_cells.Length];
            for (var i = 0; i < _count; i++)
            {
                // Not a conditional expression: its null would become an empty slice through char[]'s conversion, not a null cell.
                if (_cells[i].Start < 0) _values[i] = null;
                else _values[i] = _chars.AsMemory(_cells[i].Start, _cells[i].Length);
            }
            await group.WriteAsync(dataField, new ReadOnlyMemory<ReadOnlyMemory<char>?>(_values, 0, _count));
            _count = 0;
            _used = 0;
        }

        public override void Release()
        {
            (_cells, _values) = ([], []);
            ArrayPool<char>.Shared.Return(_chars);
            _chars = [];
        }
    }
}
