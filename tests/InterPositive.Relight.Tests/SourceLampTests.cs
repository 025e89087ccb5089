using InterPositive.Lighting;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;
using InterPositive.Testing;
using InterPositive.Testing.Scenes;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace InterPositive.Relight.Tests;

/// <summary>Issue 16 point 1: a lamp swap changes from the take's measured light, not from the camera's white balance.</summary>
[Trait("Category", "Integration")]
public sealed class SourceLampTests(ITestOutputHelper output)
{
    private const int W = 240;
    private const int H = 136;

    private static readonly RelightSettings LogC3 = new() { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3, CameraKelvin = 5600, Output = OutputKind.Linear };

    [Fact]
    public async Task A_tungsten_take_shot_at_5600_K_relit_to_5600_K_turns_its_grey_to_5600_K()
    {
        using var temp = new TempFolder("lamp");
        var input = WriteChart(temp, new SceneIlluminant(3200), cameraWb: 5600);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var relighter = new Relighter(model, new FakeTimeProvider());

        var report = await relighter.RunAsync(new RelightRequest(input, temp.Combine("out.png"), LogC3 with { LampKelvin = 5600 }, Depth: 16), CancellationToken.None);
        var lamp = report.Parameters.SourceLamp!;
        output.WriteLine($"source lamp {lamp.Kelvin} K tint {lamp.Tint} {lamp.Origin} confidence {lamp.Confidence}: {lamp.Detail}");
        Assert.Equal(LampOrigin.Measured, lamp.Origin);
        Assert.InRange(lamp.Kelvin, 3200 * 0.95, 3200 * 1.05);
        Assert.True(lamp.Confidence >= SourceLamps.MinimumConfidence);

        var before = GreyInScene(StillFrames.Read(input).Values, linearInput: false);
        var after = GreyInScene(StillFrames.Read(temp.Combine("out.png")).Values, linearInput: true);
        var target = Cct.PlanckianUv(5600);
        var duv = Distance(after.Uv, target);
        output.WriteLine($"grey before {Distance(before.Uv, target):F4} Δuv from 5600 K, after {duv:F4}; level {before.Y:F4} → {after.Y:F4}");
        Assert.True(duv <= 0.004, $"relit grey is {duv:F4} Δuv from 5600 K");
        Assert.InRange(after.Y / before.Y, 0.98, 1.02);

        // The old behaviour, for contrast: changing from the camera's white balance leaves the grey at 3200 K's colour.
        var blind = await relighter.RunAsync(
            new RelightRequest(input, temp.Combine("blind.png"), LogC3 with { LampKelvin = 5600, SourceLamp = SourceLamps.Given(5600) }, Depth: 16), CancellationToken.None);
        Assert.Equal(LampOrigin.Given, blind.Parameters.SourceLamp!.Origin);
        var unchanged = GreyInScene(StillFrames.Read(temp.Combine("blind.png")).Values, linearInput: true);
        Assert.True(Distance(unchanged.Uv, target) > 0.03, $"from the camera's balance the grey is {Distance(unchanged.Uv, target):F4} Δuv away");
    }

    [Fact]
    public async Task A_held_out_spectral_warm_interior_lit_at_3200_K_relit_to_5600_K_reads_5600_K()
    {
        using var temp = new TempFolder("lamp");
        var scene = SpectralScenes.Render(HardSet.WarmInterior, 3200, cameraWhiteBalanceKelvin: 5600, width: W, height: H);
        var input = temp.Combine("interior.png");
        StillFrames.Write(input, StillFrames.FromRaster(scene.Image, input).Values, W, H, StillKind.Png16);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var report = await new Relighter(model, new FakeTimeProvider()).RunAsync(new RelightRequest(input, temp.Combine("out.png"), LogC3 with { LampKelvin = 5600 }, Depth: 16), CancellationToken.None);
        Assert.Equal(LampOrigin.Measured, report.Parameters.SourceLamp!.Origin);

        // The white lampshade (upper left): a flat reflectance, so its colour is the lamp's.
        var relit = StillFrames.Read(temp.Combine("out.png")).Values;
        double r = 0, g = 0, b = 0;
        var n = 0;
        for (var y = (int)(H * 0.18); y < (int)(H * 0.32); y++)
        {
            for (var x = (int)(W * 0.13); x < (int)(W * 0.19); x++)
            {
                var p = (y * W) + x;
                (r, g, b, n) = (r + relit[p], g + relit[(W * H) + p], b + relit[(2 * W * H) + p], n + 1);
            }
        }

        var picture = Gamuts.RgbToXyz(Gamut.Awg3) * new Vector3d(r / n, g / n, b / n);
        var light = Chromaticity.XyzToUv(ChromaticAdaptation.Matrix((Gamuts.D65X, Gamuts.D65Y), Cct.PlanckianXy(5600)) * picture);
        var duv = Distance(light, Cct.PlanckianUv(5600));
        output.WriteLine($"source lamp {report.Parameters.SourceLamp.Kelvin} K ({report.Parameters.SourceLamp.Confidence}); relit white {duv:F4} Δuv from 5600 K");
        Assert.True(duv <= 0.004, $"relit white is {duv:F4} Δuv from 5600 K");
    }

    [Fact]
    public async Task A_given_source_lamp_overrides_the_measurement()
    {
        using var temp = new TempFolder("lamp");
        var input = WriteChart(temp, new SceneIlluminant(3200), cameraWb: 5600);
        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var report = await new Relighter(model, new FakeTimeProvider()).RunAsync(
            new RelightRequest(input, temp.Combine("out.png"), LogC3 with { LampKelvin = 4300, SourceLamp = SourceLamps.Given(2900, 5) }, Depth: 16), CancellationToken.None);
        Assert.Equal(new SourceLamp(2900, 5, LampOrigin.Given, 1, "given"), report.Parameters.SourceLamp);
    }

    [Fact]
    public void An_unsure_measurement_falls_back_to_the_camera_white_balance()
    {
        var settings = LogC3 with { CameraKelvin = 4300, CameraTint = 2 };
        var unsure = SourceLamps.FromLight(new LightColour { Cct = 3000, Duv = 0.001, Confidence = 0.1 }, settings, "test");
        Assert.Equal((4300.0, 2.0, LampOrigin.Metadata, 0.1), (unsure.Kelvin, unsure.Tint, unsure.Origin, unsure.Confidence));
        Assert.Contains("confidence 0.10", unsure.Detail, StringComparison.Ordinal);

        var nothing = SourceLamps.FromLight(new LightColour(), settings, "test");
        Assert.Equal((LampOrigin.Metadata, 0.0), (nothing.Origin, nothing.Confidence));

        var sure = SourceLamps.FromLight(new LightColour { Cct = 3000, Duv = 0.002, Confidence = 0.8 }, settings, "test");
        // Relight's tint runs towards magenta: a green (positive Duv) light has a negative tint.
        Assert.Equal((3000.0, -2.0, LampOrigin.Measured), (sure.Kelvin, sure.Tint, sure.Origin));
    }

    [Fact]
    public void The_lamp_change_starts_from_the_source_lamp()
    {
        var settings = LogC3 with { LampKelvin = 5600 };
        var fromCamera = settings with { SourceLamp = SourceLamps.Given(5600) };
        AssertIdentity(fromCamera.AdaptationMatrix());
        var same = settings with { SourceLamp = SourceLamps.Given(3200), LampKelvin = 3200 };
        AssertIdentity(same.AdaptationMatrix());
        Assert.Throws<ArgumentException>(() => (settings with { SourceLamp = new SourceLamp(400, 0, LampOrigin.Given, 1, "") }).Validate());
    }

    private static void AssertIdentity(Matrix3 m)
    {
        var f = m.ToFloats();
        float[] identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(identity[i], f[i], 1e-6f);
        }
    }

    private static string WriteChart(TempFolder temp, SceneIlluminant illuminant, double cameraWb)
    {
        var scene = SceneRenderer.Render(new SceneSpec { Curve = LogCurve.LogC3, Gamut = Gamut.Awg3, Illuminant = illuminant, CameraWhiteBalanceKelvin = cameraWb, Width = W, Height = H, BitDepth = 16 });
        var planar = StillFrames.FromRaster(scene.Image, "chart");
        var path = temp.Combine("in.png");
        StillFrames.Write(path, planar.Values, W, H, StillKind.Png16);
        return path;
    }

    private static ((double u, double v) Uv, double Y) GreyInScene(float[] planar, bool linearInput) => SceneGrey.OfChart(planar, W, H, linearInput ? null : LogTransfer.LogC3);

    private static double Distance((double u, double v) a, (double u, double v) b) => SceneGrey.Distance(a, b);
}
