using System.Globalization;
using System.Text;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Testing.Scenes;
using Xunit.Abstractions;

namespace InterPositive.Lighting.Tests;

/// <summary>
/// Issue 16 point 2, kept apart from the neutral-chart accuracy tests: sets dominated by strongly coloured surfaces,
/// rendered from spectra (<see cref="SpectralScenes"/>), under blackbody lamps 2800–6500 K. The light's CCT within 5 %
/// on every set with some neutral in it; where nothing is neutral, a confidence that says so.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HardSceneTests(ITestOutputHelper output)
{
    private static readonly double[] Lamps = [2800, 3200, 4300, 5600, 6500];

    /// <summary>What the relight takes as "the measurement cannot tell" (Relight's SourceLamps.MinimumConfidence).</summary>
    private const double Unsure = 0.3;

    [Theory]
    [InlineData(HardSet.WarmInterior)]
    [InlineData(HardSet.BlueGreenSet)]
    [InlineData(HardSet.GreenBackdrop)]
    public void Light_colour_holds_within_5_percent_on_coloured_sets(HardSet set)
    {
        var rows = Lamps.Select(k => Measure(set, k, wb: 5600)).Concat(Lamps.Select(k => Measure(set, k, wb: null))).ToList();
        Report(set.ToString(), rows);
        // Within 5 %, and trusted (every set here has a white or grey in it). The blue-green set under 2800 K and 3200 K
        // with the camera balanced for 5600 K read 20 % and 41 % off (confidence 0, flagged) until the estimator searched
        // the Planckian locus for the light its brightest pixels are neutral under.
        Assert.All(rows, r => Assert.True(r.ErrorPct <= 5 && r.Confidence >= Unsure, FormattableString.Invariant($"{set} under {r.TrueK:0} K (wb {r.Wb}): measured {r.MeasuredK:0} K, {r.ErrorPct:F1} % off at confidence {r.Confidence:F2}")));
    }

    [Fact]
    public void A_set_with_nothing_neutral_says_it_cannot_tell()
    {
        var rows = Lamps.Select(k => Measure(HardSet.WoodOnly, k, wb: 5600)).ToList();
        Report("wood and skin only", rows);
        // Right or wrong, the estimate of a picture that cannot tell must not be trusted over the camera's balance.
        Assert.All(rows, r => Assert.True(r.ErrorPct <= 5 || r.Confidence < Unsure, FormattableString.Invariant($"under {r.TrueK:0} K: {r.MeasuredK:0} K ({r.ErrorPct:F1} % off) at confidence {r.Confidence:F2}")));
    }

    [Fact]
    public void The_locus_search_finds_the_lamp_its_whites_are_neutral_under_not_the_walls()
    {
        // Bright pixels of a set under 3200 K (camera balanced for 5600 K): a few whites, and many more of a teal wall
        // that no lamp on the locus makes neutral.
        var toXyz = Gamuts.RgbToXyz(Gamut.Awg3);
        var balancedToScene = ChromaticAdaptation.Matrix((Gamuts.D65X, Gamuts.D65Y), Cct.PlanckianXy(5600));
        var (x, y) = Cct.PlanckianXy(3200);
        var white = IlluminantEstimator.WhiteOf(Chromaticity.XyToXyz(x, y), toXyz, balancedToScene);
        var random = new Random(3);
        var rg = new List<float>();
        var bg = new List<float>();
        for (var i = 0; i < 3000; i++)
        {
            var whitePixel = i % 10 == 0;
            rg.Add((float)((whitePixel ? Math.Log(white.X) : Math.Log(0.45)) + (0.02 * (random.NextDouble() - 0.5))));
            bg.Add((float)((whitePixel ? Math.Log(white.Z) : Math.Log(1.3)) + (0.02 * (random.NextDouble() - 0.5))));
        }

        var found = IlluminantEstimator.SearchLocus(rg.ToArray(), bg.ToArray(), toXyz, balancedToScene);
        Assert.NotNull(found);
        var light = IlluminantEstimator.Finish(found.Value.White, toXyz, balancedToScene, 1).LightXyz;
        var cct = Cct.FromXyz(light).Cct;
        output.WriteLine(FormattableString.Invariant($"locus search: {cct:F0} K for a 3200 K lamp, {found.Value.Count} neutral"));
        // The search steps 8 mired: within half a step of the lamp.
        Assert.InRange(1e6 / cct, (1e6 / 3200) - 4.1, (1e6 / 3200) + 4.1);
        Assert.InRange(found.Value.Count, 280, 320);
    }

    private static (double TrueK, string Wb, double MeasuredK, double ErrorPct, double Confidence) Measure(HardSet set, double kelvin, double? wb)
    {
        var scene = SpectralScenes.Render(set, kelvin, wb);
        var record = Analyse.Still(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3, wb), scene.Image);
        var measured = record.Light.Cct ?? double.NaN;
        var truth = Cct.FromXy(scene.LightXy.x, scene.LightXy.y).Cct;
        return (truth, wb?.ToString(CultureInfo.InvariantCulture) ?? "none", measured, double.IsNaN(measured) ? 100 : Math.Abs(measured - truth) / truth * 100, record.Light.Confidence);
    }

    private void Report(string title, IReadOnlyList<(double TrueK, string Wb, double MeasuredK, double ErrorPct, double Confidence)> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## {title}");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"lamp {r.TrueK,6:F0} K  wb {r.Wb,-5} measured {r.MeasuredK,6:F0} K  error {r.ErrorPct,5:F1} %  confidence {r.Confidence:F2}");
        }

        output.WriteLine(text.ToString());
    }
}
