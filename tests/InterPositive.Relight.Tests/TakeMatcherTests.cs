using System.Globalization;
using InterPositive.Formats.Images;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Relight.Passes;
using InterPositive.Relight.Runtime;
using InterPositive.Testing;
using InterPositive.Testing.Relight;
using InterPositive.Testing.Scenes;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace InterPositive.Relight.Tests;

/// <summary>Matching rendered takes to a reference: the changes planned, and the residual after matching measured on the written result.</summary>
[Trait("Category", "Integration")]
public sealed class TakeMatcherTests(ITestOutputHelper output)
{
    internal static string WriteChart(string path, double kelvin, double stops)
    {
        var scene = SceneRenderer.Render(new SceneSpec { Width = 240, Height = 136, Illuminant = new SceneIlluminant(kelvin), ExposureStops = stops, Curve = LogCurve.LogC3, Gamut = Gamut.Awg3, CameraWhiteBalanceKelvin = 5600 });
        using var stream = File.Create(path);
        PngCodec.Write(stream, scene.Image);
        return path;
    }

    private void Print(string what, MatchReport report) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{what}: before ΔCCT {report.Before.CctK} K, Δuv {report.Before.DeltaUv}, exposure {report.Before.ExposureStops:+0.000;-0.000} stops, key/fill {report.Before.KeyFillStops:+0.00;-0.00}; after ΔCCT {report.After.CctK} K, Δuv {report.After.DeltaUv}, exposure {report.After.ExposureStops:+0.000;-0.000} stops, key/fill {report.After.KeyFillStops:+0.00;-0.00} (changes: {report.Changes.FromKelvin} K → {report.Changes.ToKelvin} K, {report.Changes.ExposureStops:+0.00;-0.00} stops, key {report.Changes.Key})"));

    [Fact]
    public async Task A_warm_under_exposed_take_is_brought_to_the_reference_light_and_exposure()
    {
        using var temp = new TempFolder("match");
        var take = WriteChart(temp.Combine("take.png"), 3800, -0.7);
        var reference = WriteChart(temp.Combine("reference.png"), 5200, 0);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var report = await new TakeMatcher(model, new FakeTimeProvider()).RunAsync(new MatchRequest(take, reference, temp.Combine("matched.png"), LogTransfer.LogC3, Gamut.Awg3), CancellationToken.None);
        Print("chart 3800 K −0.7 stop → 5200 K", report);

        Assert.Equal("analysed", report.Changes.LightingFrom);
        Assert.InRange(report.Changes.FromKelvin!.Value, 3600, 4000);
        Assert.InRange(report.Changes.ToKelvin!.Value, 4950, 5450);
        Assert.True(Math.Abs(report.Before.CctK!.Value) > 1000);
        Assert.True(Math.Abs(report.After.CctK!.Value) < 100, $"after matching the light is {report.After.CctK} K off");
        Assert.True(report.After.DeltaUv < 0.002, $"Δuv after {report.After.DeltaUv}");
        Assert.True(Math.Abs(report.After.ExposureStops) < 0.1, $"exposure after {report.After.ExposureStops} stops");
        Assert.True(File.Exists(temp.Combine("matched.png")));
        Assert.Equal("log", report.Relight.Parameters.Output);
    }

    [Fact]
    public async Task A_flatter_key_is_brought_towards_the_reference_key_to_fill()
    {
        using var temp = new TempFolder("match-key");
        const int w = 192, h = 128;
        var scene = RelightScene.Spheres(w, h);
        string Write(string name, double key, double ambient)
        {
            var code = scene.Render(RelightScene.KeyAndFill(key: key, ambient: ambient), 0.6).Select(v => (float)LogTransfer.LogC3.Encode(v)).ToArray();
            StillFrames.Write(temp.Combine(name), code, w, h, StillKind.Png16);
            return temp.Combine(name);
        }

        var take = Write("take.png", 0.3, 0.35);
        var reference = Write("reference.png", 0.9, 0.2);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var report = await new TakeMatcher(model, new FakeTimeProvider()).RunAsync(new MatchRequest(take, reference, temp.Combine("matched.png"), LogTransfer.LogC3, Gamut.Rec709), CancellationToken.None);
        Print("spheres, flat key → strong key", report);
        Assert.NotNull(report.Changes.Key);
        Assert.True(report.Changes.Key!.Stops > 0);
        Assert.True(Math.Abs(report.After.KeyFillStops) < Math.Abs(report.Before.KeyFillStops), $"key/fill difference {report.Before.KeyFillStops} → {report.After.KeyFillStops}");
        Assert.True(Math.Abs(report.After.ExposureStops) < Math.Abs(report.Before.ExposureStops) + 0.05);
    }

    [Fact]
    public void Catalog_records_drive_the_plan_and_low_confidence_leaves_the_light_alone()
    {
        var frame = new PlanarFrame(4, 4, new float[48], 16);
        var sh = ShLighting.Ambient(1);
        var key = KeyLight.Of(sh, Gamut.Rec709);
        TakeMatcher.Measured Take(double cct, double duv, double confidence, double stops) => new(
            new InterPositive.Lighting.LightingRecord { Light = new() { Cct = cct, Duv = duv, Confidence = confidence }, Exposure = new() { AverageStops = stops } }, frame, sh, key);
        var request = new MatchRequest("a.png", "b.png", "c.png", LogTransfer.LogC3, Gamut.Awg3);

        var settings = TakeMatcher.Plan(Take(3200, 0.002, 0.9, -1), Take(5600, -0.001, 0.9, 0), request, out var changes, "catalog");
        Assert.Equal(3200, settings.SourceKelvin);
        Assert.Equal(-2, settings.SourceTint, 6);
        Assert.Equal(LampOrigin.Measured, settings.SourceLamp!.Origin);
        Assert.Equal(5600, settings.LampKelvin);
        Assert.Equal(1, settings.LampTint, 6);
        Assert.Equal(1, settings.ExposureStops, 6);
        Assert.Null(settings.Key);
        Assert.Equal(OutputKind.Log, settings.Output);
        Assert.Equal("catalog", changes.LightingFrom);

        var weak = TakeMatcher.Plan(Take(3200, 0, 0.1, 0), Take(5600, 0, 0.9, 0), request, out var weakChanges);
        Assert.Null(weak.LampKelvin);
        Assert.Null(weakChanges.FromKelvin);
    }
}
