using Form3Actors.Core.Extraction;
using Form3Actors.Messages;
using Sylvan.Data.Csv;

namespace Form3Actors.Coordinator.Inputs;

public enum InputKind { Auto, Csv, Directory, Index }

/// <summary>How to read the run's input; from the command line, with defaults from hocon/coordinator.conf.</summary>
/// <param name="Forms">The forms the run takes: an EDGAR index lists only rows of these (other rows are counted as skipped).</param>
public sealed record InputOptions(InputKind Kind, string PathColumn, string? MirrorRoot, IReadOnlyList<string> DirectoryPatterns, FormSelection Forms);

/// <summary>
/// Lists the filings of a run from a CSV with a path column (like researchers' form_3_*.csv), a directory tree,
/// or an EDGAR form/master/company index pointing into a local mirror. Blank and duplicate rows are counted and
/// reported, never fatal; an unusable input as a whole throws <see cref="InputException"/>.
/// </summary>
public static class InputCatalog
{
    /// <summary>Lists the input; <paramref name="cancel"/> stops a long listing (a signal during start-up) between two rows.</summary>
    public static InputListing Load(string input, InputOptions options, CancellationToken cancel = default)
    {
        var kind = options.Kind == InputKind.Auto ? Detect(input) : options.Kind;
        var listing = kind switch
        {
            InputKind.Directory => FromDirectory(input, options.DirectoryPatterns, cancel),
            InputKind.Index => FromIndex(input, options.MirrorRoot, options.Forms, cancel),
            _ => FromCsv(input, options.PathColumn, cancel),
        };
        listing.Forms = options.Forms;
        return listing;
    }

    public static InputKind Detect(string input)
    {
        if (Directory.Exists(input)) return InputKind.Directory;
        if (!File.Exists(input)) throw new InputException($"input not found: {input} (give a CSV with a filepath column, a folder of filings, or an EDGAR form.idx/master.idx)");
        var name = Path.GetFileName(input).ToLowerInvariant();
        if (name.EndsWith(".csv", StringComparison.Ordinal)) return InputKind.Csv;
        if (name.Contains(".idx", StringComparison.Ordinal)) return InputKind.Index;
        using var reader = new StreamReader(input);
        var first = reader.ReadLine() ?? "";
        return first.StartsWith("Description:", StringComparison.Ordinal) || first.StartsWith("CIK|", StringComparison.Ordinal) ? InputKind.Index : InputKind.Csv;
    }

    static InputListing FromCsv(string csvPath, string pathColumn, CancellationToken cancel)
    {
        if (!File.Exists(csvPath)) throw new InputException($"input CSV not found: {csvPath}");
        var folder = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        var builder = new Builder($"CSV {csvPath} (column {pathColumn})", cancel);
        try
        {
            ReadCsv(csvPath, pathColumn, folder, builder);
        }
        catch (CsvMissingHeadersException)
        {
            throw new InputException($"CSV {csvPath} is empty: it needs a header row naming its columns, one of them '{pathColumn}' (or name the path column with --path-column)");
        }
        catch (CsvFormatException e)
        {
            throw new InputException($"CSV {csvPath} is malformed at row {e.RowNumber}, field {e.FieldOrdinal + 1} ({e.Message.TrimEnd('.')}): " +
                "usually an unterminated or stray double quote; fix that row (a field holding a comma, quote or line break must be quoted, with quotes doubled)");
        }
        return builder.Build();
    }

    static void ReadCsv(string csvPath, string pathColumn, string folder, Builder builder)
    {
        using var csv = CsvDataReader.Create(new StreamReader(InputFileBytes.Read(csvPath)));
        var ordinal = -1;
        for (var i = 0; i < csv.FieldCount; i++)
            if (string.Equals(csv.GetName(i), pathColumn, StringComparison.OrdinalIgnoreCase)) ordinal = i;
        if (ordinal < 0)
        {
            var columns = string.Join(", ", Enumerable.Range(0, csv.FieldCount).Select(csv.GetName));
            throw new InputException($"CSV {csvPath} has no '{pathColumn}' column (its columns: {columns}); name the column that holds the paths with --path-column");
        }
        while (csv.Read())
        {
            var value = ordinal < csv.RowFieldCount ? csv.GetString(ordinal).Trim() : "";
            builder.Add(folder, value);
        }
    }

    static InputListing FromDirectory(string root, IReadOnlyList<string> patterns, CancellationToken cancel)
    {
        var full = Path.GetFullPath(root);
        var builder = new Builder($"folder {root} ({string.Join(", ", patterns)})", cancel);
        var files = patterns
            .SelectMany(p => Directory.EnumerateFiles(full, p, new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
            builder.Add(full, Path.GetRelativePath(full, file));
        return builder.Build();
    }

    /// <summary>
    /// EDGAR's daily and quarterly indexes: form.idx and company.idx are fixed-width with a header naming the
    /// columns (company.idx wraps it over two lines); master.idx is pipe-separated. Only rows of form 3 and 3/A count.
    /// </summary>
    static InputListing FromIndex(string indexPath, string? mirrorRoot, FormSelection forms, CancellationToken cancel)
    {
        if (mirrorRoot == null)
            throw new InputException($"{indexPath} is an EDGAR index, whose paths (edgar/data/...) are relative to a mirror: pass --mirror-root DIR, the folder that holds edgar/");
        if (!Directory.Exists(mirrorRoot)) throw new InputException($"mirror root not found: {mirrorRoot}");
        var root = Path.GetFullPath(mirrorRoot);
        var builder = new Builder($"EDGAR index {indexPath} under {mirrorRoot}", cancel);
        var pipe = false;
        int formStart = -1, formEnd = -1;
        var inBody = false;
        // Read as it comes: a quarter's index of every form is hundreds of thousands of lines.
        using var text = new StreamReader(InputFileBytes.Read(indexPath));
        for (var line = text.ReadLine(); line != null; line = text.ReadLine())
        {
            if (!inBody)
            {
                // master.idx names its pipe-separated columns on one line; form.idx and company.idx are fixed-width,
                // with a header naming the columns (company.idx wraps it over two lines) and a line of dashes.
                if (line.StartsWith("CIK|", StringComparison.Ordinal))
                {
                    (pipe, inBody) = (true, true);
                    continue;
                }
                if (line.Contains("Form Type", StringComparison.Ordinal))
                {
                    formStart = line.IndexOf("Form Type", StringComparison.Ordinal);
                    var next = new[] { "Company Name", "CIK", "Date Filed", "File Name" }
                        .Select(h => line.IndexOf(h, StringComparison.Ordinal)).Where(i => i > formStart).DefaultIfEmpty(-1).Min();
                    formEnd = next;
                }
                inBody = line.StartsWith("-----", StringComparison.Ordinal) && formStart >= 0;
                continue;
            }
            if (string.IsNullOrWhiteSpace(line) || line.StartsWith("---", StringComparison.Ordinal)) continue;
            string formType, fileName;
            if (pipe)
            {
                var fields = line.Split('|');
                if (fields.Length < 5) { builder.Skip(); continue; }
                formType = fields[2].Trim();
                fileName = fields[4].Trim();
            }
            else
            {
                if (line.Length <= formStart) { builder.Skip(); continue; }
                formType = (formEnd > formStart && line.Length > formEnd ? line[formStart..formEnd] : line[formStart..]).Trim();
                fileName = line.TrimEnd().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            }
            if (!forms.Takes(formType)) { builder.Skip(); continue; }
            builder.Add(root, fileName);
        }
        if (!inBody) throw new InputException($"{indexPath} does not look like an EDGAR form.idx, company.idx or master.idx (no column header found)");
        return builder.Build();
    }

    /// <summary>
    /// Collects the listed paths in input order, without touching the files: on a network file system a check is a
    /// round trip, and a million of them kept every node idle for minutes. Workers learn each file's version from the
    /// file they open (a missing one becomes an error row); a rerun checks the files its journal knows, many at a time.
    /// </summary>
    sealed class Builder(string description, CancellationToken cancel)
    {
        /// <summary>Rows between two looks at the cancellation token.</summary>
        const int CancelCheckRows = 4096;

        readonly InputListing _listing = new(description);
        int _blank, _duplicate, _skipped, _rows;

        public void Skip() => _skipped++;

        /// <summary>Lists <paramref name="sourcePath"/> (absolute, or relative to <paramref name="root"/>); blank counts as a blank row.</summary>
        public void Add(string root, string sourcePath)
        {
            if (++_rows % CancelCheckRows == 0) cancel.ThrowIfCancellationRequested();
            if (sourcePath.Length == 0)
            {
                _blank++;
                return;
            }
            if (!_listing.TryAdd(FileKey.Of(InputFile.FullPath(root, sourcePath)), root, sourcePath)) _duplicate++;
        }

        public InputListing Build()
        {
            cancel.ThrowIfCancellationRequested();
            _listing.BlankRows = _blank;
            _listing.DuplicateRows = _duplicate;
            _listing.SkippedRows = _skipped;
            return _listing;
        }
    }
}
