using Form3Actors.Core.Extraction;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Hosting;

/// <summary>
/// The forms a run folder takes, in its forms.json: its journal's finished files were extracted for those forms (a
/// filing of another form is finished as a form_not_selected row), so a run with other forms needs a run folder of
/// its own, or it would keep those rows.
/// </summary>
public static class RunForms
{
    public const string FileName = "forms.json";

    sealed record FormsDocument(string Forms);

    /// <summary>
    /// Records <paramref name="forms"/> for a run folder that has none yet; null when the run may go on, else what to
    /// do. A journal without the file was started by a version that took Form 3 only.
    /// </summary>
    public static string? Check(RunFolder folder, FormSelection forms)
    {
        var path = Path.Combine(folder.Root, FileName);
        FormSelection recorded;
        try
        {
            recorded = JsonFile.Read<FormsDocument>(path) is { } document ? FormSelection.Parse(document.Forms)
                : File.Exists(folder.Journal) ? FormSelection.Default
                : forms;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or FormatException)
        {
            return $"{path} could not be read ({e.Message}); restore it, or give another --run-dir";
        }
        if (recorded != forms)
            return $"the run folder {folder.Root} takes forms {recorded} (its finished files were extracted for those); " +
                $"run with --forms {recorded}, or give another --run-dir for --forms {forms}";
        if (!File.Exists(path)) JsonFile.WriteAtomically(path, new FormsDocument(forms.ToString()), durable: true);
        return null;
    }
}
