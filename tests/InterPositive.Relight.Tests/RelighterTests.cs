using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;
using InterPositive.Testing;
using InterPositive.Testing.Relight;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace InterPositive.Relight.Tests;

/// <summary>The CLI's and the service's path: stills and clips (real ffmpeg) through <see cref="Relighter"/>.</summary>
[Trait("Category", "Integration")]
public sealed class RelighterTests(ITestOutputHelper output)
{
    private const int W = 96;
    private const int H = 64;

    private static readonly RelightSettings LogC3 = new() { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3 };

    private static float[] SceneInLogC3()
    {
        var scene = RelightScene.Spheres(W, H);
        return scene.Render(RelightScene.KeyAndFill(), 0.6).Select(v => (float)LogTransfer.LogC3.Encode(v)).ToArray();
    }

    [Fact]
    public async Task Still_dpx_round_trips_through_log_and_writes_every_format()
    {
        using var temp = new TempFolder("relight");
        var code = SceneInLogC3();
        StillFrames.Write(temp.Combine("in.dpx"), code, W, H, StillKind.Dpx10);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var relighter = new Relighter(model, new FakeTimeProvider());

        var report = await relighter.RunAsync(new RelightRequest(temp.Combine("in.dpx"), temp.Combine("out.dpx"), LogC3 with { Output = OutputKind.Log }), CancellationToken.None);
        var back = StillFrames.Read(temp.Combine("out.dpx"));
        var input = StillFrames.Read(temp.Combine("in.dpx"));
        Assert.Equal(input.Values.Length, back.Values.Length);
        for (var i = 0; i < back.Values.Length; i++)
        {
            Assert.Equal(input.Values[i], back.Values[i], 1.5 / 1023);
        }

        Assert.Equal("interpositive-relight", report.Model);
        Assert.Equal(ProviderChoice.Cpu, report.Provider);
        Assert.Equal("none", report.Parameters.Normals);

        foreach (var name in new[] { "a.jpg", "b.png", "c.dpx" })
        {
            await relighter.RunAsync(new RelightRequest(temp.Combine("in.dpx"), temp.Combine(name), LogC3 with { LampKelvin = 3200, Key = new KeyChange(45, 20, 1) }, SideBySide: true, Depth: name == "b.png" ? 16 : null), CancellationToken.None);
            var written = StillFrames.Read(temp.Combine(name));
            Assert.Equal((W * 2, H), (written.Width, written.Height));
        }

        Assert.Equal(16, StillFrames.Read(temp.Combine("b.png")).BitDepth);
    }

    [Fact]
    public async Task Known_normal_pass_is_used_for_a_still()
    {
        using var temp = new TempFolder("relight");
        var scene = RelightScene.Spheres(W, H);
        StillFrames.Write(temp.Combine("in.png"), SceneInLogC3(), W, H, StillKind.Png16);
        StillFrames.Write(temp.Combine("normals.png"), scene.Normals.Select(n => (n + 1) / 2).ToArray(), W, H, StillKind.Png16);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var report = await new Relighter(model, new FakeTimeProvider()).RunAsync(
            new RelightRequest(temp.Combine("in.png"), temp.Combine("out.png"), LogC3 with { Key = new KeyChange(-60, 0, 1) }, NormalsPath: temp.Combine("normals.png")),
            CancellationToken.None);
        Assert.Equal("pass", report.Parameters.Normals);
        Assert.Equal(27, report.Parameters.SourceLighting!.Length);
    }

    [Fact]
    public async Task Static_clip_previews_do_not_flicker()
    {
        using var temp = new TempFolder("relight");
        const int frames = 8;
        var clip = await RelightClips.StaticClipAsync(temp.Path, SceneInLogC3(), W, H, frames, noise: 0.004f, seed: 3, CancellationToken.None);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var settings = LogC3 with { LampKelvin = 4300, ExposureStops = 0.5, Key = new KeyChange(60, 10, 1) };
        var report = await new Relighter(model, new FakeTimeProvider()).RunAsync(
            new RelightRequest(clip, temp.Combine("out", "f_%03d.png"), settings, Depth: 16), CancellationToken.None);
        Assert.Equal(frames, report.Frames);
        Assert.Equal("estimated", report.Parameters.Normals);

        var outFrames = Enumerable.Range(0, frames).Select(i => StillFrames.Read(temp.Combine("out", $"f_{i:000}.png")).Values).ToArray();
        var means = outFrames.Select(f => f.Average()).ToArray();
        var meanSwing = means.Max() - means.Min();
        double step = 0;
        for (var i = 1; i < frames; i++)
        {
            step += outFrames[i].Zip(outFrames[i - 1], (a, b) => Math.Abs(a - b)).Average() / (frames - 1);
        }

        // The same comparison with parameters fitted per frame (what a take-blind tool would do).
        var perFrameMeans = new double[frames];
        await using (var reader = await ClipReader.OpenAsync(clip, CancellationToken.None))
        {
            var buffer = new float[3 * W * H];
            for (var i = 0; await reader.ReadAsync(buffer, CancellationToken.None); i++)
            {
                var take = model.Prepare(settings, buffer, H, W);
                using var input = TensorBuffer.From(buffer, 1, 3, H, W);
                using var result = new TensorBuffer(1, 3, H, W);
                model.Run(take, input, null, result);
                perFrameMeans[i] = result.Span.ToArray().Average();
            }
        }

        var perFrameSwing = perFrameMeans.Max() - perFrameMeans.Min();
        output.WriteLine($"per-take: mean level swing {meanSwing:E2}, mean |frame step| {step:E2}; per-frame parameters: mean level swing {perFrameSwing:E2}");
        // What is left is the sensor noise carried through exposure, key and the display curve (about 1e-3 of a
        // display code value here); parameters fitted per frame swing several times more.
        Assert.True(meanSwing < 2e-3, $"mean level swings by {meanSwing:E2} between frames");
        Assert.True(meanSwing < perFrameSwing / 2, $"per-take {meanSwing:E2} vs per-frame {perFrameSwing:E2}");
        Assert.True(step < 0.02, $"frames differ by {step:E2} on average");
    }

    [Fact]
    public async Task Preview_set_is_made_from_presets()
    {
        using var temp = new TempFolder("relight");
        var clip = await RelightClips.StaticClipAsync(temp.Path, SceneInLogC3(), W, H, 4, noise: 0.002f, seed: 5, CancellationToken.None);
        var presets = PreviewSetMaker.ReadPresets(
            """[{"name": "tungsten", "lampKelvin": 3200}, {"name": "key left +1", "key": {"azimuth": -60, "elevation": 15, "stops": 1}, "exposureStops": -0.5}]"""u8,
            "presets.json");
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
        var set = await new PreviewSetMaker(model, time).MakeAsync(clip, "A001R1AB/A001C001", LogC3, presets, temp.Combine("data"), previewFrames: 3, CancellationToken.None);
        Assert.Equal(2, set.Previews.Count);
        Assert.Equal(time.GetUtcNow(), set.MadeAt);
        foreach (var entry in set.Previews)
        {
            Assert.True(File.Exists(temp.Combine("data", entry.Poster)), entry.Poster);
            Assert.True(File.Exists(temp.Combine("data", entry.Clip!)), entry.Clip);
            Assert.StartsWith("previews/A001R1AB_A001C001/", entry.Poster, StringComparison.Ordinal);
        }

        Assert.Equal(3, set.Previews[1].Report.Frames);
        var info = await Ffmpeg.ProbeAsync(temp.Combine("data", set.Previews[0].Clip!), CancellationToken.None);
        Assert.Equal((W, H), (info.Width, info.Height));
        Assert.Contains("\"preset\": \"tungsten\"", set.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProRes_preview_is_refused_for_log_output()
    {
        using var temp = new TempFolder("relight");
        var clip = await RelightClips.StaticClipAsync(temp.Path, SceneInLogC3(), W, H, 2, 0, 1, CancellationToken.None);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        await Assert.ThrowsAsync<ArgumentException>(() => new Relighter(model, new FakeTimeProvider()).RunAsync(
            new RelightRequest(clip, temp.Combine("out.mov"), LogC3 with { Output = OutputKind.Log }), CancellationToken.None));
    }
}
