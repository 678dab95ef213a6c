using Form3Actors.Core.Hosting;

namespace Form3Actors.Core.Tests;

/// <summary>The HOCON mistakes Akka's parser passes over silently are found, with their line; valid files pass.</summary>
public sealed class HoconSyntaxTests
{
    [Theory]
    [InlineData("form3.coordinator {\n  batch-size = 8\n", "the '{' of line 1 is never closed")]
    [InlineData("a = 1\nform3.node.file-deadline = 5s }", "line 2 closes a '}' that was never opened")]
    [InlineData("a = [1, 2}", "line 1 closes a '}', but the '[' of line 1 is still open")]
    [InlineData("x = 1\n= 5", "line 2 starts with '=': a key is missing before it")]
    [InlineData("a = \"unterminated\nb = 2", "line 1 opens a quoted string that is never closed")]
    public void Mistakes_are_named_with_their_line(string text, string problem) => Assert.Equal(problem, HoconSyntax.Problem(text));

    [Theory]
    [InlineData("a { b = \"}{\" # a } in a comment\n  c = [1, 2] // and ] here\n}")]
    [InlineData("a = \"\"\"a {\nmultiline\"\"\"\nb = ${a}")]
    [InlineData("a.b = \"quote \\\" inside\"")]
    [InlineData("")]
    public void Valid_text_passes(string text) => Assert.Null(HoconSyntax.Problem(text));

    [Fact]
    public void The_bundled_files_pass()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Testing.TestData.RepoRoot, "hocon"), "*.conf"))
            Assert.True(HoconSyntax.Problem(File.ReadAllText(file)) == null, file);
    }
}
