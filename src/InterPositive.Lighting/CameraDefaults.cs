using InterPositive.Lighting.Colour;

namespace InterPositive.Lighting;

/// <summary>
/// The curve and gamut a camera records by default, from its make/model or from what clip metadata names (a gamma or
/// colour-space string such as "LogC4", "S-Log3/S-Gamut3.Cine", "Log3G10 / REDWideGamutRGB"). Explicit names win over
/// the camera's defaults; null when nothing is recognised.
/// </summary>
public static class CameraDefaults
{
    public static (LogCurve Curve, Gamut Gamut)? Lookup(string? make, string? model = null, string? gammaOrColourSpace = null)
    {
        var named = FromNames(gammaOrColourSpace);
        var fromCamera = FromCamera(make, model);
        if (named is { } n)
        {
            return (n.Curve ?? fromCamera?.Curve ?? LogCurve.Linear, n.Gamut ?? fromCamera?.Gamut ?? DefaultGamut(n.Curve));
        }

        return fromCamera;
    }

    private static Gamut DefaultGamut(LogCurve? curve) => curve switch
    {
        LogCurve.LogC3 => Gamut.Awg3,
        LogCurve.LogC4 => Gamut.Awg4,
        LogCurve.SLog3 => Gamut.SGamut3Cine,
        LogCurve.Log3G10 => Gamut.RedWideGamutRgb,
        LogCurve.Bt1886 or LogCurve.Bt709 or LogCurve.Srgb => Gamut.Rec709,
        _ => Gamut.Rec2020,
    };

    private static (LogCurve? Curve, Gamut? Gamut)? FromNames(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var t = new string(text.Where(char.IsLetterOrDigit).ToArray()).ToUpperInvariant();
        LogCurve? curve = t switch
        {
            _ when t.Contains("LOGC4", StringComparison.Ordinal) => LogCurve.LogC4,
            _ when t.Contains("LOGC", StringComparison.Ordinal) => LogCurve.LogC3,
            _ when t.Contains("SLOG3", StringComparison.Ordinal) => LogCurve.SLog3,
            _ when t.Contains("LOG3G10", StringComparison.Ordinal) => LogCurve.Log3G10,
            _ when t.Contains("CANONLOG3", StringComparison.Ordinal) || t.Contains("CLOG3", StringComparison.Ordinal) => LogCurve.CLog3,
            _ when t.Contains("CANONLOG2", StringComparison.Ordinal) || t.Contains("CLOG2", StringComparison.Ordinal) => LogCurve.CLog2,
            _ when t.Contains("FILMGEN5", StringComparison.Ordinal) || t.Contains("BMDFILM", StringComparison.Ordinal) || t.Contains("BLACKMAGICDESIGNFILM", StringComparison.Ordinal) => LogCurve.BmdFilm5,
            _ when t.Contains("VLOG", StringComparison.Ordinal) => LogCurve.VLog,
            _ when t.Contains("SRGB", StringComparison.Ordinal) => LogCurve.Srgb,
            _ when t.Contains("BT1886", StringComparison.Ordinal) || t.Contains("REC709", StringComparison.Ordinal) || t.Contains("BT709", StringComparison.Ordinal) => LogCurve.Bt1886,
            _ when t.Contains("LINEAR", StringComparison.Ordinal) => LogCurve.Linear,
            _ => null,
        };
        Gamut? gamut = t switch
        {
            _ when t.Contains("AWG4", StringComparison.Ordinal) || t.Contains("WIDEGAMUT4", StringComparison.Ordinal) => Gamut.Awg4,
            _ when t.Contains("AWG", StringComparison.Ordinal) || t.Contains("WIDEGAMUT3", StringComparison.Ordinal) || t.Contains("ALEXAWIDEGAMUT", StringComparison.Ordinal) => Gamut.Awg3,
            _ when t.Contains("SGAMUT3CINE", StringComparison.Ordinal) => Gamut.SGamut3Cine,
            _ when t.Contains("REDWIDEGAMUT", StringComparison.Ordinal) || t.Contains("RWG", StringComparison.Ordinal) => Gamut.RedWideGamutRgb,
            _ when t.Contains("2020", StringComparison.Ordinal) || t.Contains("CINEMAGAMUT", StringComparison.Ordinal) || t.Contains("VGAMUT", StringComparison.Ordinal) => Gamut.Rec2020,
            _ when t.Contains("709", StringComparison.Ordinal) || t.Contains("SRGB", StringComparison.Ordinal) => Gamut.Rec709,
            _ => null,
        };
        return curve is null && gamut is null ? null : (curve, gamut);
    }

    private static (LogCurve Curve, Gamut Gamut)? FromCamera(string? make, string? model)
    {
        var m = (make ?? "").ToUpperInvariant();
        var mod = (model ?? "").ToUpperInvariant();
        if (m.Contains("ARRI", StringComparison.Ordinal) || mod.Contains("ALEXA", StringComparison.Ordinal) || mod.Contains("AMIRA", StringComparison.Ordinal))
        {
            return mod.Contains("35", StringComparison.Ordinal) || mod.Contains("265", StringComparison.Ordinal) ? (LogCurve.LogC4, Gamut.Awg4) : (LogCurve.LogC3, Gamut.Awg3);
        }

        if (m.Contains("SONY", StringComparison.Ordinal) || mod.Contains("VENICE", StringComparison.Ordinal) || mod.Contains("FX", StringComparison.Ordinal) && m.Length == 0)
        {
            return (LogCurve.SLog3, Gamut.SGamut3Cine);
        }

        if (m.Contains("RED", StringComparison.Ordinal) && !m.Contains("CREDIT", StringComparison.Ordinal))
        {
            return (LogCurve.Log3G10, Gamut.RedWideGamutRgb);
        }

        if (m.Contains("CANON", StringComparison.Ordinal))
        {
            // Cinema Gamut is not one of our gamuts; Rec.2020 is the nearest we decode.
            return (LogCurve.CLog3, Gamut.Rec2020);
        }

        if (m.Contains("BLACKMAGIC", StringComparison.Ordinal))
        {
            return (LogCurve.BmdFilm5, Gamut.Rec2020);
        }

        if (m.Contains("PANASONIC", StringComparison.Ordinal) || mod.Contains("VARICAM", StringComparison.Ordinal))
        {
            return (LogCurve.VLog, Gamut.Rec2020);
        }

        return null;
    }
}
