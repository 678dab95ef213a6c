using System.Globalization;
using DuckDB.NET.Data;
using Parquet;
using Sylvan.Data.Csv;

namespace Form3Actors.Testing;

/// <summary>
/// The Parquet tables of a run read by two readers that share no code with the tool's writer, DuckDB's own engine and
/// Parquet.Net's reader, each value rendered as the CSV writes it, and compared with the CSV.
/// </summary>
public static class ParquetTables
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string PathOf(string runDir, string table) => Path.Combine(runDir, "results", "parquet", table + ".parquet");

    /// <summary>A DuckDB connection to an in-memory database.</summary>
    public static DuckDBConnection DuckDb()
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        return connection;
    }

    /// <summary>The file's columns and their types as DuckDB reads them (VARCHAR, DATE, TIMESTAMP, DOUBLE, BOOLEAN, INTEGER).</summary>
    public static List<(string Name, string Type)> DuckDbColumns(string file)
    {
        using var db = DuckDb();
        using var command = db.CreateCommand();
        command.CommandText = $"DESCRIBE SELECT * FROM read_parquet('{file}')";
        using var reader = command.ExecuteReader();
        var columns = new List<(string, string)>();
        while (reader.Read()) columns.Add((reader.GetString(0), reader.GetString(1)));
        return columns;
    }

    /// <summary>Every row as DuckDB reads it, in file order; null for a null.</summary>
    public static List<string?[]> DuckDbRows(string file)
    {
        using var db = DuckDb();
        using var command = db.CreateCommand();
        command.CommandText = $"SELECT * FROM read_parquet('{file}')";
        using var reader = command.ExecuteReader();
        var rows = new List<string?[]>();
        while (reader.Read())
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : Render(reader.GetValue(i));
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// Every row as Parquet.Net reads it, row group by row group; null for a null. A managed implementation of the
    /// format, independent of the Arrow C++ writer the tool uses.
    /// </summary>
    public static List<string?[]> ParquetNetRows(string file) => ReadWithParquetNet(file).GetAwaiter().GetResult();

    static async Task<List<string?[]>> ReadWithParquetNet(string file)
    {
        await using var reader = await ParquetReader.CreateAsync(file, new ParquetOptions { UseDateOnlyTypeForDates = true });
        var fields = reader.Schema.GetDataFields();
        var rows = new List<string?[]>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = checked((int)group.RowCount);
            var columns = new string?[fields.Length][];
            for (var c = 0; c < fields.Length; c++) columns[c] = await ReadColumn(group, fields[c], count);
            for (var r = 0; r < count; r++) rows.Add(columns.Select(column => column[r]).ToArray());
        }
        return rows;
    }

    static async Task<string?[]> ReadColumn(ParquetRowGroupReader group, Parquet.Schema.DataField field, int count)
    {
        async Task<string?[]> Values<T>() where T : struct
        {
            var values = new T?[count];
            await group.ReadAsync<T>(field, values.AsMemory());
            return values.Select(v => v is { } x ? Render(x) : null).ToArray();
        }

        var type = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            var text = new string?[count];
            await group.ReadAsync(field, text.AsMemory());
            return text;
        }
        if (type == typeof(DateOnly)) return await Values<DateOnly>();
        if (type == typeof(DateTime)) return await Values<DateTime>();
        if (type == typeof(double)) return await Values<double>();
        if (type == typeof(bool)) return await Values<bool>();
        if (type == typeof(int)) return await Values<int>();
        throw new InvalidDataException($"column {field.Name} reads as {type.Name}, which no table column has");
    }

    /// <summary>A value as the CSV tables write it (numbers in their shortest exact form).</summary>
    static string Render(object value) => value switch
    {
        DateOnly d => d.ToString("yyyy-MM-dd", Invariant),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss", Invariant),
        double x => x.ToString("R", Invariant),
        bool b => b ? "1" : "0",
        int i => i.ToString(Invariant),
        string s => s,
        _ => throw new InvalidDataException($"a Parquet value of type {value.GetType().Name} ({value})"),
    };

    /// <summary>
    /// Where <paramref name="rows"/> (a Parquet table as read) differ from the CSV table: another row count, header or
    /// value. A number is equal when it is the same number (<c>1000.50</c> and <c>1000.5</c>); an empty cell must be
    /// null; a cell with text may be null only if the type could not hold it, and those are counted by column in
    /// <paramref name="nulled"/>. Null when they agree.
    /// </summary>
    public static string? Difference(string csvFile, IReadOnlyList<string> columns, List<string?[]> rows, Dictionary<string, int> nulled)
    {
        using var csv = CsvDataReader.Create(csvFile, new CsvDataReaderOptions { HasHeaders = true });
        var header = Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).ToList();
        if (!header.SequenceEqual(columns)) return $"{csvFile}: the Parquet columns are [{string.Join(",", columns)}], the CSV's [{string.Join(",", header)}]";
        var row = 0;
        while (csv.Read())
        {
            if (row >= rows.Count) return $"{csvFile}: the Parquet table has {rows.Count} rows, the CSV more";
            for (var c = 0; c < header.Count; c++)
            {
                var expected = Unguard(csv.GetString(c));
                var actual = rows[row][c];
                if (actual == null)
                {
                    if (expected.Length == 0) continue;
                    nulled[header[c]] = nulled.GetValueOrDefault(header[c]) + 1;
                    continue;
                }
                if (expected.Length == 0) return $"{csvFile}, row {row + 1}, {header[c]}: the CSV's cell is empty, the Parquet value '{actual}' instead of null";
                if (actual == expected) continue;
                if (double.TryParse(expected, NumberStyles.Float, Invariant, out var x) && double.TryParse(actual, NumberStyles.Float, Invariant, out var y) && x == y) continue;
                return $"{csvFile}, row {row + 1}, {header[c]}: CSV '{expected}', Parquet '{actual}'";
            }
            row++;
        }
        return row == rows.Count ? null : $"{csvFile}: the CSV has {row} rows, the Parquet table {rows.Count}";
    }

    /// <summary>The cell as filed: the CSV puts an apostrophe before text a spreadsheet would run as a formula.</summary>
    static string Unguard(string cell) =>
        cell.Length > 1 && cell[0] == '\'' && cell[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? cell[1..] : cell;
}
