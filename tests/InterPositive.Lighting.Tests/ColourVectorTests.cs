using System.Globalization;
using System.Text.RegularExpressions;
using InterPositive.Lighting.Colour;
using InterPositive.Testing;
using Xunit.Abstractions;

namespace InterPositive.Lighting.Tests;

/// <summary>Every colour-science vector in tests/data/colour/VECTORS.tsv that applies to what we implement.</summary>
[Trait("Category", "Unit")]
public sealed partial class ColourVectorTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, (LogCurve Curve, bool Encode)> CurveCalls = new(StringComparer.Ordinal)
    {
        ["log_encoding_ARRILogC3"] = (LogCurve.LogC3, true),
        ["log_decoding_ARRILogC3"] = (LogCurve.LogC3, false),
        ["log_encoding_ARRILogC4"] = (LogCurve.LogC4, true),
        ["log_decoding_ARRILogC4"] = (LogCurve.LogC4, false),
        ["log_encoding_SLog3"] = (LogCurve.SLog3, true),
        ["log_decoding_SLog3"] = (LogCurve.SLog3, false),
        ["log_encoding_Log3G10_v3"] = (LogCurve.Log3G10, true),
        ["log_decoding_Log3G10_v3"] = (LogCurve.Log3G10, false),
        ["log_encoding_CanonLog2_v1_2"] = (LogCurve.CLog2, true),
        ["log_decoding_CanonLog2_v1_2"] = (LogCurve.CLog2, false),
        ["log_encoding_CanonLog3_v1_2"] = (LogCurve.CLog3, true),
        ["log_decoding_CanonLog3_v1_2"] = (LogCurve.CLog3, false),
        ["oetf_BlackmagicFilmGeneration5"] = (LogCurve.BmdFilm5, true),
        ["oetf_inverse_BlackmagicFilmGeneration5"] = (LogCurve.BmdFilm5, false),
        ["log_encoding_VLog"] = (LogCurve.VLog, true),
        ["log_decoding_VLog"] = (LogCurve.VLog, false),
        ["eotf_inverse_BT1886"] = (LogCurve.Bt1886, true),
        ["eotf_BT1886"] = (LogCurve.Bt1886, false),
        ["oetf_BT709"] = (LogCurve.Bt709, true),
        ["oetf_inverse_BT709"] = (LogCurve.Bt709, false),
    };

    public static IEnumerable<(string Call, string Function, double[] Args, double[] Expected)> Vectors()
    {
        foreach (var line in File.ReadLines(ReferenceData.Path("colour", "VECTORS.tsv")))
        {
            var parts = line.Split('\t');
            if (parts.Length < 3)
            {
                continue;
            }

            var call = CallPattern().Match(parts[1]);
            if (!call.Success)
            {
                continue;
            }

            yield return (parts[1], call.Groups[1].Value, Numbers(call.Groups[2].Value), Numbers(parts[2]));
        }
    }

    private static double[] Numbers(string text) =>
        NumberPattern().Matches(text.Replace("np.array", "", StringComparison.Ordinal)).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void Log_curves_match_every_applicable_vector_within_1e_5()
    {
        var count = 0;
        var worst = 0.0;
        foreach (var (call, function, args, expected) in Vectors())
        {
            if (!CurveCalls.TryGetValue(function, out var target) || args.Length != 1 || call.Contains(',', StringComparison.Ordinal))
            {
                continue;
            }

            var actual = target.Encode ? LogCurves.Encode(target.Curve, args[0]) : LogCurves.Decode(target.Curve, args[0]);
            var error = Math.Abs(actual - expected[0]);
            worst = Math.Max(worst, error);
            Assert.True(error <= 1e-5, $"{call}: expected {expected[0]}, got {actual}");
            count++;
        }

        output.WriteLine($"log-curve vectors: {count}, worst absolute error {worst:E2}");
        Assert.True(count >= 50, $"only {count} vectors applied");
    }

    [Fact]
    public void Eighteen_percent_grey_lands_on_the_published_code_values()
    {
        var published = new Dictionary<LogCurve, double>
        {
            [LogCurve.LogC3] = 0.391007,
            [LogCurve.LogC4] = 0.278396,
            [LogCurve.SLog3] = 0.410557,
            [LogCurve.Log3G10] = 0.333333,
            [LogCurve.CLog3] = 0.343389,
            [LogCurve.BmdFilm5] = 0.383562,
            [LogCurve.VLog] = 0.423311,
        };
        foreach (var (curve, code) in published)
        {
            Assert.Equal(code, LogCurves.Encode(curve, 0.18), 5);
            Assert.Equal(0.18, LogCurves.Decode(curve, code), 4);
        }
    }

    [Fact]
    public void Every_curve_round_trips()
    {
        foreach (var curve in Enum.GetValues<LogCurve>())
        {
            foreach (var x in new[] { 0.0, 0.001, 0.01, 0.05, 0.18, 0.5, 1.0, 2.0 })
            {
                if (!LogCurves.IsLog(curve) && x > 1)
                {
                    continue;
                }

                Assert.True(Math.Abs(x - LogCurves.Decode(curve, LogCurves.Encode(curve, x))) < 1e-6, $"{curve} at {x}");
            }
        }
    }

    [Fact]
    public void Ohno_2013_and_planckian_vectors_match()
    {
        var count = 0;
        foreach (var (call, function, args, expected) in Vectors())
        {
            switch (function)
            {
                case "uv_to_CCT_Ohno2013":
                    var r = Cct.FromUv(args[0], args[1]);
                    Assert.True(Math.Abs(r.Cct - expected[0]) < 0.1, $"{call}: {r.Cct} K vs {expected[0]} K");
                    Assert.True(Math.Abs(r.Duv - expected[1]) < 1e-6, $"{call}: Duv {r.Duv} vs {expected[1]}");
                    count++;
                    break;
                case "XYZ_to_CCT_Ohno2013":
                    var x = Cct.FromXyz(new Vector3d(args[0], args[1], args[2]));
                    Assert.True(Math.Abs(x.Cct - expected[0]) < 0.1, $"{call}: {x.Cct} K vs {expected[0]} K");
                    Assert.True(Math.Abs(x.Duv - expected[1]) < 1e-6, $"{call}: Duv {x.Duv}");
                    count++;
                    break;
                case "CCT_to_uv_Ohno2013":
                    var (u, v) = Cct.ToUv(args[0], args[1]);
                    Assert.True(Math.Abs(u - expected[0]) < 1e-6 && Math.Abs(v - expected[1]) < 1e-6, $"{call}: ({u}, {v})");
                    count++;
                    break;
                case "CCT_to_uv_Planck1900":
                    var (pu, pv) = Cct.PlanckianUv(args[0]);
                    Assert.True(Math.Abs(pu - expected[0]) < 1e-7 && Math.Abs(pv - expected[1]) < 1e-7, $"{call}: ({pu}, {pv})");
                    count++;
                    break;
                case "CCT_to_xy_CIE_D":
                    var (dx, dy) = Cct.DaylightXy(args[0]);
                    Assert.True(Math.Abs(dx - expected[0]) < 1e-7 && Math.Abs(dy - expected[1]) < 1e-7, $"{call}: ({dx}, {dy})");
                    count++;
                    break;
                case "xy_to_CCT_McCamy1992":
                    Assert.Equal(expected[0], Cct.McCamy(args[0], args[1]), 4);
                    count++;
                    break;
                default:
                    break;
            }
        }

        output.WriteLine($"CCT vectors applied: {count}");
        Assert.True(count >= 15, $"only {count} CCT vectors applied");
    }

    [Fact]
    public void Cct_is_within_1_kelvin_over_2000_to_20000_K_on_and_off_the_locus()
    {
        var worst = 0.0;
        for (var t = 2000.0; t <= 20000; t *= 1.037)
        {
            foreach (var duv in new[] { -0.02, -0.005, 0, 0.001, 0.003, 0.01, 0.02 })
            {
                var (u, v) = Cct.ToUv(t, duv);
                var back = Cct.FromUv(u, v);
                worst = Math.Max(worst, Math.Abs(back.Cct - t));
                Assert.True(Math.Abs(back.Cct - t) < 1, $"{t:F0} K, Duv {duv}: got {back.Cct:F2} K");
                Assert.True(Math.Abs(back.Duv - duv) < 1e-5, $"{t:F0} K, Duv {duv}: got {back.Duv}");
            }
        }

        output.WriteLine($"worst CCT error 2000–20000 K, |Duv| ≤ 0.02: {worst:F3} K");
    }

    [Fact]
    public void Gamut_matrices_match_the_published_rows()
    {
        var awg3 = Gamuts.RgbToXyz(Gamut.Awg3);
        Assert.True(Math.Abs(0.638008 - awg3.M00) < 5e-6, "awg3.M00");
        Assert.True(Math.Abs(-0.115795 - awg3.M12) < 5e-6, "awg3.M12");
        var rec709 = Gamuts.RgbToXyz(Gamut.Rec709);
        Assert.True(Math.Abs(0.412391 - rec709.M00) < 5e-6, "rec709.M00");
        Assert.True(Math.Abs(0.715169 - rec709.M11) < 5e-6, "rec709.M11");
        var rwg = Gamuts.RgbToXyz(Gamut.RedWideGamutRgb);
        Assert.True(Math.Abs(1.516082 - rwg.M22) < 5e-6, "rwg.M22");
        var sg = Gamuts.RgbToXyz(Gamut.SGamut3Cine);
        Assert.True(Math.Abs(0.885069 - sg.M11) < 5e-6, "sg.M11");
        foreach (var g in Enum.GetValues<Gamut>())
        {
            var white = Gamuts.RgbToXyz(g) * new Vector3d(1, 1, 1);
            var (x, y) = Chromaticity.XyzToXy(white);
            Assert.Equal(0.3127, x, 6);
            Assert.Equal(0.3290, y, 6);
            Assert.Equal(1.0, white.Y, 9);
        }
    }

    [Fact]
    public void Chromatic_adaptation_maps_white_to_white_for_every_transform()
    {
        var a = Chromaticity.XyToXyz(0.44757, 0.40745);
        var d65 = Chromaticity.XyToXyz(0.3127, 0.3290);
        foreach (var t in Enum.GetValues<AdaptationTransform>())
        {
            var m = ChromaticAdaptation.Matrix(a, d65, t);
            var mapped = m * a;
            Assert.Equal(d65.X, mapped.X, 9);
            Assert.Equal(d65.Z, mapped.Z, 9);
        }

        // Bradford A→D65 as published by Lindbloom (rows rounded to 7 places).
        var bradford = ChromaticAdaptation.Matrix(new Vector3d(1.09850, 1, 0.35585), new Vector3d(0.95047, 1, 1.08883));
        Assert.Equal(0.8446965, bradford.M00, 4);
        Assert.Equal(-0.1179225, bradford.M01, 4);
        Assert.Equal(3.1924009, bradford.M22, 4);
    }

    [GeneratedRegex(@"^(\w+)\((.*)\)$")]
    private static partial Regex CallPattern();

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex NumberPattern();
}
