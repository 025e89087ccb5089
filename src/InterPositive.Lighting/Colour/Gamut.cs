namespace InterPositive.Lighting.Colour;

/// <summary>The camera and display gamuts we decode (all D65-white RGB spaces).</summary>
public enum Gamut
{
    Awg3,
    Awg4,
    SGamut3Cine,
    RedWideGamutRgb,
    Rec709,
    Rec2020,
}

/// <summary>Primaries, white and the RGB↔XYZ matrices of each <see cref="Gamut"/>, derived from the primaries (SMPTE RP 177).</summary>
public static class Gamuts
{
    public const double D65X = 0.3127;
    public const double D65Y = 0.3290;

    private static readonly Dictionary<Gamut, (Matrix3 ToXyz, Matrix3 FromXyz)> Matrices = Enum.GetValues<Gamut>()
        .ToDictionary(g => g, g =>
        {
            var m = Npm(Primaries(g));
            return (m, m.Inverse());
        });

    /// <summary>The command-line names, as <c>--gamut</c> takes them.</summary>
    public static string Name(Gamut gamut) => gamut switch
    {
        Gamut.Awg3 => "awg3",
        Gamut.Awg4 => "awg4",
        Gamut.SGamut3Cine => "sgamut3cine",
        Gamut.RedWideGamutRgb => "rwg",
        Gamut.Rec709 => "rec709",
        _ => "rec2020",
    };

    /// <summary>
    /// A gamut by its command-line name or a common alias (ALEXA Wide Gamut 3, S-Gamut3, BT.709, sRGB, …); case,
    /// spaces, dots, dashes and underscores are ignored.
    /// </summary>
    public static bool TryParse(string? name, out Gamut gamut)
    {
        var key = name is null ? "" : new string(name.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        Gamut? found = key switch
        {
            "awg3" or "awg" or "alexawidegamut3" or "arriwidegamut3" => Gamut.Awg3,
            "awg4" or "alexawidegamut4" or "arriwidegamut4" => Gamut.Awg4,
            "sgamut3cine" or "sgamut3" => Gamut.SGamut3Cine,
            "rwg" or "redwidegamutrgb" or "redwidegamut" => Gamut.RedWideGamutRgb,
            "rec709" or "bt709" or "srgb" => Gamut.Rec709,
            "rec2020" or "bt2020" => Gamut.Rec2020,
            _ => null,
        };
        gamut = found ?? Gamut.Rec709;
        return found is not null;
    }

    /// <summary><see cref="TryParse"/>, throwing with the known names when the name is not one.</summary>
    public static Gamut Parse(string name) => TryParse(name, out var gamut)
        ? gamut
        : throw new ArgumentException($"unknown gamut '{name}' (known: {string.Join(", ", Enum.GetValues<Gamut>().Select(Name))})", nameof(name));

    /// <summary>Luminance weights: the Y row of RGB→XYZ.</summary>
    public static Vector3d Luma(Gamut gamut) => RgbToXyz(gamut).Row(1);

    /// <summary>R, G, B chromaticities (xy) as published by the manufacturer or ITU.</summary>
    public static (double x, double y)[] Primaries(Gamut gamut) => gamut switch
    {
        Gamut.Awg3 => [(0.6840, 0.3130), (0.2210, 0.8480), (0.0861, -0.1020)],
        Gamut.Awg4 => [(0.7347, 0.2653), (0.1424, 0.8576), (0.0991, -0.0308)],
        Gamut.SGamut3Cine => [(0.766, 0.275), (0.225, 0.800), (0.089, -0.087)],
        Gamut.RedWideGamutRgb => [(0.780308, 0.304253), (0.121595, 1.493994), (0.095612, -0.084589)],
        Gamut.Rec709 => [(0.64, 0.33), (0.30, 0.60), (0.15, 0.06)],
        _ => [(0.708, 0.292), (0.170, 0.797), (0.131, 0.046)],
    };

    public static Matrix3 RgbToXyz(Gamut gamut) => Matrices[gamut].ToXyz;

    public static Matrix3 XyzToRgb(Gamut gamut) => Matrices[gamut].FromXyz;

    /// <summary>The inverse of an RGB→XYZ matrix (cached for the known gamuts).</summary>
    public static Matrix3 XyzToRgbFrom(Matrix3 rgbToXyz)
    {
        foreach (var (_, pair) in Matrices)
        {
            if (pair.ToXyz == rgbToXyz)
            {
                return pair.FromXyz;
            }
        }

        return rgbToXyz.Inverse();
    }

    /// <summary>RGB in one gamut to RGB in another (same D65 white, so no adaptation).</summary>
    public static Matrix3 Convert(Gamut from, Gamut to) => XyzToRgb(to) * RgbToXyz(from);

    /// <summary>Normalised primary matrix from three primaries and the D65 white.</summary>
    private static Matrix3 Npm((double x, double y)[] p)
    {
        var primaries = new Matrix3(
            p[0].x / p[0].y, p[1].x / p[1].y, p[2].x / p[2].y,
            1, 1, 1,
            (1 - p[0].x - p[0].y) / p[0].y, (1 - p[1].x - p[1].y) / p[1].y, (1 - p[2].x - p[2].y) / p[2].y);
        var white = Chromaticity.XyToXyz(D65X, D65Y);
        var s = primaries.Inverse() * white;
        return primaries * Matrix3.Diagonal(s);
    }
}
