using System.Globalization;
using InterPositive.Lighting;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;

namespace InterPositive.Feeds;

/// <summary>
/// Live lighting analysis of a feed: unpacks only the lines and pixels the analysis grid needs (about 480 columns and
/// the same spacing down), converts BT.709 narrow-range Y'CbCr to full-range R'G'B' code values and hands the small
/// frame to the lighting engineer's <see cref="TakeAnalyzer"/>. The take restarts every <see cref="Window"/> so the
/// summary follows the set as it changes. Not thread-safe: one per feed, on the analysis side of the channel.
/// </summary>
public sealed class LiveLighting(Func<AnalysisSettings> settings, int gridColumns = 480)
{
    private TakeAnalyzer? _take;
    private long _windowStart = -1;
    private ushort[] _rgb = [];
    private ushort[] _y = [];
    private ushort[] _cb = [];
    private ushort[] _cr = [];

    /// <summary>How long one lighting take lasts before it starts again (flicker needs a few seconds).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(10);

    public FrameMeasurement? Last { get; private set; }

    public LightingRecord? Summary(string? source = null) => _take?.Build(source);

    public FrameMeasurement Analyze(VideoFrame frame)
    {
        var f = frame.Format;
        if (_take is null || (_windowStart >= 0 && frame.CaptureTime.UtcTicks - _windowStart > Window.Ticks))
        {
            _take = new TakeAnalyzer(settings());
            _windowStart = frame.CaptureTime.UtcTicks;
        }

        var step = Math.Max(1, f.Width / gridColumns);
        var gw = f.Width / step;
        var gh = f.Height / step;
        if (_rgb.Length < gw * gh * 3)
        {
            _rgb = new ushort[gw * gh * 3];
        }

        if (_y.Length < f.Width)
        {
            _y = new ushort[f.Width];
            _cb = new ushort[(f.Width + 1) / 2];
            _cr = new ushort[(f.Width + 1) / 2];
        }

        var rgb = _rgb.AsSpan(0, gw * gh * 3);
        for (var gy = 0; gy < gh; gy++)
        {
            frame.UnpackPlanar(gy * step, _y.AsSpan(0, f.Width), _cb, _cr);
            var o = gy * gw * 3;
            for (var gx = 0; gx < gw; gx++)
            {
                var x = gx * step;
                ToRgb(_y[x], _cb[x >> 1], _cr[x >> 1], rgb.Slice(o + (gx * 3), 3));
            }
        }

        Last = _take.AddFrame(rgb, gw, gh, 3, 10);
        return Last;
    }

    /// <summary>One human line: exposure, clipping, light colour, key.</summary>
    public string? Line()
    {
        if (Last is not { } m)
        {
            return null;
        }

        var light = _take?.Build().Light;
        var text = string.Create(CultureInfo.InvariantCulture, $"exposure {m.AverageStops:+0.0;-0.0} stops, clipped {m.ClippedPct:0.0} %, crushed {m.CrushedPct:0.0} %");
        if (light?.Cct is { } cct)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", light {cct:0} K Duv {light.Duv:+0.000;-0.000} (confidence {light.Confidence:0.00})");
        }

        if (m.Shading is { } s)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", key az {s.AzimuthDeg:0}° el {s.ElevationDeg:0}° key/fill {s.KeyFillStops:0.0} stops");
        }

        return text;
    }

    /// <summary>BT.709 Y'CbCr, 10-bit narrow range, to R'G'B' 10-bit full range.</summary>
    private static void ToRgb(int y, int cb, int cr, Span<ushort> rgb)
    {
        var yn = (y - 64) / 876f;
        var pb = (cb - 512) / 896f;
        var pr = (cr - 512) / 896f;
        rgb[0] = Code(yn + (1.5748f * pr));
        rgb[1] = Code(yn - (0.187324f * pb) - (0.468124f * pr));
        rgb[2] = Code(yn + (1.8556f * pb));
    }

    private static ushort Code(float v) => (ushort)Math.Clamp((int)((v * 1023) + 0.5f), 0, 1023);

    /// <summary>Analysis settings for a feed: curve and gamut as configured, white balance, rate and shutter from the camera's metadata.</summary>
    public static AnalysisSettings SettingsFor(LogCurve curve, Gamut gamut, VideoFormat? format, Formats.Rdd18.AcquisitionMetadata? camera, double? whiteBalanceOverride = null) =>
        new(curve, gamut, whiteBalanceOverride ?? camera?.WhiteBalanceKelvin, format?.Rate.FramesPerSecond ?? 24, ShutterAngle: camera?.ShutterAngleDegrees);
}
