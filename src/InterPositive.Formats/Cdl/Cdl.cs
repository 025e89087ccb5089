using System.Globalization;

namespace InterPositive.Formats.Cdl;

/// <summary>Three per-channel values (red, green, blue) of an ASC CDL SOP node.</summary>
public readonly record struct CdlTriple(double R, double G, double B)
{
    public static CdlTriple One { get; } = new(1, 1, 1);

    public static CdlTriple Zero { get; } = new(0, 0, 0);

    public double this[int channel] => channel switch
    {
        0 => R,
        1 => G,
        2 => B,
        _ => throw new ArgumentOutOfRangeException(nameof(channel)),
    };
}

/// <summary>How out-of-range values are treated (OCIO's CDL styles).</summary>
public enum CdlStyle
{
    /// <summary>ASC CDL v1.2: clamp to [0,1] before the power and after saturation.</summary>
    AscV12,

    /// <summary>No clamping: negatives pass through the power unchanged (scene-linear friendly).</summary>
    NoClamp,
}

/// <summary>
/// One ASC CDL colour correction: out = (in × slope + offset) ^ power, then saturation about Rec. 709 luma.
/// </summary>
/// <param name="Id">The correction's id (<c>ColorCorrection@id</c>), when it has one.</param>
/// <param name="Slope">Per-channel multiplier.</param>
/// <param name="Offset">Per-channel addition after the slope.</param>
/// <param name="Power">Per-channel exponent after the offset.</param>
/// <param name="Saturation">Saturation about Rec. 709 luma (1 = unchanged).</param>
public sealed record Cdl(string? Id, CdlTriple Slope, CdlTriple Offset, CdlTriple Power, double Saturation)
{
    /// <summary>Rec. 709 luma weights the ASC CDL uses for saturation.</summary>
    public const double LumaR = 0.2126;
    public const double LumaG = 0.7152;
    public const double LumaB = 0.0722;

    public static Cdl Identity { get; } = new(null, CdlTriple.One, CdlTriple.Zero, CdlTriple.One, 1);

    /// <summary>Free-text description of the correction, when the file carries one.</summary>
    public string? Description { get; init; }

    /// <summary>The media a <c>.cdl</c> ColorDecision applies this correction to (<c>MediaRef@ref</c>).</summary>
    public string? MediaRef { get; init; }

    public bool IsIdentity => Slope == CdlTriple.One && Offset == CdlTriple.Zero && Power == CdlTriple.One && Saturation == 1;

    /// <summary>Applies the correction to one RGB triple.</summary>
    public (double R, double G, double B) Apply(double r, double g, double b, CdlStyle style = CdlStyle.AscV12)
    {
        var clamp = style == CdlStyle.AscV12;
        r = Sop(r, Slope.R, Offset.R, Power.R, clamp);
        g = Sop(g, Slope.G, Offset.G, Power.G, clamp);
        b = Sop(b, Slope.B, Offset.B, Power.B, clamp);
        var luma = (LumaR * r) + (LumaG * g) + (LumaB * b);
        r = luma + (Saturation * (r - luma));
        g = luma + (Saturation * (g - luma));
        b = luma + (Saturation * (b - luma));
        if (clamp)
        {
            r = Math.Clamp(r, 0, 1);
            g = Math.Clamp(g, 0, 1);
            b = Math.Clamp(b, 0, 1);
        }

        return (r, g, b);
    }

    /// <summary>Applies the correction in place to interleaved RGB floats (length a multiple of 3).</summary>
    public void Apply(Span<float> rgb, CdlStyle style = CdlStyle.AscV12)
    {
        if (rgb.Length % 3 != 0)
        {
            throw new ArgumentException("interleaved RGB needs a multiple of three values", nameof(rgb));
        }

        for (var i = 0; i < rgb.Length; i += 3)
        {
            var (r, g, b) = Apply(rgb[i], rgb[i + 1], rgb[i + 2], style);
            rgb[i] = (float)r;
            rgb[i + 1] = (float)g;
            rgb[i + 2] = (float)b;
        }
    }

    /// <summary>ALE/EDL <c>ASC_SOP</c> value: <c>(s s s)(o o o)(p p p)</c>, six to twelve decimals.</summary>
    public string ToAscSop() => string.Create(CultureInfo.InvariantCulture, $"({F(Slope.R)} {F(Slope.G)} {F(Slope.B)})({F(Offset.R)} {F(Offset.G)} {F(Offset.B)})({F(Power.R)} {F(Power.G)} {F(Power.B)})");

    /// <summary>ALE/EDL <c>ASC_SAT</c> value, six to twelve decimals.</summary>
    public string ToAscSat() => F(Saturation);

    /// <summary>Reads ALE/EDL <c>ASC_SOP</c> and <c>ASC_SAT</c> values into a correction.</summary>
    public static Cdl FromAsc(string sop, string? sat, string? id = null)
    {
        var numbers = new List<double>(9);
        foreach (var part in sop.Split(['(', ')', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            {
                throw new MalformedInputException($"'{part}' is not a number", field: "ASC_SOP");
            }

            numbers.Add(v);
        }

        if (numbers.Count != 9)
        {
            throw new MalformedInputException(FormattableString.Invariant($"expected 9 numbers, found {numbers.Count}"), field: "ASC_SOP");
        }

        var saturation = 1.0;
        if (!string.IsNullOrWhiteSpace(sat)
            && (!double.TryParse(sat.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out saturation) || !double.IsFinite(saturation)))
        {
            throw new MalformedInputException($"'{sat}' is not a number", field: "ASC_SAT");
        }

        return new Cdl(
            id,
            new CdlTriple(numbers[0], numbers[1], numbers[2]),
            new CdlTriple(numbers[3], numbers[4], numbers[5]),
            new CdlTriple(numbers[6], numbers[7], numbers[8]),
            saturation);
    }

    private static double Sop(double value, double slope, double offset, double power, bool clamp)
    {
        var v = (value * slope) + offset;
        if (clamp)
        {
            v = Math.Clamp(v, 0, 1);
            return Math.Pow(v, power);
        }

        // No-clamp style: the power applies to non-negative values only; negatives pass through.
        return v < 0 ? v : Math.Pow(v, power);
    }

    // At least six decimals (a slope of 0.00001 must not arrive as 0), always with a point: readers such as
    // OpenTimelineIO's ALE adapter take only numbers written with a decimal point.
    private static string F(double value) => value.ToString("0.000000######", CultureInfo.InvariantCulture);
}
