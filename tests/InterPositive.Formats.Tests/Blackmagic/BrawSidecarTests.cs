using System.Text;
using CsCheck;
using InterPositive.Formats.Blackmagic;
using InterPositive.Formats.Clips;
using InterPositive.Testing.Media;

namespace InterPositive.Formats.Tests.Blackmagic;

[Trait("Category", "Unit")]
public sealed class BrawSidecarTests
{
    private static ClipRecord Read(string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return BrawSidecar.Read(stream, "A001_05111841_C004.sidecar", "A001_05111841_C004.braw");
    }

    [Fact]
    public void Reads_sdk_keys_into_the_record()
    {
        var clip = Read(BrawSidecarWriter.Build(BrawSidecarWriter.Typical()));
        Assert.Equal(1600, clip.Iso);
        Assert.Equal(3200, clip.WhiteBalanceK);
        Assert.Equal(10, clip.Tint);
        Assert.Equal(2.8, clip.Lens.FNumber);
        Assert.Equal(40, clip.Lens.FocalLengthMm);
        Assert.Equal(1.8, clip.Lens.FocusDistanceM);
        Assert.Equal(180, clip.ShutterAngle);
        Assert.Equal("0.6", clip.Nd);
        Assert.Equal("B003", clip.Reel);
        Assert.Equal("12", clip.Scene);
        Assert.Equal("5", clip.Take);
        Assert.Equal("Cooke S7/i 40mm", clip.Lens.Model);
        Assert.Equal("Blackmagic URSA Cine 12K LF", clip.Camera.Model);
        Assert.Equal("Blackmagic Design", clip.Camera.Make);
    }

    [Fact]
    public void Sidecar_values_override_the_essence()
    {
        var essence = new ClipRecord { Path = "A.braw", Iso = 800, WhiteBalanceK = 5600, Fps = 24, Codec = "brxq" };
        var merged = essence.OverlaidWith(Read("{\"iso\": 3200, \"shutter_value\": \"1/50\"}"));
        Assert.Equal(3200, merged.Iso);
        Assert.Equal(5600, merged.WhiteBalanceK);
        Assert.Equal(0.02, merged.ShutterSeconds);
        Assert.Equal("brxq", merged.Codec);
        Assert.Equal("A.braw", merged.Path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("{\"iso\": ")]
    public void Malformed_sidecars_are_malformed_input(string text) =>
        Assert.Throws<MalformedInputException>(() => Read(text));

    [Fact]
    public void Random_mutations_yield_a_record_or_a_malformed_input_error()
    {
        var original = Encoding.UTF8.GetBytes(BrawSidecarWriter.Build(BrawSidecarWriter.Typical()));
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte, Gen.Int[0, original.Length]).Sample((at, value, keep) =>
        {
            var bytes = original.ToArray();
            bytes[at] = value;
            try
            {
                using var stream = new MemoryStream(bytes, 0, keep);
                BrawSidecar.Read(stream, "x.sidecar", "x.braw");
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 500);
    }
}
