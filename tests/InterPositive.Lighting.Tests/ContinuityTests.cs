using InterPositive.Lighting.Colour;

namespace InterPositive.Lighting.Tests;

[Trait("Category", "Unit")]
public sealed class ContinuityTests
{
    private static LightingRecord Take(double cct, double duv, double stops, double azimuth, double elevation, bool flicker = false) => new()
    {
        Exposure = new ExposureSummary { AverageStops = stops },
        Light = new LightColour { Cct = cct, Duv = duv, Confidence = 0.9 },
        Contrast = new ContrastSummary { KeyAzimuthDeg = azimuth, KeyElevationDeg = elevation, KeyFillStops = 2 },
        Flicker = new FlickerSummary { Detected = flicker, FrequencyHz = flicker ? 120 : null, DepthPct = flicker ? 4 : 0 },
    };

    [Fact]
    public void Changes_within_thresholds_raise_nothing()
    {
        var a = Take(3200, 0.001, 0, 30, 30);
        var b = Take(3300, 0.002, 0.2, 40, 30);
        Assert.Empty(Continuity.Compare(a, b, "A001C001"));
    }

    [Fact]
    public void Each_threshold_is_flagged_with_one_readable_line()
    {
        var a = Take(3200, 0.001, 0, 30, 30);
        var b = Take(3400, -0.003, -0.5, 70, 30, flicker: true);
        var alerts = Continuity.Compare(a, b, "A001C001");
        Assert.Equal(["cct", "duv", "exposure", "keyDirection", "flicker"], alerts.Select(x => x.Kind));
        Assert.Contains("+200 K", alerts[0].Message, StringComparison.Ordinal);
        Assert.Contains("magenta", alerts[1].Message, StringComparison.Ordinal);
        Assert.All(alerts, x => Assert.Equal("A001C001", x.ReferenceClip));
    }

    [Fact]
    public void Low_confidence_light_is_not_blamed()
    {
        var a = Take(3200, 0, 0, 30, 30);
        var b = Take(5600, 0, 0, 30, 30) with { Light = new LightColour { Cct = 5600, Duv = 0, Confidence = 0.1 } };
        Assert.DoesNotContain(Continuity.Compare(a, b), x => x.Kind == "cct");
    }

    [Fact]
    public void Camera_metadata_picks_curve_and_gamut()
    {
        Assert.Equal((LogCurve.LogC4, Gamut.Awg4), CameraDefaults.Lookup("ARRI", "ALEXA 35"));
        Assert.Equal((LogCurve.LogC3, Gamut.Awg3), CameraDefaults.Lookup("ARRI", "ALEXA Mini LF"));
        Assert.Equal((LogCurve.SLog3, Gamut.SGamut3Cine), CameraDefaults.Lookup("Sony", "VENICE 2"));
        Assert.Equal((LogCurve.Log3G10, Gamut.RedWideGamutRgb), CameraDefaults.Lookup("RED", "V-RAPTOR"));
        Assert.Equal((LogCurve.SLog3, Gamut.SGamut3Cine), CameraDefaults.Lookup(null, null, "S-Log3/S-Gamut3.Cine"));
        Assert.Equal((LogCurve.Bt1886, Gamut.Rec709), CameraDefaults.Lookup("Sony", "FX6", "Rec.709"));
        Assert.Null(CameraDefaults.Lookup("Acme", "Box"));
        Assert.True(LogCurves.TryParse("LOGC3", out var c) && c == LogCurve.LogC3);
        Assert.True(Gamuts.TryParse("rwg", out var g) && g == Gamut.RedWideGamutRgb);
        Assert.False(LogCurves.TryParse("cineon", out _));
    }
}
