using Form3Actors.Core.Extraction;

using Form3Actors.Testing.Reference;

namespace Form3Actors.Core.Tests.Reference;

/// <summary>Holds the extractor's outcome for one file to the reference reader's, cell by cell.</summary>
public static class TableComparison
{
    public static readonly IReadOnlyList<Table> DataTables = TableSchema.All.Where(t => t != Table.Errors).ToList();

    /// <summary>Null when both refuse, or both accept with identical tables; else the first difference. Both take <paramref name="forms"/> (Form 3 unless given).</summary>
    public static string? Difference(byte[] bytes, string path, FormSelection? forms = null)
    {
        forms ??= FormSelection.Default;
        var fast = new OwnershipExtractor(forms).Extract(bytes, path);
        var reference = ReferenceReader.Read(bytes, path, forms.Forms.ToList());
        if (fast.Succeeded != reference.Accepted)
            return $"{path}: the extractor {(fast.Succeeded ? "accepted it" : $"refused it ({fast.Error!.Kind}: {fast.Error.Message})")}, " +
                   $"the reference reader {(reference.Accepted ? "accepted it" : $"refused it ({reference.Refusal})")}";
        return fast.Succeeded ? Difference(fast.Rows!, reference, path) : null;
    }

    public static string? Difference(FilingRows rows, ReferenceResult reference, string path)
    {
        foreach (var table in DataTables)
        {
            var name = TableSchema.Name(table);
            var expected = reference.Tables[name];
            var actual = rows[table];
            if (expected.Count != actual.Count) return $"{path}: {name} has {actual.Count} rows, the reference {expected.Count}";
            var columns = TableSchema.Columns(table);
            for (var r = 0; r < actual.Count; r++)
            for (var c = 0; c < columns.Count; c++)
            {
                var want = expected[r].GetValueOrDefault(columns[c], "");
                if (actual[r][c] != want) return $"{path}: {name} row {r + 1} {columns[c]} is '{actual[r][c]}', the reference says '{want}'";
            }
            var unknown = expected.SelectMany(row => row.Keys).Except(columns).FirstOrDefault();
            if (unknown != null) return $"{path}: the reference has a column {name}.{unknown} that the contract does not";
        }
        return null;
    }
}
