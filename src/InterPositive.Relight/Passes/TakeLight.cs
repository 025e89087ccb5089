using InterPositive.Lighting;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Media;

namespace InterPositive.Relight.Passes;

/// <summary>
/// The key light of an SH lighting, in both of the project's conventions: the lighting analysis's (azimuth 0° from
/// camera right, 90° from above; elevation 90° on the lens axis) and the relight's <c>--key</c> (azimuth 0° from the
/// camera, +90° from frame right; elevation +90° from above).
/// </summary>
public sealed record KeyLight(double AzimuthDeg, double ElevationDeg, double KeyFillStops, double RelightAzimuthDeg, double RelightElevationDeg)
{
    /// <summary>
    /// Where the SH lighting's luminance irradiance peaks over the visible hemisphere, and key over fill: the lighting
    /// analysis's own <see cref="ShadingFit.Describe"/> on the irradiance coefficients.
    /// </summary>
    public static KeyLight Of(ShLighting lighting, Gamut gamut)
    {
        var (lr, lg, lb) = Gamuts.Luma(gamut);
        var c = new double[ShLighting.Coefficients];
        for (var k = 0; k < c.Length; k++)
        {
            c[k] = ShLighting.Attenuation[k] * ((lr * lighting[0, k]) + (lg * lighting[1, k]) + (lb * lighting[2, k]));
        }

        var d = ShadingFit.Describe(c, 0);
        double a = d.AzimuthDeg * Math.PI / 180, e = d.ElevationDeg * Math.PI / 180;
        double x = Math.Cos(e) * Math.Cos(a), y = Math.Cos(e) * Math.Sin(a), z = Math.Sin(e);
        return new KeyLight(
            d.AzimuthDeg,
            d.ElevationDeg,
            Math.Round(d.KeyFillStops, 3),
            Math.Round(Math.Atan2(x, z) * 180 / Math.PI, 2),
            Math.Round(Math.Asin(Math.Clamp(y, -1, 1)) * 180 / Math.PI, 2));
    }
}

/// <summary>
/// Measures a take's light the way <c>analyze</c> does (InterPositive.Lighting's <see cref="TakeAnalyzer"/>: exposure,
/// light colour with the camera's white balance undone, key/fill) from planar code-value frames as the relight reads
/// them. Frames are fed one at a time; memory stays at the analyser's few numbers per frame.
/// </summary>
public sealed class TakeLightMeter
{
    private readonly TakeAnalyzer _take;
    private ushort[] _samples = [];

    public TakeLightMeter(TransferCurve curve, Gamut gamut, double? whiteBalanceKelvin = null, double framesPerSecond = 24) =>
        _take = new TakeAnalyzer(new AnalysisSettings(curve.Curve, gamut, whiteBalanceKelvin, framesPerSecond));

    public int Frames => _take.FrameCount;

    /// <summary>Adds a frame (planar code values 0–1), quantised to 16 bits as the analysis reads stills.</summary>
    public void Add(PlanarFrame frame)
    {
        var pixels = frame.Pixels;
        if (_samples.Length != 3 * pixels)
        {
            _samples = new ushort[3 * pixels];
        }

        var v = frame.Values;
        for (var p = 0; p < pixels; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                var x = v[(c * pixels) + p];
                _samples[(3 * p) + c] = (ushort)Math.Clamp(MathF.Round((float.IsNaN(x) ? 0 : x) * 65535), 0, 65535);
            }
        }

        _take.AddFrame(_samples, frame.Width, frame.Height, 3, 16);
    }

    public LightingRecord Build(string? source) => _take.Build(source);

    /// <summary>The record of one frame or a few (a still, a representative frame).</summary>
    public static LightingRecord Measure(IEnumerable<PlanarFrame> frames, TransferCurve curve, Gamut gamut, double? whiteBalanceKelvin, string? source)
    {
        var meter = new TakeLightMeter(curve, gamut, whiteBalanceKelvin);
        foreach (var frame in frames)
        {
            meter.Add(frame);
        }

        return meter.Build(source);
    }
}
