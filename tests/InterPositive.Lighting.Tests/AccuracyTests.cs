using System.Globalization;
using System.Text;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Testing.Scenes;
using Xunit.Abstractions;

namespace InterPositive.Lighting.Tests;

/// <summary>
/// Issue 5 item 9 on synthetic scenes: every curve and gamut, blackbody and daylight illuminants 2500–10000 K.
/// Median CCT error ≤ 2 %, exposure error ≤ 0.1 stop. Prints the accuracy table.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AccuracyTests(ITestOutputHelper output)
{
    private static readonly SceneIlluminant[] Illuminants =
    [
        new(2500), new(3200), new(4300), new(5600, Daylight: true), new(6500, Daylight: true), new(8000, Daylight: true), new(10000, Daylight: true), new(4000),
    ];

    private static double ExposureFor(LogCurve curve) => LogCurves.IsLog(curve) ? 0 : -0.7;

    [Fact]
    public void Every_curve_and_gamut_meets_the_cct_and_exposure_targets()
    {
        var rows = new List<(string Curve, string Gamut, string Light, double TrueK, double MeasuredK, double ErrorPct, double ExposureError)>();
        var i = 0;
        foreach (var curve in Enum.GetValues<LogCurve>())
        {
            foreach (var gamut in Enum.GetValues<Gamut>())
            {
                var illuminant = Illuminants[i++ % Illuminants.Length];
                rows.Add(Measure(curve, gamut, illuminant, wb: null));
            }
        }

        Report(rows, "every curve × gamut (no camera white balance: the picture carries the light's colour)");
        var median = Median(rows.Select(r => r.ErrorPct));
        Assert.True(median <= 2, $"median CCT error {median:F2} %");
        Assert.All(rows, r => Assert.True(Math.Abs(r.ExposureError) <= 0.1, $"{r.Curve}/{r.Gamut}/{r.Light}: exposure off by {r.ExposureError:F3} stops"));
    }

    [Fact]
    public void Every_illuminant_is_recovered_through_logc3_awg3_and_slog3()
    {
        var rows = new List<(string, string, string, double, double, double ErrorPct, double ExposureError)>();
        foreach (var illuminant in Illuminants)
        {
            rows.Add(Measure(LogCurve.LogC3, Gamut.Awg3, illuminant, wb: null));
            rows.Add(Measure(LogCurve.SLog3, Gamut.SGamut3Cine, illuminant, wb: null));
        }

        Report(rows, "illuminant sweep 2500–10000 K");
        Assert.True(Median(rows.Select(r => r.ErrorPct)) <= 2);
        Assert.All(rows, r => Assert.True(Math.Abs(r.ExposureError) <= 0.1));
    }

    [Fact]
    public void Camera_white_balance_is_undone_so_cct_is_the_lights()
    {
        var rows = new List<(string, string, string, double, double, double ErrorPct, double ExposureError)>();
        foreach (var illuminant in new SceneIlluminant[] { new(3200), new(4300), new(5600, true), new(8000, true) })
        {
            // The camera balanced for 5600 K; the light is something else. --wb 5600 must find the light.
            rows.Add(Measure(LogCurve.LogC4, Gamut.Awg4, illuminant, wb: 5600));
            rows.Add(Measure(LogCurve.Log3G10, Gamut.RedWideGamutRgb, illuminant, wb: 3200));
        }

        Report(rows, "camera white balance known (metadata or --wb) and undone");
        Assert.True(Median(rows.Select(r => r.ErrorPct)) <= 2);
    }

    [Fact]
    public void A_coloured_set_with_a_small_neutral_card_stays_close()
    {
        var rows = new List<(string, string, string, double, double, double ErrorPct, double ExposureError)>();
        foreach (var illuminant in new SceneIlluminant[] { new(3200), new(5600, true), new(8000, true) })
        {
            rows.Add(Measure(LogCurve.LogC3, Gamut.Awg3, illuminant, wb: null, SceneLayout.ColouredSet));
        }

        Report(rows, "coloured set (saturated walls, 8 % neutral card)");
        Assert.True(Median(rows.Select(r => r.ErrorPct)) <= 5, "coloured-set median CCT error above 5 %");
    }

    [Fact]
    public void Exposure_tracks_the_scene_in_stops()
    {
        foreach (var stops in new[] { -3.0, -1, 0, 1.5, 3 })
        {
            var scene = SceneRenderer.Render(new SceneSpec { Curve = LogCurve.LogC3, Gamut = Gamut.Awg3, ExposureStops = stops, Width = 240, Height = 135 });
            var record = Analyse.Still(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3), scene.Image);
            Assert.True(Math.Abs(record.Exposure.AverageStops - scene.TrueAverageStops) <= 0.1, $"{stops}: {record.Exposure.AverageStops} vs {scene.TrueAverageStops}");
        }
    }

    [Fact]
    public void Overexposure_reports_clipping_and_the_red_zone()
    {
        var scene = SceneRenderer.Render(new SceneSpec { Curve = LogCurve.Bt1886, Gamut = Gamut.Rec709, ExposureStops = 2, Width = 240, Height = 135 });
        var record = Analyse.Still(new AnalysisSettings(LogCurve.Bt1886, Gamut.Rec709), scene.Image);
        Assert.True(record.Exposure.ClippedPct > 10, $"clipped {record.Exposure.ClippedPct} %");
        Assert.True(record.Exposure.FalseColour["clipped"] > 10);
        var dark = SceneRenderer.Render(new SceneSpec { Curve = LogCurve.LogC3, Gamut = Gamut.Awg3, ExposureStops = -8, Width = 240, Height = 135 });
        var darkRecord = Analyse.Still(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3), dark.Image);
        Assert.True(darkRecord.Exposure.CrushedPct > 50, $"crushed {darkRecord.Exposure.CrushedPct} %");
        Assert.Equal(21, darkRecord.Exposure.HistogramStops.Count);
        Assert.InRange(darkRecord.Exposure.HistogramStops.Sum(h => h.Pct), 99, 101);
    }

    private (string Curve, string Gamut, string Light, double TrueK, double MeasuredK, double ErrorPct, double ExposureError) Measure(
        LogCurve curve, Gamut gamut, SceneIlluminant illuminant, double? wb, SceneLayout layout = SceneLayout.Chart)
    {
        var scene = SceneRenderer.Render(new SceneSpec
        {
            Curve = curve,
            Gamut = gamut,
            Illuminant = illuminant,
            ExposureStops = ExposureFor(curve),
            CameraWhiteBalanceKelvin = wb,
            Layout = layout,
            Width = 240,
            Height = 136,
            BitDepth = curve is LogCurve.Linear ? 16 : 10,
        });
        var record = Analyse.Still(new AnalysisSettings(curve, gamut, wb), scene.Image);
        var truth = Cct.FromXy(scene.LightXy.x, scene.LightXy.y).Cct;
        var measured = record.Light.Cct ?? double.NaN;
        return (LogCurves.Name(curve), Gamuts.Name(gamut), illuminant.ToString(), truth, measured, Math.Abs(measured - truth) / truth * 100, record.Exposure.AverageStops - scene.TrueAverageStops);
    }

    private void Report(IEnumerable<(string Curve, string Gamut, string Light, double TrueK, double MeasuredK, double ErrorPct, double ExposureError)> rows, string title)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## {title}");
        text.AppendLine("curve     gamut        light        true K   measured K  CCT err %  exposure err (stops)");
        var list = rows.ToList();
        foreach (var r in list)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{r.Curve,-9} {r.Gamut,-12} {r.Light,-11} {r.TrueK,8:F0} {r.MeasuredK,11:F0} {r.ErrorPct,9:F2}  {r.ExposureError,8:+0.000;-0.000}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"median CCT error {Median(list.Select(r => r.ErrorPct)):F2} %, max {list.Max(r => r.ErrorPct):F2} %; max |exposure error| {list.Max(r => Math.Abs(r.ExposureError)):F3} stops");
        output.WriteLine(text.ToString());
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
