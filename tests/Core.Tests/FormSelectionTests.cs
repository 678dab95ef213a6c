using Form3Actors.Core.Extraction;

namespace Form3Actors.Core.Tests;

public sealed class FormSelectionTests
{
    [Theory]
    [InlineData("3", "3")]
    [InlineData("5, 3,4", "3,4,5")]
    [InlineData("4,4", "4")]
    public void A_list_of_forms_is_read_in_any_order_and_written_ascending(string text, string expected) =>
        Assert.Equal(expected, FormSelection.Parse(text).ToString());

    [Theory]
    [InlineData("3,13F", "'13F' is not an ownership form")]
    [InlineData("6", "'6' is not an ownership form")]
    [InlineData("4/A", "'4/A' is not an ownership form")]
    [InlineData(" , ", "no form given")]
    public void A_list_it_cannot_read_says_what_is_wrong_and_what_to_give(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => FormSelection.Parse(text));
        Assert.StartsWith(problem, error.Message);
        Assert.EndsWith("give forms 3, 4 and 5 separated by commas, for example 3,4,5", error.Message);
    }

    [Fact]
    public void A_form_is_taken_with_its_amendment_and_nothing_else_is()
    {
        var fourAndFive = FormSelection.Parse("4,5");
        Assert.True(fourAndFive.Takes("4") && fourAndFive.Takes("4/A") && fourAndFive.Takes("5/A"));
        Assert.False(fourAndFive.Takes("3") || fourAndFive.Takes("3/A") || fourAndFive.Takes("") || fourAndFive.Takes("4/B") || fourAndFive.Takes("SC 13G"));
        Assert.Equal(FormSelection.Parse("3,4,5"), FormSelection.All);
        Assert.NotEqual(FormSelection.Default, FormSelection.All);
    }
}
