using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;
using InterPositive.Testing.Relight;

namespace InterPositive.Relight.Tests;

/// <summary>
/// The CPU engine runs frames as bands of rows (and a reduced-size key change as three parts): the result must be the
/// whole-frame graph's, band edges and the frame's edges included, and still match the C# reference.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EngineBandTests
{
    public static TheoryData<string, int, int> Structures => new()
    {
        // Rows that do not fill the last band; a scale that divides the height (three parts) and one that does not (whole frame).
        { "lamp", 72, 40 },
        { "normals", 72, 40 },
        { "estimated/4", 72, 44 },
        { "estimated/4", 70, 44 },
        { "estimated/2", 90, 30 },
    };

    [Theory]
    [MemberData(nameof(Structures))]
    public void Bands_give_the_whole_frame_result(string structure, int height, int width)
    {
        var (options, conditioning) = Case(structure);
        var frames = GraphHarness.SmoothFrames(2, height, width, 21);
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = (float)LogTransfer.LogC3.Encode(frames[i]);
        }

        var normals = options.Shading == ShadingMode.Normals ? GraphHarness.RandomFrames(2, height, width, -1f, 1f, 22) : null;
        using var banded = new RelightEngine(ExecutionPreference.Cpu, new RelightEngineOptions(Threads: 2, BandPixels: 16 * 40));
        using var whole = new RelightEngine(ExecutionPreference.Cpu, RelightEngineOptions.WholeFrames(1));
        var a = Run(banded, options, conditioning, frames, normals, 2, height, width);
        var b = Run(whole, options, conditioning, frames, normals, 2, height, width);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(b[i], a[i], 2e-5 * Math.Max(1, Math.Abs(b[i])));
        }

        var reference = GraphHarness.RunReference(options, conditioning, frames, 2, height, width, normals);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(reference[i], a[i], 1e-4 * Math.Max(1, Math.Abs(reference[i])));
        }
    }

    [Fact]
    public void A_take_runs_the_same_frame_the_same_way_every_time()
    {
        // Per-take conditioning is cached by the engine: a second run (and a second thread count) must not drift.
        var (options, conditioning) = Case("estimated/4");
        var frames = GraphHarness.SmoothFrames(1, 64, 48, 23);
        using var engine = new RelightEngine(ExecutionPreference.Cpu, new RelightEngineOptions(Threads: 2, BandPixels: 16 * 40));
        var first = Run(engine, options, conditioning, frames, null, 1, 64, 48);
        var second = Run(engine, options, conditioning, frames, null, 1, 64, 48);
        Assert.Equal(first, second);
    }

    /// <summary>
    /// A shot's normals smoothed over time run the key change in parts with the normals out of the graph and back in:
    /// the first frame after a reset must come out as the one-pass graph makes it (banded apply, a height the scale
    /// does not divide, full size, whole frames as on a GPU), and a repeated frame must not change.
    /// </summary>
    [Theory]
    [InlineData("estimated/4", 72, 44, 16 * 40)]
    [InlineData("estimated/4", 70, 44, 16 * 40)]
    [InlineData("estimated/1", 40, 48, 16 * 40)]
    [InlineData("estimated/2", 72, 44, 0)]
    public void A_shot_s_first_frame_runs_as_the_one_pass_graph_does(string structure, int height, int width, int bandPixels)
    {
        var (options, conditioning) = Case(structure);
        var frame = GraphHarness.SmoothFrames(1, height, width, 24);
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = (float)LogTransfer.LogC3.Encode(frame[i]);
        }

        using var engine = new RelightEngine(ExecutionPreference.Cpu, new RelightEngineOptions(Threads: 2, BandPixels: bandPixels));
        var once = Run(engine, options, conditioning, frame, null, 1, height, width);
        using var history = new NormalHistory();
        using var image = TensorBuffer.From([.. frame, .. frame], 2, 3, height, width);
        using var output = new TensorBuffer(2, 3, height, width);
        engine.RunShot(options, conditioning, image, output, history);
        Assert.Equal(2, history.Frames);
        var size = 3 * height * width;
        for (var n = 0; n < 2; n++)
        {
            for (var i = 0; i < size; i++)
            {
                Assert.Equal(once[i], output.Span[(n * size) + i], 2e-5 * Math.Max(1, Math.Abs(once[i])));
            }
        }
    }

    private static (RelightGraphOptions Options, RelightConditioning Conditioning) Case(string structure)
    {
        var source = new ShLighting(RelightScene.KeyAndFill());
        var adaptation = LampAdaptation.LampChange(Gamut.Awg3, AdaptationTransform.Cat16, 5600, 0, 3200, 0);
        var cdl = new CdlValues([1.1f, 1f, 0.9f], [0.01f, 0, -0.01f], [1, 1, 1.1f], 0.9f);
        var options = new RelightGraphOptions { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3, Cdl = true };
        return structure switch
        {
            "lamp" => (options, new RelightConditioning(adaptation, 0.5, Cdl: cdl)),
            "normals" => (options with { Shading = ShadingMode.Normals }, new RelightConditioning(adaptation, 0.5, source, source.WithKey(60, 10, 1), cdl)),
            _ => (options with { Shading = ShadingMode.Estimated, ShadingScale = structure[^1] - '0', EstimatorRadius = 2 },
                new RelightConditioning(adaptation, 0.5, source, source.WithKey(60, 10, 1), cdl, NormalScale: 6)),
        };
    }

    private static float[] Run(RelightEngine engine, RelightGraphOptions options, RelightConditioning conditioning, float[] frames, float[]? normals, int batch, int height, int width)
    {
        using var image = TensorBuffer.From(frames, batch, 3, height, width);
        using var output = new TensorBuffer(batch, 3, height, width);
        using var normalBuffer = normals is null ? null : TensorBuffer.From(normals, batch, 3, height, width);
        engine.Run(options, conditioning, image, output, normalBuffer);
        return output.Span.ToArray();
    }
}
