using Form3Actors.Coordinator.Hosting;
using Form3Actors.Core.Extraction;
using Form3Actors.Core.Hosting;

namespace Form3Actors.Coordinator.Tests;

public sealed class RunFormsTests : IDisposable
{
    readonly TempFolder _temp = new();
    readonly RunFolder _folder;

    public RunFormsTests() => _folder = RunFolder.Create(Path.Combine(_temp.Path, "run"));

    [Fact]
    public void A_new_run_folder_keeps_the_forms_it_was_started_with_and_refuses_others()
    {
        Assert.Null(RunForms.Check(_folder, FormSelection.All));
        Assert.True(File.Exists(Path.Combine(_folder.Root, RunForms.FileName)));
        Assert.Null(RunForms.Check(_folder, FormSelection.Parse("5,4,3")));
        Assert.Equal($"the run folder {_folder.Root} takes forms 3,4,5 (its finished files were extracted for those); " +
            "run with --forms 3,4,5, or give another --run-dir for --forms 3", RunForms.Check(_folder, FormSelection.Default));
    }

    [Fact]
    public void A_journal_from_before_form_selection_took_form_3_only()
    {
        File.WriteAllText(_folder.Journal, "");
        Assert.NotNull(RunForms.Check(_folder, FormSelection.All));
        Assert.False(File.Exists(Path.Combine(_folder.Root, RunForms.FileName)));
        Assert.Null(RunForms.Check(_folder, FormSelection.Default));
        Assert.True(File.Exists(Path.Combine(_folder.Root, RunForms.FileName)));
    }

    [Fact]
    public void An_unreadable_forms_file_says_so()
    {
        File.WriteAllText(Path.Combine(_folder.Root, RunForms.FileName), "{\"forms\": \"3,9\"}");
        Assert.StartsWith($"{Path.Combine(_folder.Root, RunForms.FileName)} could not be read ('9' is not an ownership form", RunForms.Check(_folder, FormSelection.Default));
    }

    public void Dispose() => _temp.Dispose();
}
