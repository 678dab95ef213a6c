using Form3Actors.Coordinator.Output;

namespace Form3Actors.Coordinator.Tests;

public sealed class SecFormatTests
{
    [Theory]
    [InlineData("TRANS_DATE", "2024-09-12", "12-SEP-2024")]
    [InlineData("EXCERCISE_DATE", "2024-09-12-05:00", "12-SEP-2024")]
    [InlineData("PERIOD_OF_REPORT", "not a date", "not a date")]
    [InlineData("SECURITY_TITLE", "2024-09-12", "2024-09-12")]
    [InlineData("TRANS_SHARES_FN", "F1,F2,F10", "F1, F2, F10")]
    [InlineData("REMARKS", "under the heading \"Security Ownership\"", "\"under the heading \"\"Security Ownership\"\"\"")]
    [InlineData("FOOTNOTE_TXT", "a\ttab", "a tab")]
    [InlineData("FOOTNOTE_TXT", "wrapped\r\nover  two lines", "wrapped over  two lines")]
    [InlineData("SECURITY_TITLE", "Class A  Common Stock", "Class A  Common Stock")]
    [InlineData("TRANS_PRICEPERSHARE", "26.80", "26.8")]
    [InlineData("TRANS_PRICEPERSHARE", "0", "0.0")]
    [InlineData("SHRS_OWND_FOLWNG_TRANS", "15285.559", "15285.56")]
    [InlineData("SHRS_OWND_FOLWNG_TRANS", "15733625", "15733625.0")]
    [InlineData("UNDLYNG_SEC_SHARES", "224.048", "224.05")]
    [InlineData("TRANS_SHARES", "0.005", "0.01")]
    [InlineData("TRANS_SHARES", "-0.004", "0.0")]
    [InlineData("TRANS_SHARES", "1.5E3", "1500.0")]
    [InlineData("CONV_EXERCISE_PRICE", "n/a", "n/a")]
    [InlineData("CONV_EXERCISE_PRICE", "", "")]
    public void A_cell_is_written_as_the_sec_writes_it(string column, string ours, string sec) => Assert.Equal(sec, SecFormat.Cell(column, ours));

    [Theory]
    [InlineData("'=HYPERLINK(x)", "=HYPERLINK(x)")]
    [InlineData("'-5", "'-5")] // -5 is a number, never guarded: the apostrophe was in the filing
    [InlineData("'quoted'", "'quoted'")]
    public void A_formula_guard_is_taken_off_for_readers_that_execute_nothing(string cell, string unguarded) =>
        Assert.Equal(unguarded, Core.Output.CsvCells.Unguard(cell));
}
