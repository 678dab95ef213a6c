using System.IO.Hashing;
using System.Text;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Output;

namespace Form3Actors.Coordinator.Output;

/// <summary>What a run writes besides the CSV tables: the SEC's own layout (results/sec/), typed Parquet (results/parquet/).</summary>
/// <param name="Parquet">How to write the Parquet tables; null: none.</param>
public sealed record ResultOutputs(bool SecLayout, ParquetSettings? Parquet = null)
{
    public static readonly ResultOutputs CsvOnly = new(false);

    /// <summary>Every file the merge writes for these outputs, as paths under results/.</summary>
    public IEnumerable<string> Files()
    {
        foreach (var table in TableSchema.All) yield return TableSchema.FileName(table);
        if (SecLayout)
            foreach (var table in TableSchema.All.Where(SecFormat.Has)) yield return SecFormat.RelativePath(table);
        if (Parquet != null)
            foreach (var table in TableSchema.All) yield return ParquetTableOutput.PathOf(table);
    }

    /// <summary>
    /// How a table's files are split among the merge's jobs, each of which reads the table's rows once: the text files
    /// together (they cost little beyond reading the rows), the Parquet file apart (it costs several times more).
    /// </summary>
    public IEnumerable<OutputKinds> Jobs(Table table)
    {
        yield return OutputKinds.Csv | (SecLayout && SecFormat.Has(table) ? OutputKinds.Sec : 0);
        if (Parquet != null) yield return OutputKinds.Parquet;
    }

    /// <summary>A job's cost per byte of part rows, relative to copying them into the CSV (measured on a million-filing merge).</summary>
    public static int Cost(OutputKinds kinds) => kinds.HasFlag(OutputKinds.Parquet) ? 5 : kinds.HasFlag(OutputKinds.Sec) ? 3 : 1;

    /// <summary>The files of one table a job writes.</summary>
    public List<TableOutput> For(string resultsDirectory, Table table, OutputKinds kinds)
    {
        var outputs = new List<TableOutput>();
        if (kinds.HasFlag(OutputKinds.Csv)) outputs.Add(new CsvTableOutput(resultsDirectory, table));
        if (kinds.HasFlag(OutputKinds.Sec)) outputs.Add(new SecTableOutput(resultsDirectory, table));
        if (kinds.HasFlag(OutputKinds.Parquet)) outputs.Add(new ParquetTableOutput(resultsDirectory, table, Parquet!));
        return outputs;
    }

    /// <summary>Removes the folders of outputs not asked for, an earlier run's.</summary>
    public void RemoveOthers(string resultsDirectory)
    {
        if (!SecLayout) RemoveFolder(Path.Combine(resultsDirectory, SecFormat.FolderName));
        if (Parquet == null) RemoveFolder(Path.Combine(resultsDirectory, ParquetTableOutput.FolderName));
    }

    /// <summary>The folders under results/ that these outputs write into.</summary>
    public IEnumerable<string> Folders(string resultsDirectory)
    {
        if (SecLayout) yield return Path.Combine(resultsDirectory, SecFormat.FolderName);
        if (Parquet != null) yield return Path.Combine(resultsDirectory, ParquetTableOutput.FolderName);
    }

    static void RemoveFolder(string folder)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    /// <summary>The outputs in a word, for the merge stamp: tables merged for other outputs are merged again.</summary>
    public override string ToString() => "csv" + (SecLayout ? "+sec" : "") + (Parquet != null ? "+parquet" : "");
}

/// <summary>The kinds of file a table is written as.</summary>
[Flags]
public enum OutputKinds
{
    Csv = 1,
    Sec = 2,
    Parquet = 4,
}

/// <summary>
/// One file the merge writes for a table, in chunks, under a temporary name beside its final one
/// (<see cref="AtomicFile"/>), with its size and XXH3 checksum counted on the way; made durable by
/// <see cref="Complete"/> and put in place by <see cref="Commit"/> only once every file of the merge is complete.
/// </summary>
public abstract class TableOutput : IDisposable
{
    /// <summary>Bytes gathered before each write to the file.</summary>
    protected const int ChunkBytes = 1 << 20;

    readonly AtomicFile.Pending _file;
    readonly XxHash3 _checksum = new();
    long _bytes;

    protected TableOutput(string resultsDirectory, string relativePath)
    {
        RelativePath = relativePath;
        var path = Path.Combine(resultsDirectory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _file = AtomicFile.Create(path);
        Output = new CountingStream(this);
    }

    /// <summary>The file as a stream, for writers that want one: what they write is counted like <see cref="Write"/>.</summary>
    protected Stream Output { get; }

    /// <summary>The file's path under results/.</summary>
    public string RelativePath { get; }

    /// <summary>A current row of the table: its cells as the CSV holds them, and its AS_FILED field as the part file holds it.</summary>
    public abstract void Add(ReadOnlySpan<byte> cells, ReadOnlySpan<byte> asFiled);

    /// <summary>A row the merge makes itself (a quarantined file's ERRORS row).</summary>
    public abstract void Add(string[] cells);

    /// <summary>Writes what is buffered, makes the file durable and says what it holds.</summary>
    public TableFile Complete()
    {
        Flush();
        _file.Stream.Flush(flushToDisk: true);
        return new TableFile(_bytes, TableFile.Hex(_checksum.GetCurrentHashAsUInt64()));
    }

    /// <summary>Puts the completed file in place of the one its name held (the merge fsyncs the folders once, after every file).</summary>
    public void Commit() => _file.Commit(durable: false, syncFolder: false);

    /// <summary>Removes the temporary file (a merge that found damaged segments writes nothing).</summary>
    public void Discard() => _file.Dispose();

    protected abstract void Flush();

    /// <summary>Appends bytes to the file (called by <see cref="Flush"/> with whole chunks).</summary>
    protected void Write(ReadOnlySpan<byte> bytes)
    {
        _checksum.Append(bytes);
        _bytes += bytes.Length;
        _file.Stream.Write(bytes);
    }

    public void Dispose() => _file.Dispose();

    /// <summary>A write-only stream over <see cref="Write"/> that knows its position (what has been written).</summary>
    sealed class CountingStream(TableOutput output) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => output._bytes;
        public override long Position { get => output._bytes; set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => output.Write(buffer);
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>A table as CSV (results/NAME.csv): the part rows' cells copied as they are.</summary>
public sealed class CsvTableOutput : TableOutput
{
    readonly CsvRowWriter _buffer = new(2 * ChunkBytes);

    public CsvTableOutput(string resultsDirectory, Table table) : base(resultsDirectory, TableSchema.FileName(table)) =>
        _buffer.Row(TableSchema.Columns(table));

    public override void Add(ReadOnlySpan<byte> cells, ReadOnlySpan<byte> asFiled)
    {
        _buffer.Raw(cells);
        _buffer.EndRow();
        if (_buffer.Length >= ChunkBytes) Flush();
    }

    public override void Add(string[] cells) => _buffer.Row(cells.Select(CsvCells.GuardFormula));

    protected override void Flush()
    {
        Write(_buffer.Written);
        _buffer.Clear();
    }
}

/// <summary>A table in the SEC's layout (results/sec/NAME.tsv, <see cref="SecFormat"/>).</summary>
public sealed class SecTableOutput : TableOutput
{
    readonly IReadOnlyList<string> _columns;
    readonly int[] _ordinals;
    readonly StringBuilder _line = new();
    byte[] _buffer = new byte[2 * ChunkBytes];
    int _length;

    public SecTableOutput(string resultsDirectory, Table table) : base(resultsDirectory, SecFormat.RelativePath(table))
    {
        _columns = SecFormat.Columns(table);
        var ours = TableSchema.Columns(table).ToList();
        _ordinals = _columns.Select(c => ours.IndexOf(c)).ToArray();
        Append(string.Join('\t', _columns) + "\n");
    }

    public override void Add(ReadOnlySpan<byte> cells, ReadOnlySpan<byte> asFiled)
    {
        var values = CsvRecords.Fields(cells);
        for (var i = 0; i < values.Length; i++) values[i] = CsvCells.Unguard(values[i]);
        if (!asFiled.IsEmpty) AsFiledCells.Apply(CsvRecords.Unquote(asFiled), values);
        _line.Clear();
        for (var i = 0; i < _columns.Count; i++)
        {
            if (i > 0) _line.Append('\t');
            _line.Append(SecFormat.Cell(_columns[i], values[_ordinals[i]]));
        }
        _line.Append('\n');
        Append(_line.ToString());
    }

    public override void Add(string[] cells) => throw new InvalidOperationException("the SEC's layout has no rows made by the merge");

    void Append(string text)
    {
        var needed = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (_length + needed > _buffer.Length) Flush();
        if (needed > _buffer.Length) _buffer = new byte[needed];
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
        if (_length >= ChunkBytes) Flush();
    }

    protected override void Flush()
    {
        Write(_buffer.AsSpan(0, _length));
        _length = 0;
    }
}
