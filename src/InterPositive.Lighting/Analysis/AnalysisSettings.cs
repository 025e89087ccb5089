using InterPositive.Lighting.Colour;

namespace InterPositive.Lighting.Analysis;

/// <summary>How a take's pictures are to be read and measured.</summary>
/// <param name="Curve">Transfer function of the code values.</param>
/// <param name="Gamut">RGB primaries of the code values (all D65 white).</param>
/// <param name="WhiteBalanceKelvin">The white balance the camera applied (metadata or <c>--wb</c>); null when unknown.</param>
/// <param name="FramesPerSecond">Capture rate, for per-second samples, flicker and safe shutter angles.</param>
/// <param name="ReadoutSeconds">Rolling-shutter readout time top to bottom; 0 for a global shutter; null = assume 15 ms.</param>
/// <param name="ShutterAngle">Shutter angle of the take, when known (for the depth of the light's own modulation).</param>
public sealed record AnalysisSettings(
    LogCurve Curve = LogCurve.Linear,
    Gamut Gamut = Gamut.Rec709,
    double? WhiteBalanceKelvin = null,
    double FramesPerSecond = 24,
    double? ReadoutSeconds = null,
    double? ShutterAngle = null)
{
    /// <summary>Readout assumed when nothing says otherwise: a typical Super 35 CMOS cinema sensor.</summary>
    public const double DefaultReadoutSeconds = 0.015;

    /// <summary>Width of the analysis grid: statistics on ~320 columns (one pixel in 144 at UHD) are as good as on every pixel for exposure, colour and low-order shading.</summary>
    public int GridColumns { get; init; } = 320;

    /// <summary>How many frames the flicker detector looks at together (about 5 s at 24 fps).</summary>
    public int FlickerWindowFrames { get; init; } = 128;

    /// <summary>
    /// Light-colour and shading fits on every n-th frame only (exposure, false colour and the flicker rows stay on every
    /// frame). 1, the default, is what per-take records use; live feeds fit a few times a second.
    /// </summary>
    public int FitInterval { get; init; } = 1;
}
