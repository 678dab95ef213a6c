using System.Collections;
using System.Collections.ObjectModel;
using System.Data.Common;

namespace Form3Actors.Node.Output;

/// <summary>
/// Presents a sequence of string rows as a <see cref="DbDataReader"/>, the shape Sylvan's CsvDataWriter consumes.
/// Every column is text; an optional cell transform (the spreadsheet-formula guard) applies on the way out.
/// </summary>
public sealed class StringRowsDataReader(IReadOnlyList<string> columns, IEnumerable<string[]> rows, Func<string, string>? transform = null)
    : DbDataReader, IDbColumnSchemaGenerator
{
    readonly IEnumerator<string[]> _rows = rows.GetEnumerator();
    string[] _current = [];

    public ReadOnlyCollection<DbColumn> GetColumnSchema() =>
        columns.Select((name, ordinal) => (DbColumn)new TextColumn(name, ordinal)).ToList().AsReadOnly();

    sealed class TextColumn : DbColumn
    {
        public TextColumn(string name, int ordinal)
        {
            ColumnName = name;
            ColumnOrdinal = ordinal;
            DataType = typeof(string);
            DataTypeName = "string";
            AllowDBNull = false;
        }
    }

    public override bool Read()
    {
        if (!_rows.MoveNext()) return false;
        _current = _rows.Current;
        return true;
    }

    public override string GetString(int ordinal) => transform == null ? _current[ordinal] : transform(_current[ordinal]);
    public override object GetValue(int ordinal) => GetString(ordinal);
    public override int FieldCount => columns.Count;
    public override string GetName(int ordinal) => columns[ordinal];
    public override int GetOrdinal(string name) => columns.ToList().IndexOf(name);
    public override Type GetFieldType(int ordinal) => typeof(string);
    public override string GetDataTypeName(int ordinal) => "string";
    public override bool IsDBNull(int ordinal) => false;
    public override bool HasRows => true;
    public override bool IsClosed => false;
    public override int RecordsAffected => -1;
    public override int Depth => 0;
    public override bool NextResult() => false;
    public override object this[int ordinal] => GetValue(ordinal);
    public override object this[string name] => GetValue(GetOrdinal(name));

    public override int GetValues(object[] values)
    {
        var count = Math.Min(values.Length, FieldCount);
        for (var i = 0; i < count; i++) values[i] = GetValue(i);
        return count;
    }

    public override IEnumerator GetEnumerator() => throw new NotSupportedException();
    public override bool GetBoolean(int ordinal) => throw new NotSupportedException();
    public override byte GetByte(int ordinal) => throw new NotSupportedException();
    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) => throw new NotSupportedException();
    public override char GetChar(int ordinal) => throw new NotSupportedException();
    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) => throw new NotSupportedException();
    public override DateTime GetDateTime(int ordinal) => throw new NotSupportedException();
    public override decimal GetDecimal(int ordinal) => throw new NotSupportedException();
    public override double GetDouble(int ordinal) => throw new NotSupportedException();
    public override float GetFloat(int ordinal) => throw new NotSupportedException();
    public override Guid GetGuid(int ordinal) => throw new NotSupportedException();
    public override short GetInt16(int ordinal) => throw new NotSupportedException();
    public override int GetInt32(int ordinal) => throw new NotSupportedException();
    public override long GetInt64(int ordinal) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _rows.Dispose();
        base.Dispose(disposing);
    }
}
