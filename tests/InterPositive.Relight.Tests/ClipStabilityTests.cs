using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;
using InterPositive.Testing;
using InterPositive.Testing.Relight;
using InterPositive.Testing.Scenes;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace InterPositive.Relight.Tests;

/// <summary>Issue 16 point 3: whole clips relit with per-take parameters held over time, re-estimated at cuts and moves.</summary>
[Trait("Category", "Integration")]
public sealed class ClipStabilityTests(ITestOutputHelper output)
{
    private const int W = 240;
    private const int H = 136;

    /// <summary>What a relit locked-off shot may add to its input's frame-to-frame change (as a ratio, in the same log encoding).</summary>
    private const double StabilityTolerance = 1.25;

    private static readonly RelightSettings LogC3 = new() { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3, CameraKelvin = 5600 };

    [Fact]
    public async Task A_static_shot_relit_changes_no_more_than_its_input_does()
    {
        using var temp = new TempFolder("clip");
        const int frames = 12;
        var code = Chart(new SceneIlluminant(3200), 0, seed: 7, W);
        var clip = await RelightClips.StaticClipAsync(temp.Path, code, W, H, frames, noise: 0.004f, seed: 3, CancellationToken.None);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var report = await new Relighter(model, new FakeTimeProvider()).RunAsync(
            new RelightRequest(clip, temp.Combine("out", "f_%03d.png"), LogC3 with { LampKelvin = 4300, ExposureStops = 0.5, Key = new KeyChange(60, 10, 1), Output = OutputKind.Log }, Depth: 16),
            CancellationToken.None);
        Assert.Equal(frames, report.Frames);
        var estimate = Assert.Single(report.Estimates);
        Assert.Equal((0L, EstimateReason.Start, LampOrigin.Measured), (estimate.Frame, estimate.Reason, estimate.SourceLamp.Origin));

        var input = await ReadClipAsync(clip);
        var relit = Enumerable.Range(0, frames).Select(i => StillFrames.Read(temp.Combine("out", $"f_{i:000}.png")).Values).ToArray();
        var ratio = MeanStep(relit) / MeanStep(input);
        output.WriteLine($"mean frame-to-frame change: input {MeanStep(input):E3}, relit {MeanStep(relit):E3}, ratio {ratio:F3} (tolerance {StabilityTolerance})");
        Assert.True(ratio <= StabilityTolerance, $"relit static shot changes {ratio:F3}× as much as its input");
    }

    [Fact]
    public async Task A_cut_re_estimates_so_each_shot_reads_the_new_lamp()
    {
        using var temp = new TempFolder("clip");
        var tungsten = Chart(new SceneIlluminant(3200), 0, seed: 7, W);
        var daylight = Chart(new SceneIlluminant(8000, Daylight: true), -2, seed: 11, W);
        const int frames = 12;
        var clip = await RelightClips.ClipAsync(temp.Path, "cut.mov", f => f < 6 ? tungsten : daylight, W, H, frames, 0.002f, 5, CancellationToken.None);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var report = await new Relighter(model, new FakeTimeProvider()).RunAsync(
            new RelightRequest(clip, temp.Combine("out", "f_%03d.png"), LogC3 with { LampKelvin = 5600, Output = OutputKind.Linear }, Depth: 16), CancellationToken.None);
        foreach (var e in report.Estimates)
        {
            output.WriteLine($"frame {e.Frame}: {e.Reason}, {e.SourceLamp.Kelvin} K ({e.SourceLamp.Origin}, {e.SourceLamp.Confidence})");
        }

        Assert.Equal([(0L, EstimateReason.Start), (6L, EstimateReason.Cut)], report.Estimates.Select(e => (e.Frame, e.Reason)));
        Assert.InRange(report.Estimates[0].SourceLamp.Kelvin, 3040, 3360);
        Assert.InRange(report.Estimates[1].SourceLamp.Kelvin, 7600, 8400);
        var target = Cct.PlanckianUv(5600);
        foreach (var f in new[] { 0, 5, 6, 11 })
        {
            var grey = SceneGrey.OfChart(StillFrames.Read(temp.Combine("out", $"f_{f:000}.png")).Values, W, H, decode: null);
            var duv = SceneGrey.Distance(grey.Uv, target);
            output.WriteLine($"frame {f}: grey {duv:F4} Δuv from 5600 K");
            Assert.True(duv <= 0.004, $"frame {f}: grey is {duv:F4} Δuv from the new lamp");
        }
    }

    [Fact]
    public async Task A_pan_re_estimates_as_the_view_moves_and_never_calls_a_cut()
    {
        using var temp = new TempFolder("clip");
        var wide = Chart(new SceneIlluminant(3200), 0, seed: 7, 2 * W);
        const int frames = 16;
        // 10 pixels a frame across a chart twice the frame's width.
        var clip = await RelightClips.ClipAsync(temp.Path, "pan.mov", f => Crop(wide, 2 * W, f * 10, W), W, H, frames, 0.002f, 9, CancellationToken.None);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var report = await new Relighter(model, new FakeTimeProvider()).RunAsync(
            new RelightRequest(clip, temp.Combine("out", "f_%03d.png"), LogC3 with { LampKelvin = 5600, Output = OutputKind.Linear }, Depth: 16), CancellationToken.None);
        output.WriteLine(string.Join("; ", report.Estimates.Select(e => $"{e.Frame} {e.Reason} {e.SourceLamp.Kelvin} K")));
        Assert.Equal(EstimateReason.Start, report.Estimates[0].Reason);
        Assert.Contains(report.Estimates, e => e.Reason == EstimateReason.Move);
        Assert.DoesNotContain(report.Estimates, e => e.Reason == EstimateReason.Cut);
        // Each view's own estimate varies with what it shows (some crops are read 25 % warm); the shot's lamp is their
        // confidence-weighted mean (TakeTracker), the first one a full chart.
        Assert.InRange(report.Estimates[0].SourceLamp.Kelvin, 3040, 3360);
    }

    [Fact]
    public void The_tracker_eases_a_move_in_and_applies_a_cut_at_once()
    {
        var tracker = new TakeTracker(LogC3);
        var signature = new float[3 * FrameSignature.Columns * FrameSignature.Rows];
        Assert.Equal(EstimateReason.Start, tracker.NeedsEstimate(false, signature));
        tracker.Estimate(0, EstimateReason.Start, signature, new SourceLamp(3200, 0, LampOrigin.Measured, 0.8, ""), null);
        var first = tracker.Next(4);
        Assert.Equal(3200, first.SourceKelvin, 0.5);
        Assert.Same(first, tracker.Next(4));
        Assert.Null(tracker.NeedsEstimate(false, signature));

        var moved = signature.Select(_ => 0.05f).ToArray();
        Assert.Equal(EstimateReason.Move, tracker.NeedsEstimate(false, moved));
        tracker.Estimate(8, EstimateReason.Move, moved, new SourceLamp(5600, 0, LampOrigin.Measured, 0.8, ""), null);
        var easing = tracker.Next(4).SourceKelvin;
        Assert.InRange(easing, 3300, 4000);
        tracker.Estimate(12, EstimateReason.Move, moved, new SourceLamp(5600, 0, LampOrigin.Metadata, 0.1, ""), null);
        for (var i = 0; i < 20; i++)
        {
            tracker.Next(4);
        }

        // Equal confidences: the shot's lamp is the mean of the two in mired.
        Assert.Equal(1e6 / ((1e6 / 3200 + 1e6 / 5600) / 2), tracker.Next(4).SourceKelvin, 10.0);
        Assert.Equal(EstimateReason.Cut, tracker.NeedsEstimate(true, moved));
        tracker.Estimate(100, EstimateReason.Cut, moved, new SourceLamp(2800, 0, LampOrigin.Measured, 0.8, ""), null);
        Assert.Equal(2800, tracker.Next(1).SourceKelvin, 0.5);
    }

    private static float[] Chart(SceneIlluminant illuminant, double stops, int seed, int width)
    {
        var scene = SceneRenderer.Render(new SceneSpec { Curve = LogCurve.LogC3, Gamut = Gamut.Awg3, Illuminant = illuminant, ExposureStops = stops, CameraWhiteBalanceKelvin = 5600, Width = width, Height = H, Seed = seed });
        return StillFrames.FromRaster(scene.Image, "chart").Values;
    }

    private static float[] Crop(float[] planar, int width, int x0, int cropWidth)
    {
        var result = new float[3 * cropWidth * H];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < H; y++)
            {
                planar.AsSpan((c * width * H) + (y * width) + x0, cropWidth).CopyTo(result.AsSpan((c * cropWidth * H) + (y * cropWidth)));
            }
        }

        return result;
    }

    private static async Task<float[][]> ReadClipAsync(string clip)
    {
        var frames = new List<float[]>();
        await using var reader = await ClipReader.OpenAsync(clip, CancellationToken.None);
        while (true)
        {
            var buffer = new float[3 * W * H];
            if (!await reader.ReadAsync(buffer, CancellationToken.None))
            {
                return [.. frames];
            }

            frames.Add(buffer);
        }
    }

    private static double MeanStep(float[][] frames)
    {
        double step = 0;
        for (var i = 1; i < frames.Length; i++)
        {
            step += frames[i].Zip(frames[i - 1], (a, b) => Math.Abs(a - b)).Average() / (frames.Length - 1);
        }

        return step;
    }
}
