using InterPositive.Formats.Images;
using InterPositive.Lighting.Colour;

namespace InterPositive.Testing.Scenes;

/// <summary>Sets dominated by strongly coloured surfaces: the hard cases for telling the light's colour.</summary>
public enum HardSet
{
    /// <summary>Wood panelling and floor, a terracotta sofa, a face; a white lampshade and paper (about 6 %).</summary>
    WarmInterior,

    /// <summary>Teal and green walls, a blue door; a white sign and a grey console (about 7 %).</summary>
    BlueGreenSet,

    /// <summary>A chroma-green backdrop over most of the frame, a person in a white shirt in front (about 6 % white).</summary>
    GreenBackdrop,

    /// <summary>Wood and skin only, nothing neutral: the picture cannot tell warm surfaces from a warm light.</summary>
    WoodOnly,
}

/// <summary>
/// Renders sets from spectra: smooth reflectance curves for each surface × the lamp's spectrum (Planck's law) integrated
/// against the CIE 1931 observer (<see cref="Spectra"/>), relative to the white under the same lamp; then the camera's
/// white balance (Bradford, as <see cref="SceneRenderer"/>), gamut and curve. The light's true chromaticity is the
/// blackbody's; every surface's colour under it is what the spectra make it, not a chromatic-adaptation guess.
/// </summary>
public static class SpectralScenes
{
    /// <summary>Reflectance curves (0–1 against wavelength in nm), shaped after measured paints, woods and skin.</summary>
    public static class Reflectances
    {
        public static double White(double nm) => 0.86;

        public static double Grey(double nm) => 0.2;

        public static double DarkGrey(double nm) => 0.06;

        /// <summary>Oak-like wood: dark in the blue, rising through the orange.</summary>
        public static double Wood(double nm) => 0.05 + (0.42 * Sigmoid((nm - 590) / 28));

        /// <summary>Darker stained wood for the floor.</summary>
        public static double DarkWood(double nm) => 0.03 + (0.22 * Sigmoid((nm - 600) / 25));

        /// <summary>Skin: rising red, with the haemoglobin dips near 542 and 577 nm.</summary>
        public static double Skin(double nm) => 0.14 + (0.38 * Sigmoid((nm - 580) / 22)) - (0.04 * Gauss(nm, 542, 12)) - (0.05 * Gauss(nm, 577, 9));

        public static double Terracotta(double nm) => 0.05 + (0.5 * Sigmoid((nm - 605) / 18));

        public static double Teal(double nm) => 0.05 + (0.38 * Gauss(nm, 495, 38));

        public static double GreenPaint(double nm) => 0.04 + (0.3 * Gauss(nm, 530, 33));

        public static double Blue(double nm) => 0.05 + (0.4 * Gauss(nm, 455, 30));

        /// <summary>Chroma-key green.</summary>
        public static double ChromaGreen(double nm) => 0.03 + (0.5 * Gauss(nm, 525, 27));

        private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

        private static double Gauss(double x, double mean, double sigma) => Math.Exp(-0.5 * (x - mean) * (x - mean) / (sigma * sigma));
    }

    /// <summary>Renders <paramref name="set"/> lit by a blackbody at <paramref name="kelvin"/>.</summary>
    public static RenderedScene Render(HardSet set, double kelvin, double? cameraWhiteBalanceKelvin = null, LogCurve curve = LogCurve.LogC3, Gamut gamut = Gamut.Awg3, int width = 240, int height = 136, int seed = 7)
    {
        var d65 = (Gamuts.D65X, Gamuts.D65Y);
        var toRgb = Gamuts.XyzToRgb(gamut) * (cameraWhiteBalanceKelvin is { } wb ? ChromaticAdaptation.Matrix(Cct.PlanckianXy(wb), d65) : Matrix3.Identity);
        var colours = new Dictionary<Func<double, double>, Vector3d>();
        Vector3d Colour(Func<double, double> reflectance)
        {
            if (!colours.TryGetValue(reflectance, out var xyz))
            {
                xyz = Spectra.UnderBlackbody(reflectance, kelvin);
                colours[reflectance] = xyz;
            }

            return xyz;
        }

        var image = new RasterImage(width, height, 3, 16);
        var random = new Random(seed);
        var grain = Enumerable.Range(0, width * height).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
        double logSum = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var u = (x + 0.5) / width;
                var v = (y + 0.5) / height;
                var surface = Surface(set, u, v);
                // Light falls off across the set, with a little texture: shading, not colour, varies within a surface.
                var light = 1.1 * (0.55 + (0.45 * (1 - u))) * (1 - (0.25 * v)) * (1 + (0.05 * grain[(y * width) + x]));
                var xyz = Colour(surface) * light;
                logSum += Math.Log2(Math.Max(xyz.Y, 1e-6) / 0.18);
                var rgb = toRgb * xyz;
                var o = ((y * width) + x) * 3;
                image.Samples[o] = Code(curve, rgb.X);
                image.Samples[o + 1] = Code(curve, rgb.Y);
                image.Samples[o + 2] = Code(curve, rgb.Z);
            }
        }

        return new RenderedScene(image, logSum / (width * height), Cct.PlanckianXy(kelvin), null);
    }

    /// <summary>Which surface is at (u, v) of the frame (0–1 across, 0–1 down).</summary>
    public static Func<double, double> Surface(HardSet set, double u, double v) => set switch
    {
        HardSet.WarmInterior => v > 0.78 ? Reflectances.DarkWood
            : u > 0.12 && u < 0.2 && v > 0.15 && v < 0.35 ? Reflectances.White
            : u > 0.45 && u < 0.62 && v > 0.2 && v < 0.55 ? Reflectances.Skin
            : u > 0.7 && u < 0.82 && v > 0.62 && v < 0.78 ? Reflectances.White
            : u > 0.05 && u < 0.95 && v > 0.55 ? Reflectances.Terracotta
            : Reflectances.Wood,
        HardSet.BlueGreenSet => u > 0.7 && u < 0.9 && v > 0.1 && v < 0.25 ? Reflectances.White
            : u > 0.08 && u < 0.3 && v > 0.78 ? Reflectances.Grey
            : u > 0.4 && u < 0.6 && v > 0.2 ? Reflectances.Blue
            : u < 0.5 ? Reflectances.Teal
            : Reflectances.GreenPaint,
        HardSet.GreenBackdrop => u > 0.42 && u < 0.58 && v > 0.35 && v < 0.7 ? Reflectances.White
            : u > 0.46 && u < 0.54 && v > 0.15 && v <= 0.35 ? Reflectances.Skin
            : u > 0.43 && u < 0.57 && v >= 0.7 ? Reflectances.DarkGrey
            : Reflectances.ChromaGreen,
        _ => v > 0.7 ? Reflectances.DarkWood
            : u > 0.4 && u < 0.6 && v > 0.2 ? Reflectances.Skin
            : Reflectances.Wood,
    };

    private static ushort Code(LogCurve curve, double linear) => (ushort)Math.Clamp(Math.Round(LogCurves.Encode(curve, linear) * 65535), 0, 65535);
}
