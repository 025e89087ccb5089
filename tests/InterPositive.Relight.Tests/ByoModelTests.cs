using InterPositive.Formats;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;
using InterPositive.Relight.Onnx;
using InterPositive.Relight.Runtime;
using InterPositive.Testing;
using Google.Protobuf;

namespace InterPositive.Relight.Tests;

/// <summary>Bring-your-own models built in code (an identity and a small convolution) through the same path as the CLI.</summary>
[Trait("Category", "Integration")]
public sealed class ByoModelTests
{
    private static readonly float[] Blur = [1 / 16f, 2 / 16f, 1 / 16f, 2 / 16f, 4 / 16f, 2 / 16f, 1 / 16f, 2 / 16f, 1 / 16f];

    public static ModelFolder IdentityModel(string folder)
    {
        var g = new GraphBuilder("identity");
        var x = g.Input("frame", "N", "3", "H", "W");
        g.Output(g.Node("Identity", [x]), "result", "N", "3", "H", "W");
        var manifest = new ModelManifest("identity", "1.0", [new ManifestTensor("frame", TensorRoles.Image, "NCHW", "scene-linear")], [new ManifestTensor("result", TensorRoles.Image, "NCHW", "scene-linear")]);
        return Save(folder, g, manifest);
    }

    /// <summary>NHWC, camera-log in and out, a fixed 3×3 blur per channel times 2^exposure; SH, CCT and an environment map are wired in (×0) so the feeding is exercised.</summary>
    public static ModelFolder ConvolutionModel(string folder, ModelManifest? manifestOverride = null)
    {
        var g = new GraphBuilder("blur");
        var x = g.Input("rgb", "N", "H", "W", "3");
        var stops = g.Input("stops", "1");
        var sh = g.Input("sh", "1", "27");
        var env = g.Input("env", "1", "3", "8", "16");
        var cct = g.Input("cct", "1");
        var nchw = g.Node("Transpose", [x], attributes: new OnnxAttribute("perm", Ints: [0, 3, 1, 2]));
        var kernel = g.Constant([.. Blur, .. Blur, .. Blur], 3, 1, 3, 3);
        var blurred = g.Node("Conv", [nchw, kernel], attributes: [OnnxAttribute.Of("group", 3L), new OnnxAttribute("pads", Ints: [1, 1, 1, 1])]);
        var gained = g.Mul(blurred, g.Pow(g.Scalar(2f), stops));
        var unused = g.Mul(g.Scalar(0f), g.Add(g.Add(g.Node("ReduceMean", [sh], attributes: OnnxAttribute.Of("keepdims", 0L)), g.Node("ReduceMean", [env], attributes: OnnxAttribute.Of("keepdims", 0L))), cct));
        var y = g.Node("Transpose", [g.Add(gained, unused)], attributes: new OnnxAttribute("perm", Ints: [0, 2, 3, 1]));
        g.Output(y, "y", "N", "H", "W", "3");
        var manifest = manifestOverride ?? new ModelManifest(
            "blur",
            "2.1",
            [
                new ManifestTensor("rgb", TensorRoles.Image, "NHWC", "camera-log", new SizeConstraint(MultipleOf: 8), new SizeConstraint(MultipleOf: 8)),
                new ManifestTensor("stops", TensorRoles.ExposureStops, Shape: [1]),
                new ManifestTensor("sh", TensorRoles.ShCoefficients, Shape: [1, 27]),
                new ManifestTensor("env", TensorRoles.EnvironmentMap, Shape: [1, 3, 8, 16]),
                new ManifestTensor("cct", TensorRoles.TargetCct, Shape: [1]),
            ],
            [new ManifestTensor("y", TensorRoles.Image, "NHWC", "camera-log")]);
        return Save(folder, g, manifest);
    }

    [Fact]
    public void Identity_model_matches_the_built_in_model_with_nothing_changed()
    {
        using var temp = new TempFolder("byo");
        using var byo = new ByoModel(ModelFolder.Load(IdentityModel(temp.Path).Path), ExecutionPreference.Cpu, 1);
        using var builtIn = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var settings = new RelightSettings { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3 };
        const int h = 10, w = 14;
        var frames = GraphHarness.RandomFrames(2, h, w, 0.05f, 0.9f, 11);
        var a = RunModel(byo, settings, frames, 2, h, w);
        var b = RunModel(builtIn, settings, frames, 2, h, w);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(b[i], a[i], 1e-4);
        }

        Assert.Equal("identity", byo.Name);
        Assert.Equal(ProviderChoice.Cpu, byo.Provider!.Provider);
    }

    [Fact]
    public void Convolution_model_runs_with_conditioning_padding_and_nhwc()
    {
        using var temp = new TempFolder("byo");
        using var model = new ByoModel(ModelFolder.Load(ConvolutionModel(temp.Path).Path), ExecutionPreference.Cpu, 1);
        // 12 × 20 is not a multiple of 8: the frame is edge-padded to 16 × 24 and cropped back.
        const int h = 12, w = 20;
        var frames = GraphHarness.RandomFrames(1, h, w, 0.1f, 0.6f, 12);
        var settings = new RelightSettings { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3, ExposureStops = 1, Output = OutputKind.Log, Key = new KeyChange(30, 10, 1) };
        var result = RunModel(model, settings, frames, 1, h, w);
        var pixels = h * w;
        for (var c = 0; c < 3; c++)
        {
            for (var y = 1; y < h - 1; y++)
            {
                for (var x = 1; x < w - 1; x++)
                {
                    var expected = 0.0;
                    for (var ky = -1; ky <= 1; ky++)
                    {
                        for (var kx = -1; kx <= 1; kx++)
                        {
                            expected += Blur[((ky + 1) * 3) + kx + 1] * frames[(c * pixels) + ((y + ky) * w) + x + kx];
                        }
                    }

                    Assert.Equal(expected * 2, result[(c * pixels) + (y * w) + x], 1e-4);
                }
            }
        }
    }

    [Fact]
    public void Every_mismatch_between_manifest_and_model_is_reported()
    {
        using var temp = new TempFolder("byo");
        var wrong = new ModelManifest(
            "blur",
            "0",
            [
                new ManifestTensor("rgb", TensorRoles.Image, "NCHW", "camera-log"),
                new ManifestTensor("stops", TensorRoles.ExposureStops, Shape: [2]),
                new ManifestTensor("sh", "lighting", Shape: [1, 27]),
                new ManifestTensor("ghost", TensorRoles.TargetTint, Shape: [1]),
            ],
            [new ManifestTensor("out", TensorRoles.Image, "NHWC", "camera-log")]);
        var folder = ConvolutionModel(temp.Path, wrong);
        var error = Assert.Throws<MalformedInputException>(() => new ByoModel(ModelFolder.Load(folder.Path), ExecutionPreference.Cpu, 1));
        Assert.Contains("'rgb'", error.Message, StringComparison.Ordinal);
        Assert.Contains("the model fixes width at 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("looks NHWC, the manifest says NCHW", error.Message, StringComparison.Ordinal);
        Assert.Contains("'stops': dimension 0 is 1 in the model, 2 in the manifest", error.Message, StringComparison.Ordinal);
        Assert.Contains("unknown role 'lighting'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'ghost' is declared but the model has no such input", error.Message, StringComparison.Ordinal);
        Assert.Contains("model input 'env' is not declared", error.Message, StringComparison.Ordinal);
        Assert.Contains("model input 'cct' is not declared", error.Message, StringComparison.Ordinal);
        Assert.Contains("output 'out' is declared but the model has no such output", error.Message, StringComparison.Ordinal);
        Assert.Contains(folder.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Frames_that_break_a_size_rule_are_refused_before_running()
    {
        using var temp = new TempFolder("byo");
        var manifest = new ModelManifest("identity", "1", [new ManifestTensor("frame", TensorRoles.Image, "NCHW", "scene-linear", Height: new SizeConstraint(Max: 8))], [new ManifestTensor("result", TensorRoles.Image, "NCHW", "scene-linear")]);
        var folder = IdentityModel(temp.Path);
        File.WriteAllText(Path.Combine(folder.Path, ModelManifest.FileName), manifest.ToJson());
        using var model = new ByoModel(ModelFolder.Load(folder.Path), ExecutionPreference.Cpu, 1);
        var error = Assert.Throws<ArgumentException>(() => model.Prepare(new RelightSettings(), new float[3 * 10 * 4], 10, 4));
        Assert.Contains("height ≤ 8, frame is 10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_manifest_or_conditioning_shape_is_refused_before_anything_is_allocated()
    {
        using var temp = new TempFolder("byo");
        var folder = ConvolutionModel(temp.Path);
        var manifestPath = Path.Combine(folder.Path, ModelManifest.FileName);
        File.WriteAllText(manifestPath, new string(' ', (int)ModelManifest.MaxBytes + 1));
        var tooBig = Assert.Throws<MalformedInputException>(() => ModelFolder.Load(folder.Path));
        Assert.Contains("over the 1048576-byte budget", tooBig.Message, StringComparison.Ordinal);
        Assert.Contains(manifestPath, tooBig.Message, StringComparison.Ordinal);

        // Length fields of a shape: 0, 1, max, max - 1 and negative (free) dimensions; the product is what is allocated.
        Assert.True(ModelManifest.WithinBudget([0, 1, -1]));
        Assert.True(ModelManifest.WithinBudget([ModelManifest.MaxConditioningValues]));
        Assert.True(ModelManifest.WithinBudget([ModelManifest.MaxConditioningValues - 1, -1]));
        Assert.False(ModelManifest.WithinBudget([ModelManifest.MaxConditioningValues + 1]));
        Assert.False(ModelManifest.WithinBudget([long.MaxValue, long.MaxValue]));
        Assert.False(ModelManifest.WithinBudget([65536, 65536]));
        Assert.False(ModelManifest.WithinBudget(Enumerable.Repeat(1L, 9).ToList()));

        var manifest = new ModelManifest(
            "blur",
            "0",
            [new ManifestTensor("rgb", TensorRoles.Image, "NCHW", "camera-log"), new ManifestTensor("stops", TensorRoles.ExposureStops, Shape: [long.MaxValue, 3])],
            [new ManifestTensor("out", TensorRoles.Image, "NCHW", "camera-log")]);
        var huge = Assert.Throws<MalformedInputException>(() => new ByoModel(ModelFolder.Load(ConvolutionModel(Directory.CreateDirectory(temp.Combine("huge")).FullName, manifest).Path), ExecutionPreference.Cpu, 1));
        Assert.Contains("'stops': manifest shape [9223372036854775807, 3] holds more than 4194304 values", huge.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_files_and_bad_json_name_the_folder()
    {
        using var temp = new TempFolder("byo");
        Assert.Throws<DirectoryNotFoundException>(() => ModelFolder.Load(temp.Combine("nowhere")));
        var e1 = Assert.Throws<MalformedInputException>(() => ModelFolder.Load(temp.Path));
        Assert.Contains("no model.onnx", e1.Message, StringComparison.Ordinal);
        File.WriteAllBytes(temp.Combine("model.onnx"), [1, 2, 3]);
        File.WriteAllText(temp.Combine("manifest.json"), "{\"name\": \"x\", \"inputs\": [ }");
        var e2 = Assert.Throws<MalformedInputException>(() => ModelFolder.Load(temp.Path));
        Assert.Contains("manifest.json", e2.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", e2.Message, StringComparison.Ordinal);
    }

    /// <summary>A model that takes estimated normals and writes them out: a shot's are smoothed over time like the built-in model's.</summary>
    [Fact]
    public void A_model_that_takes_normals_gets_them_smoothed_over_a_shot()
    {
        using var temp = new TempFolder("byo");
        var g = new GraphBuilder("normals-out");
        g.Input("frame", "N", "3", "H", "W");
        var n = g.Input("n", "N", "3", "H", "W");
        g.Output(g.Node("Identity", [n]), "result", "N", "3", "H", "W");
        var manifest = new ModelManifest("normals-out", "1", [new ManifestTensor("frame", TensorRoles.Image, "NCHW", "scene-linear"), new ManifestTensor("n", TensorRoles.Normals, "NCHW")], [new ManifestTensor("result", TensorRoles.Image, "NCHW", "scene-linear")]);
        using var model = new ByoModel(Save(temp.Path, g, manifest), ExecutionPreference.Cpu, 1);
        const int h = 24, w = 32;
        var frames = GraphHarness.SmoothFrames(2, h, w, 31);
        var settings = new RelightSettings { Output = OutputKind.Linear };
        var perFrame = RunModel(model, settings, frames, 2, h, w);

        var take = model.Prepare(settings, frames.AsSpan(0, 3 * h * w), h, w);
        using var history = new NormalHistory();
        using var input = TensorBuffer.From(frames, 2, 3, h, w);
        using var output = new TensorBuffer(2, 3, h, w);
        model.RunShot(take, input, history, output);
        Assert.Equal(2, history.Frames);

        // The first frame as estimated; the second, the two frames' normals through the same filter.
        using var expected = new NormalHistory();
        var size = 3 * h * w;
        var first = perFrame[..size];
        var second = perFrame[size..];
        var raw = (float[])second.Clone();
        expected.Smooth(first);
        expected.Smooth(second);
        Assert.NotEqual(raw, second);
        for (var i = 0; i < size; i++)
        {
            Assert.Equal(first[i], output.Span[i], 1e-6);
            Assert.Equal(second[i], output.Span[size + i], 1e-6);
        }
    }

    internal static float[] RunModel(IRelightModel model, RelightSettings settings, float[] frames, int batch, int h, int w)
    {
        var frame = 3 * h * w;
        var take = model.Prepare(settings, frames.AsSpan(0, frame), h, w);
        using var input = TensorBuffer.From(frames, batch, 3, h, w);
        using var output = new TensorBuffer(batch, 3, h, w);
        model.Run(take, input, null, output);
        return output.Span.ToArray();
    }

    private static ModelFolder Save(string folder, GraphBuilder g, ModelManifest manifest)
    {
        var model = g.Build("test", 1, "test model", new Dictionary<string, string>()).ToByteArray();
        File.WriteAllBytes(Path.Combine(folder, ModelFolder.ModelFileName), model);
        File.WriteAllText(Path.Combine(folder, ModelManifest.FileName), manifest.ToJson());
        return new ModelFolder(folder, manifest, model);
    }
}
