using System.Globalization;
using InterPositive.Lighting;
using InterPositive.Lighting.Analysis;
using InterPositive.Relight.Media;

namespace InterPositive.Relight.Models;

/// <summary>Where a take's source lamp came from, as <c>relight --json</c> prints it.</summary>
public static class LampOrigin
{
    /// <summary>The lighting analysis: the take's stored lighting record, or measured on the fly.</summary>
    public const string Measured = "measured";

    /// <summary>The camera's white balance from the clip's metadata (or <c>--camera-wb</c>): the measurement was too unsure.</summary>
    public const string Metadata = "metadata";

    /// <summary>Given by the operator (<c>--from-cct</c>, <c>--from-tint</c>).</summary>
    public const string Given = "given";
}

/// <summary>The lamp a take was lit by: what a lamp swap changes from.</summary>
/// <param name="Kelvin">Its CCT.</param>
/// <param name="Tint">Its tint in relight's convention: 0.001 Duv per unit, + towards magenta.</param>
/// <param name="Origin">One of <see cref="LampOrigin"/>.</param>
/// <param name="Confidence">0–1: the measurement's confidence (for the metadata fallback, the one that was too low; 1 when given).</param>
/// <param name="Detail">One line on how it was found, for the report and the logs.</param>
public sealed record SourceLamp(double Kelvin, double Tint, string Origin, double Confidence, string Detail)
{
    public void Validate()
    {
        if (Kelvin is < 1000 or > 25000 || !double.IsFinite(Kelvin))
        {
            throw new ArgumentException($"source lamp {Kelvin} K is outside 1000–25000 K");
        }

        if (Math.Abs(Tint) > 100 || !double.IsFinite(Tint))
        {
            throw new ArgumentException("source lamp tint must lie in ±100 (0.001 Duv per unit, + towards magenta)");
        }
    }
}

/// <summary>
/// Decides a take's source lamp for the relight, one way for the CLI, the service and the demo: given by the operator,
/// else the take's measured light (its lighting record, or measured here on the frames), else — when the measurement's
/// confidence is low — the camera's white balance, which is what the camera assumed the light to be.
/// </summary>
public static class SourceLamps
{
    /// <summary>
    /// Below this the measurement is not trusted over the camera's white balance. The analysis gives 0.6–1 on scenes
    /// with neutral evidence and drops under 0.3 when the picture cannot tell (see the Lighting accuracy tests).
    /// </summary>
    public const double MinimumConfidence = 0.3;

    /// <summary>A lamp the operator gave.</summary>
    public static SourceLamp Given(double kelvin, double tint = 0)
    {
        var lamp = new SourceLamp(kelvin, tint, LampOrigin.Given, 1, "given");
        lamp.Validate();
        return lamp;
    }

    /// <summary>The take's measured light (a lighting record's <see cref="LightColour"/>), or the camera's white balance when it is unsure.</summary>
    /// <param name="light">The measurement; null or without a CCT when nothing could be measured.</param>
    /// <param name="settings">The take's decoding: its camera white balance is the fallback.</param>
    /// <param name="where">Where the measurement came from, e.g. "lighting record" or "measured on 3 frames".</param>
    public static SourceLamp FromLight(LightColour? light, RelightSettings settings, string where)
    {
        if (light?.Cct is not { } cct || light.Duv is not { } duv || !double.IsFinite(cct) || !double.IsFinite(duv))
        {
            return Camera(settings, 0, $"{where}: no light colour measured; camera white balance {Kelvin(settings.CameraKelvin)} used");
        }

        var kelvin = Math.Clamp(cct, 1000, 25000);
        if (light.Confidence < MinimumConfidence)
        {
            return Camera(settings, light.Confidence, string.Create(
                CultureInfo.InvariantCulture,
                $"{where}: {Kelvin(kelvin)} at confidence {light.Confidence:0.00} < {MinimumConfidence:0.00}; camera white balance {Kelvin(settings.CameraKelvin)} used"));
        }

        // Relight's tint: + towards magenta, 0.001 Duv per unit (the analysis gives Duv, + towards green).
        return new SourceLamp(kelvin, Math.Round(-duv * 1000, 1), LampOrigin.Measured, light.Confidence, string.Create(CultureInfo.InvariantCulture, $"{where}: {Kelvin(kelvin)}, Duv {duv:+0.0000;-0.0000}"));
    }

    /// <summary>The source lamp for a take: the settings' own when set, else measured on <paramref name="codeFrames"/>.</summary>
    public static SourceLamp Resolve(RelightSettings settings, IReadOnlyList<ReadOnlyMemory<float>> codeFrames, int height, int width)
    {
        if (settings.SourceLamp is { } lamp)
        {
            return lamp;
        }

        // The analysis samples about 320 columns: a copy near 540 lines measures the same and costs a sixteenth at UHD.
        var factor = Math.Max(1, height / 540);
        var meter = new LampMeter(settings);
        foreach (var frame in codeFrames)
        {
            meter.Add(TakePreparation.Downscale(frame.Span, height, width, factor), height / factor, width / factor);
        }

        return meter.Lamp();
    }

    private static SourceLamp Camera(RelightSettings settings, double confidence, string detail) =>
        new(settings.CameraKelvin, settings.CameraTint, LampOrigin.Metadata, Math.Round(confidence, 3), detail);

    private static string Kelvin(double kelvin) => string.Create(CultureInfo.InvariantCulture, $"{kelvin:0} K");
}

/// <summary>
/// Measures the light of a take's frames as the relight decodes them (planar code values 0–1 in the camera's curve and
/// gamut) through the lighting analysis itself, so the relight and <c>analyze</c> read the same light.
/// </summary>
public sealed class LampMeter(RelightSettings settings)
{
    private readonly TakeAnalyzer _take = new(new AnalysisSettings(settings.InputCurve.Curve, settings.CameraGamut, settings.CameraKelvin));

    public int Frames => _take.FrameCount;

    /// <summary>Adds one frame (planar RGB code values).</summary>
    public void Add(ReadOnlySpan<float> codeFrame, int height, int width)
    {
        var raster = StillFrames.ToRaster(codeFrame, width, height, 16);
        _take.AddFrame(raster.Samples, width, height, 3, 16);
    }

    /// <summary>The light over the frames so far.</summary>
    public LightColour Light() => _take.Light();

    /// <summary>The whole lighting record of the frames so far (exposure, light, key/fill), as <c>analyze</c> builds it.</summary>
    public LightingRecord Record(string? source) => _take.Build(source);

    /// <summary>The source lamp the frames so far give (the camera's white balance when they cannot tell).</summary>
    public SourceLamp Lamp() => SourceLamps.FromLight(
        Frames == 0 ? null : Light(),
        settings,
        string.Create(CultureInfo.InvariantCulture, $"measured on {Frames} frame{(Frames == 1 ? "" : "s")}"));
}
