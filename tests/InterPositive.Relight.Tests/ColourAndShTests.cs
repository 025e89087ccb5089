using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;
using InterPositive.Testing.Relight;

namespace InterPositive.Relight.Tests;

[Trait("Category", "Unit")]
public sealed class ColourAndShTests
{
    [Theory]
    [InlineData("logc3", 0.391007)]
    [InlineData("logc4", 0.278396)]
    [InlineData("slog3", 0.410557)]
    [InlineData("log3g10", 0.333333)]
    [InlineData("vlog", 0.423311)]
    [InlineData("bmdfilmgen5", 0.383562)]
    public void Mid_grey_lands_on_the_published_code_value(string name, double grey)
    {
        var curve = TransferCurve.Parse(name);
        Assert.Equal(grey, curve.Encode(0.18), 5e-5);
        Assert.Equal(0.18, curve.Decode(grey), 5e-5);
    }

    [Fact]
    public void Curves_invert_across_their_range()
    {
        foreach (var curve in TransferCurve.All)
        {
            foreach (var x in new[] { -0.005, 0.0, 0.001, 0.01, 0.05, 0.18, 0.9, 4.0, 20.0 })
            {
                if (curve is PowerTransfer && x < 0)
                {
                    continue;
                }

                Assert.Equal(x, curve.Decode(curve.Encode(x)), 1e-6 * Math.Max(1, Math.Abs(x)) * 10);
            }
        }
    }

    [Fact]
    public void Unknown_names_are_refused_with_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => TransferCurve.Parse("logc9"));
        Assert.Contains("logc3", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Gamuts.Parse("p3"));
        Assert.Equal(Gamut.Awg3, Gamuts.Parse("AWG3"));
    }

    [Fact]
    public void Planckian_locus_matches_published_chromaticities()
    {
        // CIE 1960 uv of a 6500 K blackbody (xy 0.3135, 0.3236) and of illuminant A (2856 K, xy 0.44757, 0.40745).
        var (u65, v65) = LampAdaptation.PlanckianUv(6500);
        Assert.Equal(0.2004, u65, 3e-4);
        Assert.Equal(0.3104, v65, 3e-4);
        var (ua, va) = LampAdaptation.PlanckianUv(2856);
        Assert.Equal(0.2560, ua, 3e-4);
        Assert.Equal(0.3495, va, 3e-4);
        // Positive Duv lies above the locus (larger v); +tint is magenta, below.
        Assert.True(LampAdaptation.PlanckianUv(5000, 0.01).V > LampAdaptation.PlanckianUv(5000).V);
        var magenta = LampAdaptation.LampWhite(5000, 10);
        var plain = LampAdaptation.LampWhite(5000);
        static double V(Vector3d c) => 6 * c.Y / (c.X + (15 * c.Y) + (3 * c.Z));
        static double U(Vector3d c) => 4 * c.X / (c.X + (15 * c.Y) + (3 * c.Z));
        Assert.True(V(magenta) < V(plain));
        Assert.Equal(0.01, Math.Sqrt(Math.Pow(U(magenta) - U(plain), 2) + Math.Pow(V(magenta) - V(plain), 2)), 1e-6);
        Assert.Throws<ArgumentOutOfRangeException>(() => LampAdaptation.PlanckianUv(500));
    }

    [Fact]
    public void Adaptation_maps_source_white_to_target_white()
    {
        var source = LampAdaptation.LampWhite(5600);
        var target = LampAdaptation.LampWhite(3200, 5);
        foreach (var method in new[] { AdaptationTransform.Cat16, AdaptationTransform.Bradford })
        {
            var m = ChromaticAdaptation.Matrix(source, target, method);
            var mapped = m * source;
            Assert.Equal(target.X, mapped.X, 1e-9);
            Assert.Equal(target.Y, mapped.Y, 1e-9);
            Assert.Equal(target.Z, mapped.Z, 1e-9);
        }

        var inverse = Gamuts.RgbToXyz(Gamut.Awg3) * Gamuts.XyzToRgb(Gamut.Awg3);
        Assert.Equal(1, inverse.M00, 1e-12);
        Assert.Equal(0, inverse.M01, 1e-12);
    }

    [Fact]
    public void Sh_irradiance_matches_Ramamoorthi_closed_form()
    {
        var random = new Random(1);
        var coefficients = Enumerable.Range(0, 27).Select(_ => random.NextDouble() - 0.3).ToArray();
        var lighting = new ShLighting(coefficients);
        for (var i = 0; i < 200; i++)
        {
            double x = random.NextDouble() - 0.5, y = random.NextDouble() - 0.5, z = random.NextDouble() - 0.5;
            var n = Math.Sqrt((x * x) + (y * y) + (z * z));
            (x, y, z) = (x / n, y / n, z / n);
            for (var c = 0; c < 3; c++)
            {
                Assert.Equal(RelightScene.Irradiance(coefficients, c, x, y, z), lighting.Irradiance(c, x, y, z), 2e-5);
            }
        }
    }

    [Fact]
    public void Sh_fit_recovers_the_lighting_of_a_rendered_scene()
    {
        var scene = RelightScene.Spheres(128, 96);
        var truth = RelightScene.KeyAndFill();
        // Albedo-free render (albedo 1) so the fit sees pure irradiance.
        var pixels = scene.Pixels;
        var image = new float[3 * pixels];
        for (var p = 0; p < pixels; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                image[(c * pixels) + p] = (float)RelightScene.Irradiance(truth, c, scene.Normals[p], scene.Normals[pixels + p], scene.Normals[(2 * pixels) + p]);
            }
        }

        var fitted = ShLighting.Fit(image, scene.Normals, pixels);
        for (var p = 0; p < pixels; p += 37)
        {
            Assert.Equal(image[p], fitted.Irradiance(0, scene.Normals[p], scene.Normals[pixels + p], scene.Normals[(2 * pixels) + p]), 1e-3);
        }
    }

    [Fact]
    public void A_key_change_moves_the_surface_facing_it_by_its_stops()
    {
        var lighting = new ShLighting(RelightScene.KeyAndFill());
        foreach (var (az, el, stops) in new[] { (45.0, 20.0, 1.0), (-90.0, 0.0, -1.0), (0.0, 60.0, 2.0) })
        {
            var changed = lighting.WithKey(az, el, stops);
            var (x, y, z) = ShLighting.Direction(az, el);
            for (var c = 0; c < 3; c++)
            {
                Assert.Equal(Math.Pow(2, stops), changed.Irradiance(c, x, y, z) / lighting.Irradiance(c, x, y, z), 1e-9);
            }
        }

        var front = ShLighting.Direction(0, 0);
        Assert.Equal((0.0, 0.0, 1.0), (Math.Round(front.X, 12), Math.Round(front.Y, 12), Math.Round(front.Z, 12)));
        Assert.True(ShLighting.Direction(90, 0).X > 0.999);
    }

    [Theory]
    [InlineData("45,20,1", 45, 20, 1)]
    [InlineData("-90, 0, -1.5", -90, 0, -1.5)]
    public void Key_option_parses(string text, double az, double el, double stops) =>
        Assert.Equal(new KeyChange(az, el, stops), KeyChange.Parse(text));

    [Theory]
    [InlineData("45,20")]
    [InlineData("a,b,c")]
    [InlineData("200,0,1")]
    [InlineData("0,0,9")]
    public void Bad_key_options_are_refused(string text) => Assert.Throws<ArgumentException>(() => KeyChange.Parse(text));

    [Fact]
    public void Settings_refuse_impossible_values()
    {
        Assert.Throws<ArgumentException>(() => new RelightSettings { LampKelvin = 500 }.Validate());
        Assert.Throws<ArgumentException>(() => new RelightSettings { ExposureStops = 20 }.Validate());
        Assert.Throws<ArgumentException>(() => new RelightSettings { Output = OutputKind.Log }.Validate());
        Assert.Throws<ArgumentException>(() => new RelightSettings { Cdl = new CdlValues([1, 1, 1], [0, 0, 0], [0, 1, 1], 1) }.Validate());
        Assert.Equal(Matrix3.Identity, new RelightSettings().AdaptationMatrix());
    }
}
