using CsCheck;
using InterPositive.Formats;

namespace InterPositive.Formats.Tests.Timecodes;

[Trait("Category", "Unit")]
public sealed class TimecodeTests
{
    private static readonly Gen<FrameRate> Rates = Gen.OneOf([.. FrameRate.Standard]);

    [Theory]
    [InlineData(24000, 1001, false, "23.976", 24)]
    [InlineData(24, 1, false, "24", 24)]
    [InlineData(25, 1, false, "25", 25)]
    [InlineData(30000, 1001, false, "29.97", 30)]
    [InlineData(30000, 1001, true, "29.97", 30)]
    [InlineData(30, 1, false, "30", 30)]
    [InlineData(48000, 1001, false, "47.952", 48)]
    [InlineData(48, 1, false, "48", 48)]
    [InlineData(50, 1, false, "50", 50)]
    [InlineData(60000, 1001, false, "59.94", 60)]
    [InlineData(60000, 1001, true, "59.94", 60)]
    [InlineData(60, 1, false, "60", 60)]
    public void Rates_have_trade_names_and_nominal_counts(int numerator, int denominator, bool drop, string text, int nominal)
    {
        var rate = new FrameRate(numerator, denominator, drop);
        Assert.Equal(text, rate.ToDecimalString());
        Assert.Equal(nominal, rate.Nominal);
        Assert.Equal(drop, rate.DropFrame);
        Assert.True(FrameRate.TryParse(text + (drop ? " DF" : string.Empty), out var parsed));
        Assert.Equal(rate, parsed);
    }

    [Theory]
    [InlineData("23.98", 24000, 1001)]
    [InlineData("2997/100", 30000, 1001)]
    [InlineData("24000/1001", 24000, 1001)]
    [InlineData("25.00", 25, 1)]
    [InlineData("50/2", 25, 1)]
    public void Near_ntsc_rates_snap_to_exact_rationals(string text, int numerator, int denominator)
    {
        var rate = FrameRate.Parse(text);
        Assert.Equal(numerator, rate.Numerator);
        Assert.Equal(denominator, rate.Denominator);
    }

    [Fact]
    public void Drop_frame_is_refused_for_rates_that_have_none() =>
        Assert.Throws<ArgumentException>(() => new FrameRate(24000, 1001, dropFrame: true));

    [Theory]
    [InlineData("00:01:00;00", false)]
    [InlineData("00:01:00;01", false)]
    [InlineData("00:01:00;02", true)]
    [InlineData("00:10:00;00", true)]
    [InlineData("00:10:00;01", true)]
    [InlineData("01:00:00;00", true)]
    [InlineData("23:59:59;29", true)]
    public void Drop_frame_labels_exist_only_where_the_rule_allows(string text, bool exists) =>
        Assert.Equal(exists, Timecode.TryParse(text, FrameRate.Fps29_97DropFrame, out _));

    [Fact]
    public void Drop_frame_skips_two_labels_each_minute_except_every_tenth()
    {
        var rate = FrameRate.Fps29_97DropFrame;
        Assert.Equal("00:00:59;29", Timecode.FromFrames(1799, rate).ToString());
        Assert.Equal("00:01:00;02", Timecode.FromFrames(1800, rate).ToString());
        Assert.Equal("00:10:00;00", Timecode.FromFrames(17982, rate).ToString());
        Assert.Equal(107892, Timecode.Parse("01:00:00;00", rate).FrameCount);
        Assert.Equal(2589408, rate.FramesPerDay);
        Assert.Equal("00:01:00;04", Timecode.FromFrames(3600, FrameRate.Fps59_94DropFrame).ToString());
        Assert.False(Timecode.TryParse("00:01:00;03", FrameRate.Fps59_94DropFrame, out _));
    }

    [Fact]
    public void Arithmetic_wraps_across_midnight()
    {
        var rate = FrameRate.Fps24;
        var late = Timecode.Parse("23:59:59:23", rate);
        Assert.Equal("00:00:00:00", (late + 1).ToString());
        Assert.Equal("23:59:59:23", (Timecode.Parse("00:00:00:00", rate) - 1).ToString());
        Assert.Equal(25, Timecode.Parse("00:00:01:00", rate) - late);
        var df = Timecode.Parse("23:59:59;29", FrameRate.Fps29_97DropFrame);
        Assert.Equal("00:00:00;00", (df + 1).ToString());
    }

    [Fact]
    public void Labels_parse_with_either_separator_and_print_the_rate_s()
    {
        Assert.Equal("01:00:00:00", Timecode.Parse("01:00:00;00", FrameRate.Fps25).ToString());
        Assert.Equal("01:00:00;00", Timecode.Parse("01:00:00:00", FrameRate.Fps29_97DropFrame).ToString());
        Assert.False(Timecode.TryParse("24:00:00:00", FrameRate.Fps25, out _));
        Assert.False(Timecode.TryParse("00:00:00:25", FrameRate.Fps25, out _));
        Assert.False(Timecode.TryParse("0:00:00:00", FrameRate.Fps25, out _));
        Assert.False(Timecode.TryParse("aa:bb:cc:dd", FrameRate.Fps25, out _));
    }

    [Fact]
    public void Frames_to_text_and_back_round_trip() =>
        Gen.Select(Rates, Gen.Long[-10_000_000, 10_000_000]).Sample((rate, frames) =>
        {
            var tc = Timecode.FromFrames(frames, rate);
            var text = tc.ToString();
            var back = Timecode.Parse(text, rate);
            return back.FrameCount == tc.FrameCount
                && tc.FrameCount >= 0 && tc.FrameCount < rate.FramesPerDay
                && (text[8] == ';') == rate.DropFrame;
        });

    [Fact]
    public void Consecutive_frames_never_produce_a_dropped_label() =>
        Gen.Select(Gen.OneOf(FrameRate.Fps29_97DropFrame, FrameRate.Fps59_94DropFrame), Gen.Long[0, 5_200_000]).Sample((rate, frames) =>
        {
            var tc = Timecode.FromFrames(frames, rate);
            var dropped = tc.Seconds == 0 && tc.Minutes % 10 != 0 && tc.Frames < rate.DroppedPerMinute;
            var next = tc + 1;
            var step = next.FrameCount == (tc.FrameCount + 1) % rate.FramesPerDay;
            return !dropped && step;
        });

    [Fact]
    public void Addition_and_subtraction_are_inverse() =>
        Gen.Select(Rates, Gen.Long[0, 5_000_000], Gen.Long[-3_000_000, 3_000_000]).Sample((rate, start, delta) =>
        {
            var tc = Timecode.FromFrames(start, rate);
            return (tc + delta) - delta == tc && ((tc + Math.Abs(delta)) - tc) == Math.Abs(delta) % rate.FramesPerDay;
        });

    [Fact]
    public void Label_components_round_trip_for_every_valid_label() =>
        Gen.Select(Rates, Gen.Int[0, 23], Gen.Int[0, 59], Gen.Int[0, 59], Gen.Int[0, 59]).Sample((rate, h, m, s, f) =>
        {
            f %= rate.Nominal;
            if (!Timecode.TryFromComponents(h, m, s, f, rate, out var tc))
            {
                return rate.DropFrame && s == 0 && m % 10 != 0 && f < rate.DroppedPerMinute;
            }

            return tc.Hours == h && tc.Minutes == m && tc.Seconds == s && tc.Frames == f;
        });
}
