using InterPositive.Relight.Colour;
using L = InterPositive.Lighting.Colour;

namespace InterPositive.Relight.Tests;

/// <summary>
/// The relight graph carries curves and gamuts in its own parametric form; these pin them to InterPositive.Lighting's
/// implementations, so folding the two later changes nothing.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LightingAgreementTests
{
    public static TheoryData<string, L.LogCurve> Curves => new()
    {
        { "logc3", L.LogCurve.LogC3 },
        { "logc4", L.LogCurve.LogC4 },
        { "slog3", L.LogCurve.SLog3 },
        { "log3g10", L.LogCurve.Log3G10 },
        { "vlog", L.LogCurve.VLog },
        { "bmdfilmgen5", L.LogCurve.BmdFilm5 },
        { "srgb", L.LogCurve.Srgb },
    };

    [Theory]
    [MemberData(nameof(Curves))]
    public void Curves_agree_with_the_lighting_library(string ours, L.LogCurve theirs)
    {
        var curve = TransferCurve.Parse(ours);
        foreach (var x in new[] { 0.0, 0.002, 0.01, 0.05, 0.18, 0.5, 1.0, 8.0 })
        {
            Assert.Equal(L.LogCurves.Encode(theirs, x), curve.Encode(x), 2e-5);
        }

        foreach (var y in new[] { 0.1, 0.2, 0.4, 0.6, 0.9 })
        {
            var expected = L.LogCurves.Decode(theirs, y);
            Assert.Equal(expected, curve.Decode(y), 2e-5 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Theory]
    [InlineData("clog2")]
    [InlineData("clog3")]
    public void Canon_log_is_the_lighting_library_own(string name)
    {
        var curve = Assert.IsType<CanonLogTransfer>(TransferCurve.Parse(name));
        Assert.True(curve.IsLog);
        foreach (var x in new[] { -0.05, -0.001, 0.0, 0.002, 0.01, 0.05, 0.18, 1.0, 8.0 })
        {
            Assert.Equal(L.LogCurves.Encode(curve.Curve, x), curve.Encode(x));
            Assert.Equal(x, curve.Decode(curve.Encode(x)), 1e-9 * Math.Max(1, Math.Abs(x)));
        }

        // The pieces meet where the parameters say they do.
        Assert.Equal(curve.CodeLow, curve.Encode(curve.LinearLow), 1e-6);
        Assert.Equal(curve.CodeHigh, curve.Encode(curve.LinearHigh), 1e-6);
    }

    [Theory]
    [InlineData("awg3", L.Gamut.Awg3)]
    [InlineData("awg4", L.Gamut.Awg4)]
    [InlineData("sgamut3cine", L.Gamut.SGamut3Cine)]
    [InlineData("rwg", L.Gamut.RedWideGamutRgb)]
    [InlineData("rec709", L.Gamut.Rec709)]
    [InlineData("rec2020", L.Gamut.Rec2020)]
    public void Gamuts_agree_with_the_lighting_library(string ours, L.Gamut theirs)
    {
        // Relight now takes its gamuts from the lighting library by name; the names must land on the same table.
        Assert.Equal(theirs, L.Gamuts.Parse(ours));
        var a = L.Gamuts.RgbToXyz(L.Gamuts.Parse(ours));
        var b = L.Gamuts.RgbToXyz(theirs);
        var (x, y, z) = a * new L.Vector3d(0.3, 0.5, 0.7);
        var other = b * new L.Vector3d(0.3, 0.5, 0.7);
        Assert.Equal(other.X, x, 1e-5);
        Assert.Equal(other.Y, y, 1e-5);
        Assert.Equal(other.Z, z, 1e-5);
    }
}
