using InterPositive.Lighting.Colour;

namespace InterPositive.Relight.Colour;

/// <summary>
/// One of InterPositive.Lighting's <see cref="LogCurve"/>s as the parameters of the relight graph's few ops: most
/// camera log curves are one two-piece form (<see cref="LogTransfer"/>), display encodings another
/// (<see cref="PowerTransfer"/>), Canon Log 2 and 3 their own (<see cref="CanonLogTransfer"/>). Names and parsing are
/// Lighting's; <see cref="From"/> is the one place the parameters come from, and the agreement tests pin them to
/// <see cref="LogCurves"/>.
/// </summary>
public abstract record TransferCurve(LogCurve Curve)
{
    /// <summary>Lighting's name for the curve (<see cref="LogCurves.Name"/>).</summary>
    public string Name => LogCurves.Name(Curve);

    /// <summary>A camera log curve (scene-referred, with headroom), as <see cref="LogCurves.IsLog"/> says: what <c>--to log</c> and a CDL in log need.</summary>
    public bool IsLog => LogCurves.IsLog(Curve);

    public abstract double Encode(double linear);

    public abstract double Decode(double code);

    /// <summary>Every Lighting curve.</summary>
    public static IReadOnlyList<TransferCurve> All { get; } = [.. Enum.GetValues<LogCurve>().Select(From)];

    /// <summary>A curve by Lighting's names and aliases (<see cref="LogCurves.TryParse"/>).</summary>
    public static TransferCurve Parse(string name) => LogCurves.TryParse(name, out var curve)
        ? From(curve)
        : throw new ArgumentException($"unknown curve '{name}' (known: {string.Join(", ", All.Select(c => c.Name))})", nameof(name));

    /// <summary>The graph's parameters for a Lighting curve (the same published constants as Lighting's <see cref="LogCurves"/>).</summary>
    public static TransferCurve From(LogCurve curve) => curve switch
    {
        LogCurve.LogC3 => new LogTransfer(curve, 0.010591, 5.555556, 0.052272, 0.247190, 0.385537, 5.367655, 0.092809),

        // LogC4: (log2(a·x + 64) − 6)/14·b + c above t, (x − t)/s below.
        LogCurve.LogC4 => new LogTransfer(
            curve, -0.018057, (Math.Pow(2, 18) - 16) / 117.45, 64, 928.0 / 1023 / (14 * Math.Log10(2)), (95.0 / 1023) - (6 * 928.0 / 1023 / 14), 1 / 0.113597, 0.018057 / 0.113597),
        LogCurve.SLog3 => new LogTransfer(curve, 0.01125, 1 / 0.19, 0.01 / 0.19, 261.5 / 1023, 420.0 / 1023, (171.2102946929 - 95) / 0.01125 / 1023, 95.0 / 1023),
        LogCurve.Log3G10 => new LogTransfer(curve, -0.01, 155.975327, (155.975327 * 0.01) + 1, 0.224282, 0, 15.1927, 15.1927 * 0.01),
        LogCurve.VLog => new LogTransfer(curve, 0.01, 1, 0.00873, 0.241514, 0.598206, 5.6, 0.125),
        LogCurve.BmdFilm5 => new LogTransfer(curve, 0.005, 1, 0.0054941, 0.0869288 * 2.302585092994046, 0.5300133, 8.2836059, 0.0924658),
        LogCurve.Srgb => new PowerTransfer(curve, 0.0031308, 1.055, 1 / 2.4, 0.055, 12.92),

        // The BT.709 camera OETF.
        LogCurve.Bt709 => new PowerTransfer(curve, 0.018, 1.099, 0.45, 0.099, 4.5),

        // The inverse of the BT.1886 display (pure 2.4 gamma): what a Rec.709 monitor on set expects.
        LogCurve.Bt1886 => new PowerTransfer(curve, 0, 1, 1 / 2.4, 0, 0),
        LogCurve.Linear => new LinearTransfer(),

        // Canon Log 2/3 (v1.2) mirror the log segment below zero; Canon Log 3 has a linear middle (constants as Lighting's).
        LogCurve.CLog2 => new CanonLogTransfer(curve, 0.24136077, 87.09937546, 0.092864125, 0.092864125, 0.092864125, 0.092864125, 1, 0),
        LogCurve.CLog3 => new CanonLogTransfer(curve, 0.36726845, 14.98325, 0.12783901, 0.12240537, 0.097465473, 0.15277891, 1.9754798, 0.12512219),
        _ => throw new ArgumentException($"the relight graph cannot carry {LogCurves.Name(curve)}", nameof(curve)),
    };
}

/// <summary>
/// Camera log: code = x ≥ Cut ? C·log10(A·x + B) + D : E·x + F (x scene linear, 0.18 = mid grey).
/// </summary>
public sealed record LogTransfer(LogCurve Curve, double Cut, double A, double B, double C, double D, double E, double F) : TransferCurve(Curve)
{
    public static LogTransfer LogC3 { get; } = (LogTransfer)From(LogCurve.LogC3);

    public static LogTransfer LogC4 { get; } = (LogTransfer)From(LogCurve.LogC4);

    public static LogTransfer SLog3 { get; } = (LogTransfer)From(LogCurve.SLog3);

    /// <summary>The code value where the two pieces meet.</summary>
    public double CodeCut => (E * Cut) + F;

    public override double Encode(double linear) =>
        linear >= Cut ? (C * Math.Log10(Math.Max((A * linear) + B, 1e-10))) + D : (E * linear) + F;

    public override double Decode(double code) =>
        code >= CodeCut ? (Math.Pow(10, (code - D) / C) - B) / A : (code - F) / E;
}

/// <summary>Display encodings: code = x ≥ Cut ? A·x^G − B : E·x.</summary>
public sealed record PowerTransfer(LogCurve Curve, double Cut, double A, double G, double B, double E) : TransferCurve(Curve)
{
    public static PowerTransfer Srgb { get; } = (PowerTransfer)From(LogCurve.Srgb);

    /// <summary>The inverse of the BT.1886 display (pure 2.4 gamma).</summary>
    public static PowerTransfer Gamma24 { get; } = (PowerTransfer)From(LogCurve.Bt1886);

    public double CodeCut => E * Cut;

    public override double Encode(double linear) =>
        linear >= Cut ? (A * Math.Pow(Math.Max(linear, 0), G)) - B : E * linear;

    public override double Decode(double code) =>
        code >= CodeCut ? Math.Pow(Math.Max((code + B) / A, 0), 1 / G) : E == 0 ? 0 : code / E;
}

/// <summary>Code values that are already linear.</summary>
public sealed record LinearTransfer() : TransferCurve(LogCurve.Linear)
{
    public static LinearTransfer Instance { get; } = new();

    public override double Encode(double linear) => linear;

    public override double Decode(double code) => code;
}

/// <summary>
/// Canon Log 2 and 3 (v1.2): with x′ = x/0.9, code = D_hi + C·log10(A·x′ + 1) above the upper code cut,
/// D_lo − C·log10(1 − A·x′) below the lower one (the log segment mirrored for negative light), and code = S·x′ + T
/// between (Canon Log 3's linear middle; Canon Log 2 has none: both cuts at D, where the two logs meet). Encode and
/// decode are Lighting's own (<see cref="LogCurves"/>); the graph builds the same pieces from these parameters.
/// </summary>
public sealed record CanonLogTransfer(LogCurve Curve, double C, double A, double DLow, double DHigh, double CodeLow, double CodeHigh, double S, double T) : TransferCurve(Curve)
{
    /// <summary>Canon scales scene light by 1/0.9 before the curve (90 % reflectance at code 1.0 of the original form).</summary>
    public const double Scale = 0.9;

    public static CanonLogTransfer CLog2 { get; } = (CanonLogTransfer)From(LogCurve.CLog2);

    public static CanonLogTransfer CLog3 { get; } = (CanonLogTransfer)From(LogCurve.CLog3);

    /// <summary>Whether there is a linear middle piece.</summary>
    public bool HasLinear => CodeHigh > CodeLow;

    /// <summary>Scene-linear x where the lower log piece ends (the linear piece, or the upper log piece, begins).</summary>
    public double LinearLow => Scale * -(Math.Pow(10, (DLow - CodeLow) / C) - 1) / A;

    /// <summary>Scene-linear x where the upper log piece begins.</summary>
    public double LinearHigh => HasLinear ? Scale * (CodeHigh - T) / S : LinearLow;

    public override double Encode(double linear) => LogCurves.Encode(Curve, linear);

    public override double Decode(double code) => LogCurves.Decode(Curve, code);
}
