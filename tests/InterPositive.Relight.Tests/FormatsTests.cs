using CsCheck;
using InterPositive.Formats;
using InterPositive.Media;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;

namespace InterPositive.Relight.Tests;

/// <summary>The small parsers of this area: manifests, presets, ffprobe output, rgb48le frames, sequence names; malformed input and bounded fuzz.</summary>
[Trait("Category", "Unit")]
public sealed class FormatsTests
{
    [Fact]
    public void Manifest_round_trips()
    {
        var manifest = new ModelManifest("m", "1", [new ManifestTensor("x", TensorRoles.Image, "NHWC", "srgb", new SizeConstraint(Fixed: 512), new SizeConstraint(MultipleOf: 16))], [new ManifestTensor("y", TensorRoles.Image, ColourSpace: "srgb")], "test");
        var back = ModelManifest.Parse(System.Text.Encoding.UTF8.GetBytes(manifest.ToJson()), "m.json");
        Assert.Equal(manifest.Name, back.Name);
        Assert.Equal(512, back.Inputs[0].Height!.Fixed);
        Assert.Equal(16, back.Inputs[0].Width!.MultipleOf);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("null", "empty")]
    [InlineData("{\"version\": \"1\", \"inputs\": [], \"outputs\": []}", "no name")]
    [InlineData("{\"name\": \"x\", \"inputs\": []}", "needs inputs and outputs")]
    [InlineData("{\"name\": 5}", "not valid JSON")]
    public void Malformed_manifests_say_why(string json, string cause)
    {
        var error = Assert.Throws<MalformedInputException>(() => ModelManifest.Parse(System.Text.Encoding.UTF8.GetBytes(json), "dir/manifest.json"));
        Assert.Contains(cause, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("dir/manifest.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_and_preset_parsers_fail_only_with_malformed_input() =>
        Gen.String.Sample(
            text =>
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes("{\"name\":\"a\",\"inputs\":[" + text);
                foreach (var input in new[] { bytes, System.Text.Encoding.UTF8.GetBytes(text) })
                {
                    try
                    {
                        ModelManifest.Parse(input, "fuzz");
                    }
                    catch (MalformedInputException)
                    {
                    }

                    try
                    {
                        PreviewSetMaker.ReadPresets(input, "fuzz");
                    }
                    catch (MalformedInputException)
                    {
                    }
                }
            },
            iter: 2000);

    [Fact]
    public void A_probe_gives_the_clip_picture()
    {
        static ProbeResult Probe(string stream) => FfprobeJson.Parse(System.Text.Encoding.UTF8.GetBytes($"{{\"streams\":[{stream}]}}"), "probe");
        var info = Ffmpeg.Picture(Probe("""{"codec_type":"video","width":1920,"height":1080,"r_frame_rate":"24000/1001","nb_frames":"48"}"""), "a.mov");
        Assert.Equal(new ClipInfo(1920, 1080, "24000/1001", 48), info);
        var noCount = Ffmpeg.Picture(Probe("""{"codec_type":"video","width":64,"height":32,"r_frame_rate":"0/0","nb_frames":"N/A"}"""), "b.mxf");
        Assert.Equal(new ClipInfo(64, 32, "24", null), noCount);
        var error = Assert.Throws<MalformedInputException>(() => Ffmpeg.Picture(Probe("""{"codec_type":"audio"}"""), "c.wav"));
        Assert.Contains("c.wav", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rgb48_round_trips() =>
        Gen.UShort.Array[3, 300].Where(a => a.Length % 3 == 0).Sample(
            codes =>
            {
                var packed = new byte[codes.Length * 2];
                for (var i = 0; i < codes.Length; i++)
                {
                    packed[2 * i] = (byte)codes[i];
                    packed[(2 * i) + 1] = (byte)(codes[i] >> 8);
                }

                var pixels = codes.Length / 3;
                var planar = new float[codes.Length];
                Rgb48.ToPlanar(packed, planar, pixels);
                var again = new byte[packed.Length];
                Rgb48.FromPlanar(planar, again, pixels);
                Assert.Equal(packed, again);
                Assert.Equal(codes[1] / 65535f, planar[pixels], 1e-7);
            },
            iter: 300);

    [Theory]
    [InlineData("out/f_%06d.dpx", 42, "out/f_000042.dpx")]
    [InlineData("f_%d.png", 7, "f_7.png")]
    [InlineData("shot_####.jpg", 12, "shot_0012.jpg")]
    [InlineData("{x}_%03d.png", 5, "{x}_005.png")]
    public void Sequence_names_are_numbered(string pattern, long index, string expected) =>
        Assert.Equal(expected, SequenceNames.Frame(pattern, index));

    [Fact]
    public void Size_rules_pad_to_multiples_and_name_the_problem()
    {
        Assert.Equal(1088, new SizeConstraint(MultipleOf: 16).Fit(1080, "height", out var none));
        Assert.Null(none);
        new SizeConstraint(Fixed: 512).Fit(1080, "height", out var fixedProblem);
        Assert.Equal("model needs height 512, frame is 1080", fixedProblem);
        new SizeConstraint(Max: 2048).Fit(3840, "width", out var maxProblem);
        Assert.Contains("≤ 2048", maxProblem, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensor_buffers_are_pooled_and_shaped()
    {
        using var buffer = TensorBuffer.From([1f, 2f, 3f, 4f, 5f, 6f], 1, 3, 1, 2);
        Assert.Equal(6, buffer.Length);
        Assert.Equal(new long[] { 1, 3, 1, 2 }, buffer.Value.GetTensorTypeAndShape().Shape);
        Assert.Equal(5f, buffer.Value.GetTensorDataAsSpan<float>()[4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorBuffer(0, 3));
    }
}
