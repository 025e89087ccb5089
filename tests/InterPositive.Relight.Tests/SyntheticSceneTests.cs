using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;
using InterPositive.Testing.Relight;
using Xunit.Abstractions;

namespace InterPositive.Relight.Tests;

/// <summary>Relights of rendered scenes with known albedo, normals and SH lighting, scored against ground truth.</summary>
[Trait("Category", "Integration")]
public sealed class SyntheticSceneTests(ITestOutputHelper output)
{
    private const int W = 96;
    private const int H = 64;

    private static readonly RelightGraphOptions Display = new() { CameraGamut = Gamut.Rec709, Output = OutputKind.Display, DisplayCurve = PowerTransfer.Gamma24 };

    [Fact]
    public void Key_change_with_known_normals_is_within_40dB_of_ground_truth()
    {
        var scene = RelightScene.Spheres(W, H);
        var source = new ShLighting(RelightScene.KeyAndFill());
        var target = source.WithKey(60, 15, 1.5);
        var shot = scene.Render([.. source.Values]);
        var truth = scene.Render([.. target.Values]);

        var options = Display with { Shading = ShadingMode.Normals };
        var conditioning = new RelightConditioning(Matrix3.Identity, 0, source, target);
        var relit = GraphHarness.RunGraph(options, conditioning, shot, 1, H, W, scene.Normals);
        var psnr = RelightScene.Psnr(relit, ToDisplay(truth));
        output.WriteLine($"known normals: {psnr:F1} dB (unrelit: {RelightScene.Psnr(ToDisplay(shot), ToDisplay(truth)):F1} dB)");
        Assert.True(psnr >= 40, $"PSNR {psnr:F1} dB");
    }

    [Fact]
    public void Key_change_with_fitted_lighting_and_known_normals_is_within_40dB()
    {
        var scene = RelightScene.Spheres(W, H);
        var source = new ShLighting(RelightScene.KeyAndFill());
        var shot = scene.Render([.. source.Values]);
        // The take's lighting as the service gets it: fitted to the frame, not given.
        var fitted = TakeAnalysis.FitLighting(shot, H, W, Gamut.Rec709, scene.Normals);
        var truth = scene.Render([.. source.WithKey(-80, 0, -1).Values]);
        var conditioning = new RelightConditioning(Matrix3.Identity, 0, fitted, fitted.WithKey(-80, 0, -1));
        var relit = GraphHarness.RunGraph(Display with { Shading = ShadingMode.Normals }, conditioning, shot, 1, H, W, scene.Normals);
        var psnr = RelightScene.Psnr(relit, ToDisplay(truth));
        output.WriteLine($"fitted lighting, known normals: {psnr:F1} dB");
        Assert.True(psnr >= 40, $"PSNR {psnr:F1} dB");
    }

    [Theory]
    [InlineData(3200, 0, AdaptationTransform.Cat16)]
    [InlineData(4300, 6, AdaptationTransform.Bradford)]
    [InlineData(9000, -4, AdaptationTransform.Cat16)]
    public void Lamp_change_is_within_40dB_of_von_Kries_ground_truth(double kelvin, double tint, AdaptationTransform method)
    {
        var gamut = Gamut.Awg3;
        var scene = RelightScene.Spheres(W, H);
        var shot = scene.Render(RelightScene.KeyAndFill(), 0.5);
        // Ground truth written out in cone space: the camera (balanced for 5600 K) sees cone responses scaled by
        // new lamp / old lamp.
        var cone = method == AdaptationTransform.Bradford ? ChromaticAdaptation.ConeMatrix(AdaptationTransform.Bradford) : ChromaticAdaptation.ConeMatrix(AdaptationTransform.Cat16);
        var oldLamp = LampAdaptation.LampWhite(5600);
        var newLamp = LampAdaptation.LampWhite(kelvin, tint);
        var lo = cone * oldLamp;
        var ln = cone * newLamp;
        var truth = (float[])shot.Clone();
        var pixels = W * H;
        for (var p = 0; p < pixels; p++)
        {
            var xyz = Gamuts.RgbToXyz(gamut) * new Vector3d(truth[p], truth[pixels + p], truth[(2 * pixels) + p]);
            var c = cone * xyz;
            var adapted = cone.Inverse() * new Vector3d(c.X * ln.X / lo.X, c.Y * ln.Y / lo.Y, c.Z * ln.Z / lo.Z);
            var rgb = Gamuts.XyzToRgb(gamut) * adapted;
            (truth[p], truth[pixels + p], truth[(2 * pixels) + p]) = ((float)rgb.X, (float)rgb.Y, (float)rgb.Z);
        }

        var options = Display with { CameraGamut = gamut };
        var conditioning = new RelightConditioning(LampAdaptation.LampChange(gamut, method, 5600, 0, kelvin, tint), 0);
        var relit = GraphHarness.RunGraph(options, conditioning, shot, 1, H, W);
        var psnr = RelightScene.Psnr(relit, ToDisplay(truth, gamut));
        output.WriteLine($"lamp {kelvin} K tint {tint}: {psnr:F1} dB");
        Assert.True(psnr >= 40, $"PSNR {psnr:F1} dB");
    }

    [Fact]
    public void Tungsten_lamps_on_a_daylight_camera_warm_a_grey_card()
    {
        var m = LampAdaptation.LampChange(Gamut.Rec709, AdaptationTransform.Cat16, 5600, 0, 3200, 0);
        var (r, g, b) = m * new Vector3d(0.18, 0.18, 0.18);
        Assert.True(r > g && g > b, $"grey became {r:F3} {g:F3} {b:F3}");
        var same = LampAdaptation.LampChange(Gamut.Rec709, AdaptationTransform.Cat16, 5600, 0, 5600, 0);
        Assert.Equal(0.18, (same * new Vector3d(0.18, 0.18, 0.18)).X, 12);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-1.5)]
    public void Exposure_is_within_40dB_of_ground_truth(double stops)
    {
        var scene = RelightScene.Spheres(W, H);
        var shot = scene.Render(RelightScene.KeyAndFill(), 0.5);
        var truth = scene.Render(RelightScene.KeyAndFill(), 0.5 * Math.Pow(2, stops));
        var relit = GraphHarness.RunGraph(Display, new RelightConditioning(Matrix3.Identity, stops), shot, 1, H, W);
        var psnr = RelightScene.Psnr(relit, ToDisplay(truth));
        output.WriteLine($"exposure {stops:+0.0;-0.0} stops: {psnr:F1} dB");
        Assert.True(psnr >= 40, $"PSNR {psnr:F1} dB");
    }

    /// <summary>
    /// Estimated normals against the best single gain (least squares against the truth, so an oracle baseline), in four
    /// key directions: frontal, from frame left, a boost of the original key (−40°, 30°) and a key from the far side
    /// of it (70°, 10°). The gradient-only estimator (no shape-from-shading step, its old gain) is reported beside it.
    /// </summary>
    [Theory]
    [InlineData(0, 0, 1.0)]
    [InlineData(-90, 0, -1.0)]
    [InlineData(-40, 30, 1.0)]
    [InlineData(70, 10, 1.5)]
    public void Key_change_with_estimated_normals_beats_a_global_gain(double azimuth, double elevation, double stops)
    {
        const int w = 192, h = 128;
        var scene = RelightScene.Spheres(w, h);
        var source = new ShLighting(RelightScene.KeyAndFill());
        var shot = scene.Render([.. source.Values]);
        var truth = scene.Render([.. source.WithKey(azimuth, elevation, stops).Values]);
        var radius = RelightGraphOptions.RadiusFor(h);

        // The service's path: lighting fitted once per take with the estimator's normals, then the graph.
        double Relit(int albedoRadius, double scale)
        {
            var fitted = TakeAnalysis.FitLighting(shot, h, w, Gamut.Rec709, estimatorRadius: radius, normalScale: scale, albedoRadius: albedoRadius);
            var options = Display with { Shading = ShadingMode.Estimated, EstimatorRadius = radius, AlbedoRadius = albedoRadius };
            var conditioning = new RelightConditioning(Matrix3.Identity, 0, fitted, fitted.WithKey(azimuth, elevation, stops), NormalScale: scale);
            return RelightScene.Psnr(GraphHarness.RunGraph(options, conditioning, shot, 1, h, w), ToDisplay(truth));
        }

        var psnr = Relit(RelightGraphOptions.AlbedoRadiusFor(h), TakeAnalysis.DefaultNormalScale(h));
        var gradientOnly = Relit(0, 0.15 * h);

        double num = 0, den = 0;
        for (var i = 0; i < shot.Length; i++)
        {
            num += shot[i] * (double)truth[i];
            den += shot[i] * (double)shot[i];
        }

        var gained = shot.Select(v => (float)(v * num / den)).ToArray();
        var baseline = RelightScene.Psnr(ToDisplay(gained), ToDisplay(truth));
        output.WriteLine($"key {azimuth},{elevation},{stops}: estimated normals {psnr:F2} dB; gradient-only estimator {gradientOnly:F2} dB; best global gain {baseline:F2} dB");
        Assert.True(psnr > baseline, $"estimated normals {psnr:F2} dB vs global gain {baseline:F2} dB");
    }

    /// <summary>
    /// The reduced-size key change (normals and shading ratio on a 4×4 box average, ratio resized back) against the
    /// same relight worked out at full resolution: the approximation the CPU speed rests on, measured.
    /// </summary>
    [Fact]
    public void Reduced_size_shading_is_close_to_full_resolution()
    {
        const int w = 384, h = 216, f = 4;
        var scene = RelightScene.Spheres(w, h);
        var source = new ShLighting(RelightScene.KeyAndFill());
        var shot = scene.Render([.. source.Values]);
        var conditioning = new RelightConditioning(Matrix3.Identity, 0, source, source.WithKey(60, 10, 1), NormalScale: TakeAnalysis.DefaultNormalScale(h));
        var full = Display with { Shading = ShadingMode.Estimated, EstimatorRadius = RelightGraphOptions.RadiusFor(h), AlbedoRadius = RelightGraphOptions.AlbedoRadiusFor(h) };
        var reduced = full with { ShadingScale = f, EstimatorRadius = RelightGraphOptions.RadiusFor(h / f), AlbedoRadius = RelightGraphOptions.AlbedoRadiusFor(h / f) };
        var psnr = RelightScene.Psnr(GraphHarness.RunGraph(reduced, conditioning, shot, 1, h, w), GraphHarness.RunGraph(full, conditioning, shot, 1, h, w));
        output.WriteLine($"reduced-size (1/{f}) shading vs full resolution: {psnr:F1} dB");
        Assert.True(psnr >= 35, $"PSNR {psnr:F1} dB");
    }

    private static float[] ToDisplay(float[] linear, Gamut? gamut = null)
    {
        var x = (float[])linear.Clone();
        RelightReference.ToDisplay(x, Gamuts.Convert(gamut ?? Gamut.Rec709, Gamut.Rec709), PowerTransfer.Gamma24);
        return x;
    }
}
