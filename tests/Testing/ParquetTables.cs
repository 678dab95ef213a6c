using System.Globalization;
using DuckDB.NET.Data;
using ParquetSharp;
using Sylvan.Data.Csv;

namespace Form3Actors.Testing;

/// <summary>
/// The Parquet tables of a run read by two readers that share no code with the tool's writer, DuckDB's own engine and
/// Apache Arrow's C++ reader (ParquetSharp), each value rendered as the CSV writes it, and compared with the CSV.
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

    /// <summary>Every row as Apache Arrow's C++ Parquet reader reads it, row group by row group; null for a null.</summary>
    public static List<string?[]> ArrowRows(string file)
    {
        using var reader = new ParquetFileReader(file);
        var metadata = reader.FileMetaData;
        var rows = new List<string?[]>();
        for (var g = 0; g < metadata.NumRowGroups; g++)
        {
            using var group = reader.RowGroup(g);
            var count = checked((int)group.MetaData.NumRows);
            var columns = new string?[metadata.NumColumns][];
            for (var c = 0; c < metadata.NumColumns; c++)
            {
                using var column = group.Column(c);
                columns[c] = metadata.Schema.Column(c).LogicalType switch
                {
                    DateLogicalType => column.LogicalReader<Date?>().ReadAll(count).Select(d => d is { } v ? Render(DateOnly.FromDateTime(v.DateTime)) : null).ToArray(),
                    TimestampLogicalType => column.LogicalReader<DateTime?>().ReadAll(count).Select(d => d is { } v ? Render(v) : null).ToArray(),
                    StringLogicalType => column.LogicalReader<string?>().ReadAll(count),
                    _ => metadata.Schema.Column(c).PhysicalType switch
                    {
                        PhysicalType.Double => column.LogicalReader<double?>().ReadAll(count).Select(v => v is { } x ? Render(x) : null).ToArray(),
                        PhysicalType.Boolean => column.LogicalReader<bool?>().ReadAll(count).Select(v => v is { } x ? Render(x) : null).ToArray(),
                        PhysicalType.Int32 => column.LogicalReader<int?>().ReadAll(count).Select(v => v is { } x ? Render(x) : null).ToArray(),
                        var other => throw new InvalidDataException($"{file}: column {c} has physical type {other}, which no table column has"),
                    },
                };
            }
            for (var r = 0; r < count; r++) rows.Add(columns.Select(c => c[r]).ToArray());
        }
        return rows;
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
