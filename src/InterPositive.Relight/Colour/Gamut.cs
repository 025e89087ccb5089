namespace InterPositive.Relight.Colour;

/// <summary>
/// A camera or display gamut by its RGB→XYZ matrix (all D65-white; values from the ../shared/specs colour table).
/// Interim copy for the relight graph until InterPositive.Lighting's gamut table lands; the lead folds them.
/// </summary>
public sealed record Gamut(string Name, Matrix3 ToXyz)
{
    public static readonly Gamut AlexaWideGamut3 = new("awg3", new(0.638008, 0.214704, 0.097744, 0.291954, 0.823841, -0.115795, 0.002798, -0.067034, 1.153294));
    public static readonly Gamut AlexaWideGamut4 = new("awg4", new(0.704858, 0.129760, 0.115837, 0.254524, 0.781478, -0.036002, 0, 0, 1.089058));
    public static readonly Gamut SGamut3Cine = new("sgamut3cine", new(0.599084, 0.248926, 0.102446, 0.215076, 0.885069, -0.100144, -0.032066, -0.027658, 1.148782));
    public static readonly Gamut RedWideGamutRgb = new("rwg", new(0.735275, 0.068609, 0.146571, 0.286694, 0.842979, -0.129673, -0.079681, -0.347343, 1.516082));
    public static readonly Gamut Rec709 = new("rec709", new(0.412391, 0.357584, 0.180481, 0.212639, 0.715169, 0.072192, 0.019331, 0.119195, 0.950532));
    public static readonly Gamut Rec2020 = new("rec2020", new(0.636958, 0.144617, 0.168881, 0.262700, 0.677998, 0.059302, 0, 0.028073, 1.060985));

    public static IReadOnlyList<Gamut> All { get; } = [AlexaWideGamut3, AlexaWideGamut4, SGamut3Cine, RedWideGamutRgb, Rec709, Rec2020];

    public Matrix3 FromXyz => ToXyz.Inverse();

    /// <summary>Luminance weights: the Y row of RGB→XYZ.</summary>
    public (double R, double G, double B) Luma => (ToXyz.M10, ToXyz.M11, ToXyz.M12);

    /// <summary>This gamut's RGB to another D65 gamut's RGB.</summary>
    public Matrix3 To(Gamut target) => target.FromXyz * ToXyz;

    public static Gamut Parse(string name)
    {
        var key = name.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        return key switch
        {
            "awg3" or "alexawidegamut3" or "arriwidegamut3" or "awg" => AlexaWideGamut3,
            "awg4" or "alexawidegamut4" or "arriwidegamut4" => AlexaWideGamut4,
            "sgamut3cine" or "sgamut3" => SGamut3Cine,
            "rwg" or "redwidegamutrgb" or "redwidegamut" => RedWideGamutRgb,
            "rec709" or "bt709" or "srgb" => Rec709,
            "rec2020" or "bt2020" => Rec2020,
            _ => throw new ArgumentException($"unknown gamut '{name}' (known: {string.Join(", ", All.Select(g => g.Name))})", nameof(name)),
        };
    }
}
