using InterPositive.Formats.Images;
using InterPositive.Lighting.Colour;

namespace InterPositive.Testing.Scenes;

/// <summary>What lights a synthetic scene.</summary>
/// <param name="Kelvin">Colour temperature.</param>
/// <param name="Daylight">CIE daylight (D-series) chromaticity instead of a blackbody (4000 K and up).</param>
public sealed record SceneIlluminant(double Kelvin, bool Daylight = false)
{
    public (double x, double y) Chromaticity => Daylight ? Cct.DaylightXy(Kelvin) : Cct.PlanckianXy(Kelvin);

    public override string ToString() => FormattableString.Invariant($"{(Daylight ? "D" : "BB")} {Kelvin:0} K");
}

/// <summary>The layouts the renderer draws.</summary>
public enum SceneLayout
{
    /// <summary>A 6×4 chart of ColorChecker-like patches (neutrals and colours) with texture, filling the frame.</summary>
    Chart,

    /// <summary>Saturated surfaces over most of the frame, a small neutral card: the hard case for colour constancy.</summary>
    ColouredSet,

    /// <summary>A matte grey sphere on a dark backdrop, lit by a key and a uniform fill.</summary>
    Sphere,
}

/// <summary>A scene to render, and how the camera recorded it.</summary>
public sealed record SceneSpec
{
    public int Width { get; init; } = 480;

    public int Height { get; init; } = 270;

    public SceneLayout Layout { get; init; } = SceneLayout.Chart;

    public SceneIlluminant Illuminant { get; init; } = new(5600, Daylight: true);

    /// <summary>Scene-linear gain in stops applied to every surface (exposure of the shot).</summary>
    public double ExposureStops { get; init; }

    public LogCurve Curve { get; init; } = LogCurve.LogC3;

    public Gamut Gamut { get; init; } = Gamut.Awg3;

    public int BitDepth { get; init; } = 16;

    /// <summary>The white balance the camera applied (null: none, the picture keeps the light's colour).</summary>
    public double? CameraWhiteBalanceKelvin { get; init; }

    /// <summary>Key direction for the sphere: azimuth from camera right, elevation towards the camera, in degrees.</summary>
    public double KeyAzimuthDeg { get; init; } = 30;

    public double KeyElevationDeg { get; init; } = 30;

    /// <summary>Fill level as a fraction of the key (uniform light from all directions).</summary>
    public double FillRatio { get; init; } = 0.25;

    /// <summary>Relative amplitude of surface texture.</summary>
    public double Texture { get; init; } = 0.08;

    public int Seed { get; init; } = 7;
}

/// <summary>A rendered frame with the truth the tests compare against.</summary>
/// <param name="Image">Code values as a camera would record them.</param>
/// <param name="TrueAverageStops">Log-average scene luminance vs 18 % grey, computed from the scene model.</param>
/// <param name="LightXy">Chromaticity of the light.</param>
/// <param name="Normals">For the sphere: per-pixel unit normals (x, y, z), zero where there is no sphere.</param>
public sealed record RenderedScene(RasterImage Image, double TrueAverageStops, (double x, double y) LightXy, float[]? Normals);

/// <summary>
/// Renders test scenes for the lighting analysis: surfaces with known reflectance lit by blackbody or CIE daylight
/// illuminants (the surface colours are carried to the illuminant with a Bradford CAT from their D65 values), optionally
/// white-balanced by the camera, converted to a camera gamut and encoded through a camera curve to integer code values.
/// </summary>
public static class SceneRenderer
{
    /// <summary>sRGB 8-bit values of the 24 ColorChecker patches (the de-facto reference set), row by row.</summary>
    private static readonly (int R, int G, int B)[] Checker =
    [
        (115, 82, 68), (194, 150, 130), (98, 122, 157), (87, 108, 67), (133, 128, 177), (103, 189, 170),
        (214, 126, 44), (80, 91, 166), (193, 90, 99), (94, 60, 108), (157, 188, 64), (224, 163, 46),
        (56, 61, 150), (70, 148, 73), (175, 54, 60), (231, 199, 31), (187, 86, 149), (8, 133, 161),
        (243, 243, 242), (200, 200, 200), (160, 160, 160), (122, 122, 121), (85, 85, 85), (52, 52, 52),
    ];

    public static RenderedScene Render(SceneSpec spec)
    {
        var d65 = (Gamuts.D65X, Gamuts.D65Y);
        var light = spec.Illuminant.Chromaticity;
        var toLight = ChromaticAdaptation.Matrix(d65, light);
        var camera = Matrix3.Identity;
        if (spec.CameraWhiteBalanceKelvin is { } wb)
        {
            camera = ChromaticAdaptation.Matrix(Cct.PlanckianXy(wb), d65);
        }

        var toRgb = Gamuts.XyzToRgb(spec.Gamut) * camera;
        var fromSrgb = Gamuts.RgbToXyz(Gamut.Rec709);
        var gain = Math.Pow(2, spec.ExposureStops);
        var image = new RasterImage(spec.Width, spec.Height, 3, spec.BitDepth);
        var max = image.MaxCode;
        var random = new Random(spec.Seed);
        var noise = ValueNoise(spec.Width, spec.Height, random);
        float[]? normals = spec.Layout == SceneLayout.Sphere ? new float[spec.Width * spec.Height * 3] : null;
        double logSum = 0;
        var keyDir = Direction(spec.KeyAzimuthDeg, spec.KeyElevationDeg);
        var lightWhite = Chromaticity.XyToXyz(light.x, light.y);

        for (var y = 0; y < spec.Height; y++)
        {
            for (var x = 0; x < spec.Width; x++)
            {
                Vector3d reflectanceXyz;
                double shading = 1;
                switch (spec.Layout)
                {
                    case SceneLayout.Chart:
                        {
                            var patch = y * 4 / spec.Height * 6 + x * 6 / spec.Width;
                            reflectanceXyz = fromSrgb * Linear(Checker[patch]);
                            break;
                        }

                    case SceneLayout.ColouredSet:
                        {
                            // Three saturated walls; a neutral card and a white card in one corner (about 8 % of the frame).
                            var card = x > spec.Width * 3 / 4 && y > spec.Height * 3 / 4;
                            var wall = x * 3 / spec.Width;
                            reflectanceXyz = fromSrgb * Linear(card
                                ? (x > spec.Width * 7 / 8 ? Checker[18] : Checker[20])
                                : wall switch { 0 => Checker[6], 1 => Checker[14], _ => Checker[13] });
                            break;
                        }

                    default:
                        {
                            var cx = (x + 0.5 - spec.Width / 2.0) / (spec.Height * 0.42);
                            var cy = -(y + 0.5 - spec.Height / 2.0) / (spec.Height * 0.42);
                            var rr = cx * cx + cy * cy;
                            if (rr < 1)
                            {
                                var n = new Vector3d(cx, cy, Math.Sqrt(1 - rr));
                                var i = (y * spec.Width + x) * 3;
                                normals![i] = (float)n.X;
                                normals[i + 1] = (float)n.Y;
                                normals[i + 2] = (float)n.Z;
                                shading = (Math.Max(0, n.Dot(keyDir)) + spec.FillRatio) / (1 + spec.FillRatio) * 2.5;
                                reflectanceXyz = fromSrgb * Linear(Checker[20]);
                            }
                            else
                            {
                                reflectanceXyz = fromSrgb * Linear(Checker[23]) * 0.25;
                            }

                            break;
                        }
                }

                var texture = 1 + spec.Texture * noise[y * spec.Width + x];
                var scene = toLight * reflectanceXyz * (shading * texture * gain);
                // Luminance relative to the light's white: what a meter reads, whatever the light's colour.
                var luminance = scene.Y;
                logSum += Math.Log2(Math.Max(luminance, 1e-6) / 0.18);
                var rgb = toRgb * (scene * (1 / lightWhite.Y));
                var o = (y * spec.Width + x) * 3;
                image.Samples[o] = Code(spec.Curve, rgb.X, max);
                image.Samples[o + 1] = Code(spec.Curve, rgb.Y, max);
                image.Samples[o + 2] = Code(spec.Curve, rgb.Z, max);
            }
        }

        return new RenderedScene(image, logSum / (spec.Width * spec.Height), light, normals);
    }

    private static ushort Code(LogCurve curve, double linear, int max)
    {
        var code = LogCurves.Encode(curve, linear);
        return (ushort)Math.Clamp(Math.Round(code * max), 0, max);
    }

    private static Vector3d Linear((int R, int G, int B) srgb) => new(
        LogCurves.Decode(LogCurve.Srgb, srgb.R / 255.0),
        LogCurves.Decode(LogCurve.Srgb, srgb.G / 255.0),
        LogCurves.Decode(LogCurve.Srgb, srgb.B / 255.0));

    private static Vector3d Direction(double azimuthDeg, double elevationDeg)
    {
        var a = azimuthDeg * Math.PI / 180;
        var e = elevationDeg * Math.PI / 180;
        return new Vector3d(Math.Cos(e) * Math.Cos(a), Math.Cos(e) * Math.Sin(a), Math.Sin(e));
    }

    /// <summary>Smooth texture in [−1, 1]: bilinear value noise on an 8-pixel lattice plus fine grain.</summary>
    private static float[] ValueNoise(int width, int height, Random random)
    {
        const int cell = 8;
        var lw = width / cell + 2;
        var lh = height / cell + 2;
        var lattice = new double[lw * lh];
        for (var i = 0; i < lattice.Length; i++)
        {
            lattice[i] = random.NextDouble() * 2 - 1;
        }

        var result = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            var ly = y / cell;
            var fy = (y % cell) / (double)cell;
            for (var x = 0; x < width; x++)
            {
                var lx = x / cell;
                var fx = (x % cell) / (double)cell;
                var a = lattice[ly * lw + lx] * (1 - fx) + lattice[ly * lw + lx + 1] * fx;
                var b = lattice[(ly + 1) * lw + lx] * (1 - fx) + lattice[(ly + 1) * lw + lx + 1] * fx;
                result[y * width + x] = (float)(0.8 * (a * (1 - fy) + b * fy) + 0.2 * (random.NextDouble() * 2 - 1));
            }
        }

        return result;
    }
}
