namespace InterPositive.Relight.Colour;

/// <summary>
/// A transfer curve between scene-linear (or display-linear) values and code values 0–1. Camera log curves are all
/// one two-piece form, which is what lets the relight graph carry any of them with the same handful of ops.
/// Interim copy inside Relight (parameters from ../shared/specs §3) until InterPositive.Lighting's curves land.
/// </summary>
public abstract record TransferCurve(string Name)
{
    public abstract double Encode(double linear);

    public abstract double Decode(double code);

    public static IReadOnlyList<TransferCurve> All { get; } =
    [
        LogCurve.LogC3, LogCurve.LogC4, LogCurve.SLog3, LogCurve.Log3G10, LogCurve.VLog, LogCurve.BmdFilmGen5,
        PowerCurve.Srgb, PowerCurve.Rec709, PowerCurve.Gamma24, LinearCurve.Instance,
    ];

    public static TransferCurve Parse(string name)
    {
        var key = name.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        return key switch
        {
            "logc3" or "logc" or "arrilogc3" => LogCurve.LogC3,
            "logc4" or "arrilogc4" => LogCurve.LogC4,
            "slog3" or "sonyslog3" => LogCurve.SLog3,
            "log3g10" or "redlog3g10" => LogCurve.Log3G10,
            "vlog" or "panasonicvlog" => LogCurve.VLog,
            "bmdfilmgen5" or "bmdfilm5" or "blackmagicfilmgen5" or "bmdfilm" => LogCurve.BmdFilmGen5,
            "srgb" => PowerCurve.Srgb,
            "rec709" or "bt709" => PowerCurve.Rec709,
            "gamma24" or "bt1886" => PowerCurve.Gamma24,
            "linear" => LinearCurve.Instance,
            _ => throw new ArgumentException($"unknown curve '{name}' (known: {string.Join(", ", All.Select(c => c.Name))})", nameof(name)),
        };
    }
}

/// <summary>
/// Camera log: code = x ≥ Cut ? C·log10(A·x + B) + D : E·x + F (x scene linear, 0.18 = mid grey).
/// </summary>
public sealed record LogCurve(string Name, double Cut, double A, double B, double C, double D, double E, double F) : TransferCurve(Name)
{
    private static readonly double Log10Of2 = Math.Log10(2);

    public static readonly LogCurve LogC3 = new("logc3", 0.010591, 5.555556, 0.052272, 0.247190, 0.385537, 5.367655, 0.092809);

    // LogC4: (log2(a·x + 64) − 6)/14·b + c above t, (x − t)/s below.
    public static readonly LogCurve LogC4 = new(
        "logc4", -0.018057, (Math.Pow(2, 18) - 16) / 117.45, 64, 928.0 / 1023 / (14 * Log10Of2), (95.0 / 1023) - (6 * 928.0 / 1023 / 14), 1 / 0.113597, 0.018057 / 0.113597);

    public static readonly LogCurve SLog3 = new("slog3", 0.01125, 1 / 0.19, 0.01 / 0.19, 261.5 / 1023, 420.0 / 1023, (171.2102946929 - 95) / 0.01125 / 1023, 95.0 / 1023);

    public static readonly LogCurve Log3G10 = new("log3g10", -0.01, 155.975327, (155.975327 * 0.01) + 1, 0.224282, 0, 15.1927, 15.1927 * 0.01);

    public static readonly LogCurve VLog = new("vlog", 0.01, 1, 0.00873, 0.241514, 0.598206, 5.6, 0.125);

    public static readonly LogCurve BmdFilmGen5 = new("bmdfilmgen5", 0.005, 1, 0.0054941, 0.0869288 * 2.302585092994046, 0.5300133, 8.2836059, 0.0924658);

    /// <summary>The code value where the two pieces meet.</summary>
    public double CodeCut => (E * Cut) + F;

    public override double Encode(double linear) =>
        linear >= Cut ? (C * Math.Log10(Math.Max((A * linear) + B, 1e-10))) + D : (E * linear) + F;

    public override double Decode(double code) =>
        code >= CodeCut ? (Math.Pow(10, (code - D) / C) - B) / A : (code - F) / E;
}

/// <summary>Display encodings: code = x ≥ Cut ? A·x^G − B : E·x.</summary>
public sealed record PowerCurve(string Name, double Cut, double A, double G, double B, double E) : TransferCurve(Name)
{
    public static readonly PowerCurve Srgb = new("srgb", 0.0031308, 1.055, 1 / 2.4, 0.055, 12.92);

    /// <summary>BT.709 camera OETF.</summary>
    public static readonly PowerCurve Rec709 = new("rec709", 0.018, 1.099, 0.45, 0.099, 4.5);

    /// <summary>The inverse of the BT.1886 display (pure 2.4 gamma): what a Rec.709 monitor on set expects.</summary>
    public static readonly PowerCurve Gamma24 = new("gamma24", 0, 1, 1 / 2.4, 0, 0);

    public double CodeCut => E * Cut;

    public override double Encode(double linear) =>
        linear >= Cut ? (A * Math.Pow(Math.Max(linear, 0), G)) - B : E * linear;

    public override double Decode(double code) =>
        code >= CodeCut ? Math.Pow(Math.Max((code + B) / A, 0), 1 / G) : E == 0 ? 0 : code / E;
}

/// <summary>Code values that are already linear.</summary>
public sealed record LinearCurve() : TransferCurve("linear")
{
    public static readonly LinearCurve Instance = new();

    public override double Encode(double linear) => linear;

    public override double Decode(double code) => code;
}
