using System.Text;
using Form3Actors.Coordinator.Output;

namespace Form3Actors.Coordinator.Tests;

/// <summary>Cells as their column's type for the Parquet tables: a value only when it is exactly the one written.</summary>
public sealed class TypedCellsTests
{
    [Theory]
    [InlineData("2024-01-05", true)]
    [InlineData("2024-02-29", true)]
    [InlineData("2023-02-29", false)]
    [InlineData("2024-13-01", false)]
    [InlineData("2024-1-5", false)]
    [InlineData("05-JAN-2024", false)]
    [InlineData("2024-01-05-05:00", false)]
    [InlineData("+024-01-05", false)]
    [InlineData("0000-01-05", false)]
    public void Dates_are_calendar_dates_written_in_ISO_form(string text, bool fits) => Assert.Equal(fits, TypedCells.TryDate(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void The_acceptance_time_is_kept_as_EDGAR_s_wall_clock()
    {
        Assert.True(TypedCells.TryTimestamp("2022-04-07T17:11:46"u8, out var time));
        Assert.Equal(new DateTime(2022, 4, 7, 17, 11, 46), time);
        Assert.Equal(DateTimeKind.Unspecified, time.Kind);
        Assert.False(TypedCells.TryTimestamp("2022-04-07 17:11:46"u8, out _));
        Assert.False(TypedCells.TryTimestamp("2022-04-07T24:00:00"u8, out _));
    }

    [Theory]
    [InlineData("250000", 250000.0)]
    [InlineData("1000.50", 1000.5)]
    [InlineData("-12.3456", -12.3456)]
    [InlineData("0.0001234", 0.0001234)]
    [InlineData("123456789012.345", 123456789012.345)]
    [InlineData("1e3", 1000.0)]
    [InlineData("00042", 42.0)]
    public void Numbers_of_up_to_fifteen_significant_digits_fit_a_double(string text, double expected)
    {
        Assert.True(TypedCells.TryNumber(Encoding.UTF8.GetBytes(text), out var number));
        Assert.Equal(expected, number);
    }

    [Theory]
    [InlineData("n/a")]
    [InlineData("1,000")]
    [InlineData("$12.50")]
    [InlineData("12345678901234567.1")]
    [InlineData("0.12345678901234567")]
    [InlineData("1e400")]
    public void Text_and_numbers_a_double_cannot_give_back_do_not_fit(string text) => Assert.False(TypedCells.TryNumber(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void A_long_number_fits_when_the_double_gives_it_back_exactly() =>
        Assert.True(TypedCells.TryNumber("1125899906842624.0"u8, out var n) && n == 1125899906842624.0);

    [Theory]
    [InlineData("1", true, true)]
    [InlineData("0", true, false)]
    [InlineData("true", false, false)]
    [InlineData("Y", false, false)]
    public void Flags_are_one_or_zero(string text, bool fits, bool value)
    {
        Assert.Equal(fits, TypedCells.TryFlag(Encoding.UTF8.GetBytes(text), out var flag));
        if (fits) Assert.Equal(value, flag);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("2147483647", true)]
    [InlineData("2147483648", false)]
    [InlineData("-1", false)]
    [InlineData("3.0", false)]
    public void Counts_are_whole_numbers_that_fit_an_int32(string text, bool fits) => Assert.Equal(fits, TypedCells.TryCount(Encoding.UTF8.GetBytes(text), out _));
}
