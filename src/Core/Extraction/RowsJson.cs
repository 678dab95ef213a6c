using System.Text.Json;

namespace Form3Actors.Core.Extraction;

/// <summary>Writes one filing's rows as JSON: every table by name, each row an object of column to value.</summary>
public static class RowsJson
{
    public static void Write(Stream output, string sourcePath, FilingRows rows)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("file", sourcePath);
        json.WriteString("filingDateSource", rows.FilingDateSource.ToString());
        json.WriteStartObject("tables");
        foreach (var table in TableSchema.All)
        {
            if (table == Table.Errors) continue;
            var columns = TableSchema.Columns(table);
            json.WriteStartArray(TableSchema.Name(table));
            foreach (var row in rows[table])
            {
                json.WriteStartObject();
                for (var i = 0; i < columns.Count; i++) json.WriteString(columns[i], row[i]);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }
}
