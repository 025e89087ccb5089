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
