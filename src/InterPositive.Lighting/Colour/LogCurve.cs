namespace InterPositive.Lighting.Colour;

/// <summary>The transfer functions (camera log curves and display curves) we decode to scene linear.</summary>
public enum LogCurve
{
    /// <summary>ARRI LogC3 (ALEXA, SUP 3.x, EI 800).</summary>
    LogC3,

    /// <summary>ARRI LogC4 (ALEXA 35).</summary>
    LogC4,

    /// <summary>Sony S-Log3.</summary>
    SLog3,

    /// <summary>RED Log3G10 (IPP2, v3: linear toe below −0.01).</summary>
    Log3G10,

    /// <summary>Canon Log 2 (v1.2).</summary>
    CLog2,

    /// <summary>Canon Log 3 (v1.2).</summary>
    CLog3,

    /// <summary>Blackmagic Film Generation 5.</summary>
    BmdFilm5,

    /// <summary>Panasonic V-Log.</summary>
    VLog,

    /// <summary>ITU-R BT.1886 reference EOTF (γ 2.4, black 0, white 1): display light.</summary>
    Bt1886,

    /// <summary>IEC 61966-2-1 sRGB.</summary>
    Srgb,

    /// <summary>Already linear.</summary>
    Linear,

    /// <summary>ITU-R BT.709 camera OETF (scene light); accepted as <c>bt709</c> beside the names.</summary>
    Bt709,
}

/// <summary>
/// Decode (code value 0–1 → scene linear, 0.18 = mid grey) and encode for every <see cref="LogCurve"/>, with the
/// constants of the manufacturers' white papers as colour-science and OCIO implement them. Code values are the
/// normalised values found in files (10-bit code / 1023), the "normalised code value" convention of each paper.
/// </summary>
public static class LogCurves
{
    private static readonly double LogC4A = (Math.Pow(2, 18) - 16) / 117.45;
    private const double LogC4B = (1023.0 - 95) / 1023;
    private const double LogC4C = 95.0 / 1023;
    private static readonly double LogC4S = 7 * Math.Log(2) * Math.Pow(2, 7 - 14 * LogC4C / LogC4B) / (LogC4A * LogC4B);
    private static readonly double LogC4T = (Math.Pow(2, 14 * (-LogC4C / LogC4B) + 6) - 64) / LogC4A;

    private const double BmdA = 0.08692876065491224;
    private const double BmdB = 0.005494072432257808;
    private const double BmdC = 0.5300133392291939;
    private const double BmdD = 8.283605932402494;
    private const double BmdE = 0.09246575342465753;
    private const double BmdLinCut = 0.005;

    /// <summary>The names <c>--log</c> takes.</summary>
    public static string Name(LogCurve curve) => curve switch
    {
        LogCurve.LogC3 => "logc3",
        LogCurve.LogC4 => "logc4",
        LogCurve.SLog3 => "slog3",
        LogCurve.Log3G10 => "log3g10",
        LogCurve.CLog2 => "clog2",
        LogCurve.CLog3 => "clog3",
        LogCurve.BmdFilm5 => "bmdfilm5",
        LogCurve.VLog => "vlog",
        LogCurve.Bt1886 => "bt1886",
        LogCurve.Srgb => "srgb",
        LogCurve.Linear => "linear",
        _ => "bt709",
    };

    /// <summary>
    /// A curve by its <c>--log</c> name or a common alias (LogC, S-Log3, BMD Film Gen 5, Rec.709, gamma 2.4, …); case,
    /// spaces, dots, dashes and underscores are ignored.
    /// </summary>
    public static bool TryParse(string? name, out LogCurve curve)
    {
        var key = name is null ? "" : new string(name.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        key = key switch
        {
            "logc" or "arrilogc3" => "logc3",
            "arrilogc4" => "logc4",
            "sonyslog3" => "slog3",
            "redlog3g10" => "log3g10",
            "canonlog2" => "clog2",
            "canonlog3" => "clog3",
            "bmdfilmgen5" or "blackmagicfilmgen5" or "bmdfilm" => "bmdfilm5",
            "panasonicvlog" => "vlog",
            "gamma24" => "bt1886",
            "rec709" => "bt709",
            _ => key,
        };
        foreach (var c in Enum.GetValues<LogCurve>())
        {
            if (string.Equals(Name(c), key, StringComparison.Ordinal))
            {
                curve = c;
                return true;
            }
        }

        curve = LogCurve.Linear;
        return false;
    }

    /// <summary>Code value (normalised 0–1) to scene-linear reflectance (0.18 = mid grey).</summary>
    public static double Decode(LogCurve curve, double y) => curve switch
    {
        LogCurve.LogC3 => y > 0.149658 ? (Math.Pow(10, (y - 0.385537) / 0.247190) - 0.052272) / 5.555556 : (y - 0.092809) / 5.367655,
        LogCurve.LogC4 => y >= 0 ? (Math.Pow(2, 14 * (y - LogC4C) / LogC4B + 6) - 64) / LogC4A : y * LogC4S + LogC4T,
        LogCurve.SLog3 => y >= 171.2102946929 / 1023
            ? Math.Pow(10, (y * 1023 - 420) / 261.5) * (0.18 + 0.01) - 0.01
            : (y * 1023 - 95) * 0.01125 / (171.2102946929 - 95),
        LogCurve.Log3G10 => y < 0 ? y / 15.1927 - 0.01 : (Math.Pow(10, y / 0.224282) - 1) / 155.975327 - 0.01,
        LogCurve.CLog2 => 0.9 * (y < 0.092864125
            ? -(Math.Pow(10, (0.092864125 - y) / 0.24136077) - 1) / 87.09937546
            : (Math.Pow(10, (y - 0.092864125) / 0.24136077) - 1) / 87.09937546),
        LogCurve.CLog3 => 0.9 * (y < 0.097465473
            ? -(Math.Pow(10, (0.12783901 - y) / 0.36726845) - 1) / 14.98325
            : y <= 0.15277891
                ? (y - 0.12512219) / 1.9754798
                : (Math.Pow(10, (y - 0.12240537) / 0.36726845) - 1) / 14.98325),
        LogCurve.BmdFilm5 => y < BmdD * BmdLinCut + BmdE ? (y - BmdE) / BmdD : Math.Exp((y - BmdC) / BmdA) - BmdB,
        LogCurve.VLog => y < 0.181 ? (y - 0.125) / 5.6 : Math.Pow(10, (y - 0.598206) / 0.241514) - 0.00873,
        LogCurve.Bt1886 => Math.Pow(Math.Max(y, 0), 2.4),
        LogCurve.Srgb => y <= 0.04045 ? y / 12.92 : Math.Pow((y + 0.055) / 1.055, 2.4),
        LogCurve.Linear => y,
        _ => y < 0.081 ? y / 4.5 : Math.Pow((y + 0.099) / 1.099, 1 / 0.45),
    };

    /// <summary>Scene linear to code value (normalised 0–1); relight writes back through this.</summary>
    public static double Encode(LogCurve curve, double x) => curve switch
    {
        LogCurve.LogC3 => x > 0.010591 ? 0.247190 * Math.Log10(5.555556 * x + 0.052272) + 0.385537 : 5.367655 * x + 0.092809,
        LogCurve.LogC4 => x >= LogC4T ? (Math.Log2(LogC4A * x + 64) - 6) / 14 * LogC4B + LogC4C : (x - LogC4T) / LogC4S,
        LogCurve.SLog3 => x >= 0.01125
            ? (420 + Math.Log10((x + 0.01) / (0.18 + 0.01)) * 261.5) / 1023
            : (x * (171.2102946929 - 95) / 0.01125 + 95) / 1023,
        LogCurve.Log3G10 => x + 0.01 < 0 ? (x + 0.01) * 15.1927 : 0.224282 * Math.Log10((x + 0.01) * 155.975327 + 1),
        LogCurve.CLog2 => EncodeCLog2(x / 0.9),
        LogCurve.CLog3 => EncodeCLog3(x / 0.9),
        LogCurve.BmdFilm5 => x < BmdLinCut ? BmdD * x + BmdE : BmdA * Math.Log(x + BmdB) + BmdC,
        LogCurve.VLog => x < 0.01 ? 5.6 * x + 0.125 : 0.241514 * Math.Log10(x + 0.00873) + 0.598206,
        LogCurve.Bt1886 => Math.Pow(Math.Max(x, 0), 1 / 2.4),
        LogCurve.Srgb => x <= 0.0031308 ? x * 12.92 : 1.055 * Math.Pow(x, 1 / 2.4) - 0.055,
        LogCurve.Linear => x,
        _ => x < 0.018 ? x * 4.5 : 1.099 * Math.Pow(x, 0.45) - 0.099,
    };

    /// <summary>True for the camera log curves (scene-referred, with headroom above 1.0).</summary>
    public static bool IsLog(LogCurve curve) => curve is not (LogCurve.Bt1886 or LogCurve.Srgb or LogCurve.Linear or LogCurve.Bt709);

    /// <summary>
    /// The scene-linear level at which the camera clips: the decoded top code value for most curves, the sensor
    /// saturation where the maker publishes one below it (LogC3 EI 800: code 0.9 region of ALEXA; clipped pixels read as
    /// "at or above" this level). Display curves clip at 1.0.
    /// </summary>
    public static double ClipLinear(LogCurve curve) => curve switch
    {
        LogCurve.Linear => 1.0,
        _ => Decode(curve, ClipCode(curve)),
    };

    /// <summary>The normalised code value at which a channel counts as clipped.</summary>
    public static double ClipCode(LogCurve curve) => curve switch
    {
        // Legal-range cameras put sensor white near the legal ceiling, not at 1023.
        LogCurve.SLog3 => 0.94,
        LogCurve.VLog => 0.91,
        LogCurve.CLog2 or LogCurve.CLog3 => 0.92,
        LogCurve.LogC3 => 0.90,
        _ => 0.985,
    };

    /// <summary>Code value below which the picture is black-clipped (the curve's code for zero light, plus a hair).</summary>
    public static double BlackCode(LogCurve curve) => curve switch
    {
        LogCurve.Bt1886 or LogCurve.Srgb or LogCurve.Linear or LogCurve.Bt709 => 0.01,
        _ => Encode(curve, 0) + 0.002,
    };

    private static double EncodeCLog2(double x) => x < 0
        ? -(0.24136077 * Math.Log10(-x * 87.09937546 + 1) - 0.092864125)
        : 0.24136077 * Math.Log10(x * 87.09937546 + 1) + 0.092864125;

    private static double EncodeCLog3(double x)
    {
        // Breakpoints are where the decode's segments meet (v1.2).
        var low = (-(Math.Pow(10, (0.12783901 - 0.097465473) / 0.36726845) - 1)) / 14.98325;
        var high = (0.15277891 - 0.12512219) / 1.9754798;
        return x < low
            ? -0.36726845 * Math.Log10(-x * 14.98325 + 1) + 0.12783901
            : x <= high
                ? 1.9754798 * x + 0.12512219
                : 0.36726845 * Math.Log10(x * 14.98325 + 1) + 0.12240537;
    }
}
