using System.Globalization;
using InterPositive.Formats.Sdi;
using InterPositive.Lighting;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;

namespace InterPositive.Feeds;

/// <summary>
/// Live lighting analysis of a feed. The analysis grid (<see cref="AnalysisSettings.GridColumns"/> columns, the same
/// spacing down: 320×180 at 1080p and at UHD) is read straight from the v210 packing, one pixel's luma and co-sited
/// chroma at a time, so a frame costs the same whatever its resolution and nothing else of it is unpacked; other
/// packings unpack the analysed lines. Y′CbCr (BT.709, or BT.2020 for a Rec.2020 feed) becomes full-range R′G′B′ code
/// values for the lighting engineer's <see cref="TakeAnalyzer"/>. Light-colour and shading fits run a few times a
/// second (<see cref="FitsPerSecond"/>), exposure and flicker rows on every frame. The take restarts every
/// <see cref="Window"/> so the summary follows the set as it changes. Nothing is allocated per frame but the small
/// measurement record. Not thread-safe: one per feed, on the analysis side of the channel.
/// </summary>
public sealed class LiveLighting
{
    private readonly Func<AnalysisSettings> _settings;
    private readonly GridRowReader _reader;
    private TakeAnalyzer? _take;
    private long _windowStart = -1;
    private VideoFrame? _frame;
    private YCbCrMatrix _matrix;
    private ushort[] _y = [];
    private ushort[] _cb = [];
    private ushort[] _cr = [];

    public LiveLighting(Func<AnalysisSettings> settings)
    {
        _settings = settings;
        _reader = ReadRow;
    }

    /// <summary>How long one lighting take lasts before it starts again (flicker needs a few seconds).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a second the light colour and key are fitted (every frame for exposure and flicker).</summary>
    public double FitsPerSecond { get; init; } = 4;

    public FrameMeasurement? Last { get; private set; }

    /// <summary>The take so far (its flicker reading refreshed every quarter window, not on every call).</summary>
    public LightingRecord? Summary(string? source = null) => _take?.Build(source, exact: false);

    public FrameMeasurement Analyze(VideoFrame frame)
    {
        if (_take is null || (_windowStart >= 0 && frame.CaptureTime.UtcTicks - _windowStart > Window.Ticks))
        {
            var settings = _settings();
            var interval = Math.Max(1, (int)Math.Round(settings.FramesPerSecond / Math.Max(FitsPerSecond, 0.1)));
            _take = new TakeAnalyzer(settings with { FitInterval = interval });
            _matrix = settings.Gamut == Gamut.Rec2020 ? YCbCrMatrix.Bt2020 : YCbCrMatrix.Bt709;
            _windowStart = frame.CaptureTime.UtcTicks;
        }

        _frame = frame;
        try
        {
            Last = _take.AddFrame(frame.Format.Width, frame.Format.Height, 10, _reader);
        }
        finally
        {
            _frame = null;
        }

        return Last;
    }

    /// <summary>One analysed row: <paramref name="columns"/> pixels of source row <paramref name="row"/>, every <paramref name="step"/>-th.</summary>
    private void ReadRow(int row, int step, int columns, Span<ushort> rgb)
    {
        var frame = _frame!;
        var width = frame.Format.Width;
        if (_y.Length < Math.Max(width, columns))
        {
            _y = new ushort[Math.Max(width, columns)];
            _cb = new ushort[Math.Max((width + 1) / 2, columns)];
            _cr = new ushort[Math.Max((width + 1) / 2, columns)];
        }

        if (frame.Format.Pixel == FramePixelFormat.V210)
        {
            V210.SamplePixels(frame.ActiveLine(row), width, step, _y.AsSpan(0, columns), _cb, _cr);
            YCbCr.ToRgb10(_y.AsSpan(0, columns), _cb.AsSpan(0, columns), _cr.AsSpan(0, columns), rgb, _matrix);
            return;
        }

        frame.UnpackPlanar(row, _y.AsSpan(0, width), _cb, _cr);
        YCbCr.ToRgb10(_y.AsSpan(0, width), _cb.AsSpan(0, (width + 1) / 2), _cr.AsSpan(0, (width + 1) / 2), step, columns, rgb, _matrix);
    }

    /// <summary>One human line: exposure, clipping, light colour, key.</summary>
    public string? Line()
    {
        if (Last is not { } m)
        {
            return null;
        }

        var light = _take?.Light();
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

    /// <summary>Analysis settings for a feed: curve and gamut as configured, white balance, rate and shutter from the camera's metadata.</summary>
    public static AnalysisSettings SettingsFor(LogCurve curve, Gamut gamut, VideoFormat? format, Formats.Rdd18.AcquisitionMetadata? camera, double? whiteBalanceOverride = null) =>
        new(curve, gamut, whiteBalanceOverride ?? camera?.WhiteBalanceKelvin, format?.Rate.FramesPerSecond ?? 24, ShutterAngle: camera?.ShutterAngleDegrees);
}
