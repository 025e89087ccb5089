using Google.Protobuf;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;
using InterPositive.Relight.Onnx.Proto;

namespace InterPositive.Relight.Tests;

/// <summary>Every stage of the built-in graph, alone and together, against the C# reference to 1e-4.</summary>
[Trait("Category", "Integration")]
public sealed class BuiltInGraphTests
{
    private const double Tolerance = 1e-4;
    private const int H = 12;
    private const int W = 20;

    public static TheoryData<string> LogCurves => new() { "logc3", "logc4", "slog3", "log3g10", "vlog", "bmdfilmgen5", "clog2", "clog3" };

    [Fact]
    public void Model_is_versioned_onnx_with_metadata()
    {
        var bytes = BuiltInRelightModel.Build(new RelightGraphOptions { Shading = ShadingMode.Estimated, Cdl = true, InputCurve = LogTransfer.LogC3 });
        var model = ModelProto.Parser.ParseFrom(bytes);
        Assert.Equal(8, model.IrVersion);
        Assert.Equal(17, Assert.Single(model.OpsetImport).Version);
        Assert.Equal(BuiltInRelightModel.Version, model.ModelVersion);
        var props = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(BuiltInRelightModel.Name, props["interpositive.model"]);
        Assert.Contains("shading=Estimated", props["interpositive.structure"], StringComparison.Ordinal);
        Assert.Contains(model.Graph.Input, i => i.Name == BuiltInRelightModel.NormalKernel);
        Assert.Equal(BuiltInRelightModel.Output, Assert.Single(model.Graph.Output).Name);
    }

    [Theory]
    [MemberData(nameof(LogCurves))]
    public void Log_decode_matches_reference(string curve)
    {
        var options = new RelightGraphOptions { InputCurve = TransferCurve.Parse(curve), Output = OutputKind.Linear };
        var frames = GraphHarness.RandomFrames(2, H, W, 0f, 1f, 1);
        Assert.InRange(GraphHarness.WorstDifference(options, RelightConditioning.Neutral, frames, 2, H, W), 0, Tolerance);
    }

    [Theory]
    [MemberData(nameof(LogCurves))]
    public void Log_encode_round_trips_through_graph(string curve)
    {
        var options = new RelightGraphOptions { InputCurve = TransferCurve.Parse(curve), Output = OutputKind.Log };
        var frames = GraphHarness.RandomFrames(1, H, W, 0.05f, 0.95f, 2);
        Assert.InRange(GraphHarness.WorstDifference(options, RelightConditioning.Neutral, frames, 1, H, W), 0, Tolerance);
        var graph = GraphHarness.RunGraph(options, RelightConditioning.Neutral, frames, 1, H, W);
        for (var i = 0; i < frames.Length; i++)
        {
            Assert.Equal(frames[i], graph[i], 1e-4);
        }
    }

    [Theory]
    [InlineData("clog2")]
    [InlineData("clog3")]
    public void Canon_log_pieces_match_the_lighting_library(string name)
    {
        // Through every piece: the mirrored log below zero light, Canon Log 3's linear middle, the upper log.
        var curve = TransferCurve.Parse(name);
        var light = new[] { -0.05, -0.01, -0.001, 0.0, 0.001, 0.005, 0.0125, 0.02, 0.05, 0.18, 0.9, 4.0, 16.0 };
        var codes = new[] { 0.0, 0.05, 0.09, 0.0928, 0.0975, 0.1, 0.125, 0.15, 0.1528, 0.16, 0.3, 0.6, 0.95 };
        var decoded = RunCurve(curve, codes, encode: false);
        var encoded = RunCurve(curve, light, encode: true);
        for (var i = 0; i < codes.Length; i++)
        {
            var expected = InterPositive.Lighting.Colour.LogCurves.Decode(curve.Curve, codes[i]);
            Assert.Equal(expected, decoded[i], Tolerance * Math.Max(1, Math.Abs(expected)));
            Assert.Equal(InterPositive.Lighting.Colour.LogCurves.Encode(curve.Curve, light[i]), encoded[i], Tolerance);
        }
    }

    private static float[] RunCurve(TransferCurve curve, double[] values, bool encode)
    {
        var g = new InterPositive.Relight.Onnx.GraphBuilder("curve");
        var x = g.Input("x", "1", "N");
        g.Output(encode ? BuiltInRelightModel.Encode(g, x, curve) : BuiltInRelightModel.Decode(g, x, curve), "y", "1", "N");
        var model = g.Build("test", 1, "curve", new Dictionary<string, string>()).ToByteArray();
        using var session = new InterPositive.Relight.Runtime.ModelSession(model, InterPositive.Relight.Runtime.ExecutionPreference.Cpu, 1);
        using var input = InterPositive.Relight.Runtime.TensorBuffer.From(values.Select(v => (float)v).ToArray(), 1, values.Length);
        using var output = new InterPositive.Relight.Runtime.TensorBuffer(1, values.Length);
        session.Run(["x"], [input.Value], ["y"], [output.Value]);
        return output.Span.ToArray();
    }

    [Theory]
    [InlineData(3200, 0, 0, AdaptationTransform.Cat16)]
    [InlineData(7500, 5, 1.5, AdaptationTransform.Bradford)]
    [InlineData(5600, -8, -2, AdaptationTransform.Cat16)]
    public void Lamp_change_and_exposure_match_reference(double kelvin, double tint, double stops, AdaptationTransform method)
    {
        var options = new RelightGraphOptions { CameraGamut = Gamut.Awg3, Output = OutputKind.Linear };
        var adaptation = LampAdaptation.LampChange(Gamut.Awg3, method, 5600, 0, kelvin, tint);
        var conditioning = new RelightConditioning(adaptation, stops);
        var frames = GraphHarness.RandomFrames(2, H, W, 0f, 4f, 3);
        Assert.InRange(GraphHarness.WorstDifference(options, conditioning, frames, 2, H, W), 0, Tolerance);
    }

    [Fact]
    public void Sh_shading_with_normal_pass_matches_reference()
    {
        var options = new RelightGraphOptions { Shading = ShadingMode.Normals, Output = OutputKind.Linear };
        var source = new ShLighting(InterPositive.Testing.Relight.RelightScene.KeyAndFill());
        var conditioning = new RelightConditioning(Matrix3.Identity, 0, source, source.WithKey(60, 10, 1.5));
        var frames = GraphHarness.RandomFrames(2, H, W, 0f, 1f, 4);
        var normals = GraphHarness.RandomFrames(2, H, W, -1f, 1f, 5);
        Assert.InRange(GraphHarness.WorstDifference(options, conditioning, frames, 2, H, W, normals), 0, Tolerance);
    }

    [Fact]
    public void Normal_estimator_and_shading_match_reference()
    {
        var options = new RelightGraphOptions { Shading = ShadingMode.Estimated, EstimatorRadius = 3, Output = OutputKind.Linear };
        var source = new ShLighting(InterPositive.Testing.Relight.RelightScene.KeyAndFill());
        var conditioning = new RelightConditioning(Matrix3.Identity, 0.5, source, source.WithKey(-70, 20, -1), NormalScale: 6);
        var frames = GraphHarness.SmoothFrames(2, 24, 32, 6);
        Assert.InRange(GraphHarness.WorstDifference(options, conditioning, frames, 2, 24, 32), 0, Tolerance);
    }

    [Theory]
    [InlineData(1, 24, 32)]
    [InlineData(2, 48, 40)]
    public void Shape_from_shading_step_matches_reference(int scale, int height, int width)
    {
        var options = new RelightGraphOptions { Shading = ShadingMode.Estimated, ShadingScale = scale, EstimatorRadius = 2, AlbedoRadius = 5, Output = OutputKind.Linear };
        var source = new ShLighting(InterPositive.Testing.Relight.RelightScene.KeyAndFill());
        var conditioning = new RelightConditioning(Matrix3.Identity, 0.5, source, source.WithKey(70, 10, 1.5), NormalScale: 6);
        var frames = GraphHarness.SmoothFrames(2, height, width, 14);
        Assert.InRange(GraphHarness.WorstDifference(options, conditioning, frames, 2, height, width), 0, Tolerance);
    }

    [Theory]
    [InlineData(2, 24, 32)]
    [InlineData(4, 26, 38)]
    public void Shading_on_a_downscaled_copy_matches_reference(int scale, int height, int width)
    {
        var options = new RelightGraphOptions { Shading = ShadingMode.Estimated, ShadingScale = scale, EstimatorRadius = 2, Output = OutputKind.Linear };
        var source = new ShLighting(InterPositive.Testing.Relight.RelightScene.KeyAndFill());
        var conditioning = new RelightConditioning(Matrix3.Identity, 0, source, source.WithKey(50, 20, 1.5), NormalScale: 8);
        var frames = GraphHarness.SmoothFrames(2, height, width, 13);
        Assert.InRange(GraphHarness.WorstDifference(options, conditioning, frames, 2, height, width), 0, Tolerance);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Cdl_matches_reference_in_log_and_linear(bool inLog)
    {
        var options = new RelightGraphOptions { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3, Cdl = true, CdlInLog = inLog, Output = OutputKind.Linear };
        var cdl = new CdlValues([1.1f, 1.2f, 0.9f], [0.02f, -0.01f, 0.03f], [0.9f, 1.1f, 1.3f], 0.7f);
        var conditioning = new RelightConditioning(Matrix3.Identity, 0, Cdl: cdl);
        var frames = GraphHarness.RandomFrames(1, H, W, 0.1f, 0.7f, 7);
        Assert.InRange(GraphHarness.WorstDifference(options, conditioning, frames, 1, H, W), 0, Tolerance);
    }

    [Theory]
    [InlineData("gamma24", "rec709")]
    [InlineData("srgb", "rec709")]
    [InlineData("rec709", "rec2020")]
    public void Display_output_matches_reference(string encoding, string displayGamut)
    {
        var options = new RelightGraphOptions
        {
            InputCurve = LogTransfer.SLog3,
            CameraGamut = Gamut.SGamut3Cine,
            DisplayCurve = (PowerTransfer)TransferCurve.Parse(encoding),
            DisplayGamut = Gamuts.Parse(displayGamut),
        };
        var frames = GraphHarness.RandomFrames(2, H, W, 0f, 0.9f, 8);
        Assert.InRange(GraphHarness.WorstDifference(options, RelightConditioning.Neutral, frames, 2, H, W), 0, Tolerance);
    }

    [Fact]
    public void Every_stage_together_matches_reference()
    {
        var options = new RelightGraphOptions
        {
            InputCurve = LogTransfer.LogC4,
            CameraGamut = Gamut.Awg4,
            Shading = ShadingMode.Estimated,
            EstimatorRadius = 2,
            Cdl = true,
            Output = OutputKind.Log,
        };
        var source = new ShLighting(InterPositive.Testing.Relight.RelightScene.KeyAndFill());
        var conditioning = new RelightConditioning(
            LampAdaptation.LampChange(Gamut.Awg4, AdaptationTransform.Cat16, 5600, 0, 4300, 3),
            -0.5,
            source,
            source.WithKey(30, 40, 1),
            new CdlValues([1.05f, 1f, 0.95f], [0.01f, 0f, -0.01f], [1f, 1.05f, 1.1f], 0.9f),
            NormalScale: 5);
        var frames = GraphHarness.SmoothFrames(1, 20, 28, 9);
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = (float)LogTransfer.LogC4.Encode(frames[i]);
        }

        Assert.InRange(GraphHarness.WorstDifference(options, conditioning, frames, 1, 20, 28), 0, Tolerance);
    }

    [Fact]
    public void Output_to_log_without_a_log_curve_is_refused()
    {
        var options = new RelightGraphOptions { Output = OutputKind.Log };
        Assert.Throws<ArgumentException>(() => BuiltInRelightModel.Build(options));
    }
}
