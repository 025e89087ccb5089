using CsCheck;
using InterPositive.Formats.Clips;
using InterPositive.Formats.Red;
using InterPositive.Testing.Media;

namespace InterPositive.Formats.Tests.Red;

[Trait("Category", "Unit")]
public sealed class R3dReaderTests
{
    private static ClipRecord Read(byte[] bytes, string name = "A001_C004_0511XY_001.R3D")
    {
        using var stream = new MemoryStream(bytes);
        return R3dReader.ReadRecord(stream, name);
    }

    [Fact]
    public void Reads_the_header_block_and_its_directory()
    {
        var clip = Read(new R3dWriter().Build());
        Assert.Equal(("REDCODE RAW", "R3D"), (clip.Codec, clip.CodecId));
        Assert.Equal(8192, clip.Width);
        Assert.Equal(4320, clip.Height);
        Assert.Equal(23.976, clip.Fps);
        Assert.Equal(new TimecodeInfo("14:22:05:12", "23.976", false), clip.Timecode);
        Assert.Equal(new CameraInfo { Make = "RED", Model = "V-RAPTOR 8K VV", Serial = "130-2C4-E8A" }, clip.Camera);
        Assert.Equal("001", clip.Reel);
        Assert.Equal("004", clip.Take);
        Assert.Equal(800, clip.Iso);
        Assert.Equal(5600, clip.WhiteBalanceK);
        Assert.Equal(2.8, clip.Lens.FNumber);
        Assert.Equal(50, clip.Lens.FocalLengthMm);
        Assert.Equal(3.2, clip.Lens.FocusDistanceM);
        Assert.Equal("Leitz Summilux-C 50", clip.Lens.Model);
        Assert.Empty(clip.Errors);
    }

    [Fact]
    public void A_file_cut_short_after_its_header_still_yields_the_header()
    {
        var clip = Read(new R3dWriter().Build()[..0x1000]);
        Assert.Equal("14:22:05:12", clip.Timecode?.Start);
        Assert.Empty(clip.Errors);

        var cut = Read(new R3dWriter().Build()[..0x300]);
        Assert.Equal("V-RAPTOR 8K VV", cut.Camera.Model);
        Assert.Contains(cut.Errors, e => e.Contains("cut short", StringComparison.Ordinal));
    }

    [Fact]
    public void Drop_frame_rates_and_labels_are_kept()
    {
        var clip = Read(new R3dWriter { Rate = (1001, 0, 30000), StartTimecode = "01:00:00;00" }.Build());
        Assert.Equal(new TimecodeInfo("01:00:00;00", "29.97", true), clip.Timecode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    public void Empty_and_tiny_files_are_malformed(int keep) =>
        Assert.Throws<MalformedInputException>(() => Read(new R3dWriter().Build()[..keep]));

    [Fact]
    public void Other_files_named_r3d_are_refused() =>
        Assert.Contains("not RED1/RED2", Assert.Throws<MalformedInputException>(() => Read(new MovWriter().Build())).Message, StringComparison.Ordinal);

    [Fact]
    public void Random_mutations_and_truncations_yield_a_record_or_a_malformed_input_error()
    {
        var original = new R3dWriter().Build();
        Gen.Select(Gen.Int[0, 0x300], Gen.Byte, Gen.Int[1, original.Length]).Sample((at, value, keep) =>
        {
            var bytes = original.ToArray();
            bytes[at] = value;
            try
            {
                Read(bytes[..keep]);
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 2000);
    }
}
