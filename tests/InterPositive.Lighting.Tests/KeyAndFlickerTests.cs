using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Testing.Scenes;
using Xunit.Abstractions;

namespace InterPositive.Lighting.Tests;

[Trait("Category", "Unit")]
public sealed class KeyAndFlickerTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(30, 30)]
    [InlineData(150, 20)]
    [InlineData(270, 45)]
    [InlineData(90, 60)]
    public void Sh_fit_with_known_normals_recovers_the_key_direction(double azimuth, double elevation)
    {
        var scene = SceneRenderer.Render(new SceneSpec { Layout = SceneLayout.Sphere, KeyAzimuthDeg = azimuth, KeyElevationDeg = elevation, Curve = LogCurve.Linear, Gamut = Gamut.Rec709, Texture = 0, Width = 200, Height = 200 });
        var fit = new ShadingFit.Accumulator();
        for (var i = 0; i < scene.Image.Width * scene.Image.Height; i++)
        {
            var nz = scene.Normals![i * 3 + 2];
            if (nz > 0)
            {
                fit.Add(scene.Normals[i * 3], scene.Normals[i * 3 + 1], nz, scene.Image.Samples[i * 3 + 1]);
            }
        }

        var result = fit.Solve()!;
        output.WriteLine($"true {azimuth}/{elevation}: fitted {result.AzimuthDeg:F1}/{result.ElevationDeg:F1}, key/fill {result.KeyFillStops:F2} stops");
        Assert.True(Continuity.AngleBetween(azimuth, elevation, result.AzimuthDeg, result.ElevationDeg) < 8, "direction off by more than 8°");
    }

    [Theory]
    [InlineData(0, 30)]
    [InlineData(120, 25)]
    [InlineData(220, 35)]
    public void Analysis_of_a_frame_finds_the_key_from_shading_alone(double azimuth, double elevation)
    {
        var scene = SceneRenderer.Render(new SceneSpec { Layout = SceneLayout.Sphere, KeyAzimuthDeg = azimuth, KeyElevationDeg = elevation, FillRatio = 0.25, Width = 320, Height = 180 });
        var record = Analyse.Still(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3), scene.Image);
        output.WriteLine($"true {azimuth}/{elevation}: {record.Contrast.KeyAzimuthDeg}/{record.Contrast.KeyElevationDeg}, key/fill {record.Contrast.KeyFillStops} stops (true {Math.Log2(1.25 / 0.25):F2})");
        var angle = Continuity.AngleBetween(azimuth, elevation, record.Contrast.KeyAzimuthDeg!.Value, record.Contrast.KeyElevationDeg!.Value);
        Assert.True(angle < 20, $"key direction off by {angle:F1}°");
        Assert.InRange(record.Contrast.KeyFillStops!.Value, 1.0, 4.0);
    }

    [Fact]
    public void Harder_key_reads_as_more_stops_of_contrast()
    {
        double Stops(double fill)
        {
            var scene = SceneRenderer.Render(new SceneSpec { Layout = SceneLayout.Sphere, FillRatio = fill, Width = 320, Height = 180 });
            return Analyse.Still(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3), scene.Image).Contrast.KeyFillStops!.Value;
        }

        var soft = Stops(1.0);
        var hard = Stops(0.1);
        output.WriteLine($"fill 1:1 → {soft} stops, fill 0.1 → {hard} stops");
        Assert.True(hard > soft + 1, $"hard {hard} vs soft {soft}");
    }

    [Theory]
    [InlineData(50)]
    [InlineData(60)]
    [InlineData(100)]
    [InlineData(120)]
    [InlineData(437)]
    [InlineData(600)]
    [InlineData(1000)]
    [InlineData(2000)]
    public void Rolling_shutter_flicker_frequency_is_found_within_1_hz(double frequency)
    {
        // 23.976 fps, as cameras run: at exactly 24 fps, 120, 600, 1000 and 2000 Hz are whole multiples of the frame
        // rate and their bands stand still, which no picture analysis can tell from the set (FlickerTests). 120 Hz
        // then crawls at 0.12 Hz: 128 frames see 0.64 of a cycle.
        var spec = new FlickerSpec { FrequencyHz = frequency, Width = 32, Height = 360, Frames = frequency == 120 ? 128 : 64, Fps = 24000 / 1001.0, Depth = 0.5, ShutterAngle = 45 };
        var record = Analyse.Take(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3, FramesPerSecond: spec.Fps, ReadoutSeconds: spec.ReadoutSeconds), FlickerRenderer.Render(spec));
        output.WriteLine($"{frequency} Hz → {record.Flicker.FrequencyHz} Hz, depth {record.Flicker.DepthPct} %, beat {record.Flicker.BeatHz} Hz, banding {record.Flicker.Banding}; safe: {string.Join(", ", record.Flicker.SafeShutterAngles)}");
        Assert.True(record.Flicker.Detected, "flicker not detected");
        Assert.True(Math.Abs(record.Flicker.FrequencyHz!.Value - frequency) <= 1, $"found {record.Flicker.FrequencyHz} Hz");
    }

    [Fact]
    public void Global_shutter_pulse_is_found_as_the_alias_nearest_mains()
    {
        var spec = new FlickerSpec { FrequencyHz = 100, ReadoutSeconds = 0, Width = 48, Height = 120, Frames = 96 };
        var record = Analyse.Take(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3, FramesPerSecond: 24, ReadoutSeconds: 0), FlickerRenderer.Render(spec));
        Assert.True(record.Flicker.Detected);
        Assert.False(record.Flicker.Banding);
        Assert.Equal(100, record.Flicker.FrequencyHz!.Value, 0);
        Assert.Equal(4, record.Flicker.BeatHz!.Value, 1);
    }

    [Fact]
    public void Steady_light_and_safe_shutter_raise_nothing()
    {
        var steady = new FlickerSpec { Depth = 0, Width = 48, Height = 360, Frames = 48 };
        var record = Analyse.Take(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3, FramesPerSecond: 24), FlickerRenderer.Render(steady));
        Assert.False(record.Flicker.Detected);

        // 100 Hz at 24 fps with a 172.8° shutter (1/50 s) integrates two whole cycles: no flicker in the pictures.
        var safe = steady with { Depth = 0.3, FrequencyHz = 100, ShutterAngle = 172.8 };
        var safeRecord = Analyse.Take(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3, FramesPerSecond: 24), FlickerRenderer.Render(safe));
        Assert.False(safeRecord.Flicker.Detected, $"found {safeRecord.Flicker.FrequencyHz} Hz at {safeRecord.Flicker.DepthPct} %");
    }

    [Fact]
    public void Safe_shutter_angles_follow_the_whole_cycle_rule()
    {
        Assert.Contains(172.8, FlickerDetector.SafeShutterAngles(100, 24));
        Assert.Contains(144.0, FlickerDetector.SafeShutterAngles(120, 24));
        Assert.Contains(180.0, FlickerDetector.SafeShutterAngles(120, 30));
        Assert.Equal(0.0, FlickerDetector.Attenuation(100, 24, 172.8), 9);
        Assert.Equal(2, FlickerDetector.Beat(50, 24), 9);
    }

    [Fact]
    public void A_wide_shutter_hides_fast_pwm_as_the_sinc_rule_says()
    {
        // 1000 Hz at 24 fps, 180°: the exposure averages 20.8 cycles; 50 % modulation leaves about 0.3 % in the picture.
        var spec = new FlickerSpec { FrequencyHz = 1000, Width = 48, Height = 360, Frames = 48, Depth = 0.5, ShutterAngle = 180 };
        var expected = 0.5 * FlickerDetector.Attenuation(1000, 24, 180);
        Assert.True(expected < 0.004);
        var record = Analyse.Take(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3, FramesPerSecond: 24, ReadoutSeconds: 0.015), FlickerRenderer.Render(spec));
        Assert.True(record.Flicker.DepthPct < 1, $"depth {record.Flicker.DepthPct} %");
    }
}
