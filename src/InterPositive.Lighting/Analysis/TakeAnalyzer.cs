using System.Runtime.InteropServices;
using InterPositive.Lighting.Colour;

namespace InterPositive.Lighting.Analysis;

/// <summary>
/// Builds the per-take lighting record from a stream of frames: feeds each through a <see cref="FrameAnalyzer"/>, keeps
/// per-second buckets and a window of row profiles for flicker, and undoes the camera white balance at the end so
/// <c>light.cct</c> is the colour of the light, not of the picture. Memory is bounded: a few numbers per frame plus one
/// flicker window of row means.
/// </summary>
public sealed class TakeAnalyzer
{
    private readonly FrameAnalyzer _frames;
    private readonly AnalysisSettings _settings;
    private readonly List<double> _stops = [];
    private readonly List<double> _clipped = [];
    private readonly List<double> _crushed = [];
    private readonly double[] _histogram = new double[FrameAnalyzer.HistogramBins];
    private readonly double[] _zones = new double[FalseColour.ZoneCount];
    private readonly List<(int Frame, double U, double V, double Confidence)> _light = [];
    private readonly List<(int Frame, ShadingEstimate Shading)> _shading = [];
    private readonly List<float> _rowWindow = [];
    private readonly List<SensorSample> _sensors = [];
    private FlickerResult _flicker = FlickerResult.None;
    private SpectrumBin[]? _spectrum;
    private FlickerResult? _pending;
    private int _pendingFrames;
    private int _windowFrames;
    private int _rows = -1;
    private int _width;
    private int _height;

    public TakeAnalyzer(AnalysisSettings settings)
    {
        _settings = settings;
        _frames = new FrameAnalyzer(settings);
    }

    public int FrameCount { get; private set; }

    /// <summary>Measures one frame (interleaved integer code values) and folds it into the take.</summary>
    public FrameMeasurement AddFrame(ReadOnlySpan<ushort> samples, int width, int height, int channels, int bitDepth) =>
        Fold(_frames.Analyze(samples, width, height, channels, bitDepth), width, height);

    /// <summary>Measures one frame whose analysed rows come from <paramref name="reader"/> (feeds: v210 and friends).</summary>
    public FrameMeasurement AddFrame(int width, int height, int bitDepth, GridRowReader reader) =>
        Fold(_frames.AnalyzeRows(width, height, bitDepth, reader), width, height);

    private FrameMeasurement Fold(FrameMeasurement m, int width, int height)
    {
        _width = width;
        _height = height;
        var index = FrameCount++;
        _stops.Add(m.AverageStops);
        _clipped.Add(m.ClippedPct);
        _crushed.Add(m.CrushedPct);
        for (var i = 0; i < _histogram.Length; i++)
        {
            _histogram[i] += m.Histogram[i];
        }

        for (var i = 0; i < _zones.Length; i++)
        {
            _zones[i] += m.Zones[i];
        }

        if (m.Light is { } light)
        {
            var (u, v) = Chromaticity.XyzToUv(light.LightXyz);
            _light.Add((index, u, v, light.Confidence));
        }

        if (m.Shading is { } shading)
        {
            _shading.Add((index, shading));
        }

        var rows = _frames.RowMeans;
        if (_rows != rows.Length)
        {
            _rowWindow.Clear();
            _windowFrames = 0;
            _pending = null;
            _rows = rows.Length;
        }

        foreach (var r in rows)
        {
            _rowWindow.Add(r);
        }

        _windowFrames++;
        if (_windowFrames >= _settings.FlickerWindowFrames)
        {
            CloseFlickerWindow();
        }

        return m;
    }

    /// <summary>Adds a light-sensor reading taken during the take.</summary>
    public void AddSensor(SensorSample sample) => _sensors.Add(sample);

    /// <summary>The light's colour over the frames so far: the cheap part of <see cref="Build"/>, for live status lines.</summary>
    public LightColour Light() => LightOf(_light);

    /// <summary>
    /// The record for everything seen so far. With <paramref name="exact"/> false (live summaries, asked every second)
    /// the flicker reading of the window still filling may be up to a quarter of a window old.
    /// </summary>
    public LightingRecord Build(string? source = null, bool exact = true)
    {
        // The frames since the last full window count too, without closing it: a live take goes on after a summary.
        var flicker = _flicker;
        var spectrum = _spectrum;
        if (_windowFrames >= 3 && (_windowFrames * 2 >= _settings.FlickerWindowFrames || _spectrum is null))
        {
            (flicker, spectrum) = Merge(_flicker, _spectrum, DetectPending(exact));
        }

        var frames = Math.Max(FrameCount, 1);
        var histogram = new List<HistogramBin>();
        for (var stop = -10; stop <= 10; stop++)
        {
            double pct = 0;
            for (var q = 0; q < FrameAnalyzer.HistogramBinsPerStop; q++)
            {
                // Quarter-stop bins centred on whole stops: [stop − ½, stop + ½).
                var bin = (int)((stop - 0.5 - FrameAnalyzer.HistogramLowStops) * FrameAnalyzer.HistogramBinsPerStop) + q;
                if (bin >= 0 && bin < _histogram.Length)
                {
                    pct += _histogram[bin];
                }
            }

            histogram.Add(new HistogramBin(stop, Math.Round(pct / frames, 3)));
        }

        var zones = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < _zones.Length; i++)
        {
            zones[FalseColour.Name((FalseColourZone)i)] = Math.Round(_zones[i] / frames, 3);
        }

        return new LightingRecord
        {
            Source = source,
            Frames = FrameCount,
            Fps = _settings.FramesPerSecond,
            Width = _width,
            Height = _height,
            Log = LogCurves.Name(_settings.Curve),
            Gamut = Gamuts.Name(_settings.Gamut),
            WhiteBalanceK = _settings.WhiteBalanceKelvin,
            Exposure = new ExposureSummary
            {
                AverageStops = Round(Mean(_stops), 3),
                ClippedPct = Round(Mean(_clipped), 3),
                CrushedPct = Round(Mean(_crushed), 3),
                HistogramStops = histogram,
                FalseColour = zones,
            },
            Light = LightOf(_light),
            Contrast = ContrastOf(_shading.Select(s => s.Shading).ToList()),
            Flicker = new FlickerSummary
            {
                Detected = flicker.Detected,
                FrequencyHz = flicker.FrequencyHz,
                DepthPct = flicker.DepthPct,
                BeatHz = flicker.BeatHz,
                Banding = flicker.RollingShutterBanding,
                SafeShutterAngles = [.. flicker.SafeShutterAngles],
                Spectrum = spectrum is null ? [] : [.. spectrum],
            },
            Sensors = [.. _sensors],
            Samples = Seconds(),
        };
    }

    private void CloseFlickerWindow()
    {
        // The window's own reading: all its frames, never a cached look at part of it.
        _pending = null;
        if (_windowFrames >= 3)
        {
            (_flicker, _spectrum) = Merge(_flicker, _spectrum, DetectPending());
        }

        _rowWindow.Clear();
        _windowFrames = 0;
        _pending = null;
    }

    private FlickerResult DetectPending(bool exact = true)
    {
        if (_windowFrames < 3 || _rows <= 0)
        {
            return FlickerResult.None;
        }

        // A live summary asks every second: look again only when a quarter of a window has come in since (the
        // detector runs on the analysis thread and costs tens of milliseconds for a full window).
        var stale = exact ? 1 : Math.Max(1, _settings.FlickerWindowFrames / 4);
        if (_pending is { } cached && _pendingFrames <= _windowFrames && _windowFrames - _pendingFrames < stale)
        {
            return cached;
        }

        var readout = _settings.ReadoutSeconds ?? AnalysisSettings.DefaultReadoutSeconds;
        var rowTime = _height > 0 ? readout / _height * _frames.RowStep : 0;
        _pending = FlickerDetector.Detect(CollectionsMarshal.AsSpan(_rowWindow), _windowFrames, _rows, _settings.FramesPerSecond, rowTime, _settings.ShutterAngle);
        _pendingFrames = _windowFrames;
        return _pending;
    }

    /// <summary>The take keeps its deepest detection; the spectrum keeps each bin's deepest reading over the windows.</summary>
    private static (FlickerResult Flicker, SpectrumBin[]? Spectrum) Merge(FlickerResult kept, SpectrumBin[]? spectrum, FlickerResult window)
    {
        var flicker = window.Detected && (!kept.Detected || window.DepthPct > kept.DepthPct) ? window : kept;
        if (window.Spectrum.Count == 0)
        {
            return (flicker, spectrum);
        }

        if (spectrum is null || spectrum.Length != window.Spectrum.Count)
        {
            return (flicker, [.. window.Spectrum]);
        }

        var merged = (SpectrumBin[])spectrum.Clone();
        for (var i = 0; i < merged.Length; i++)
        {
            if (window.Spectrum[i].DepthPct > merged[i].DepthPct)
            {
                merged[i] = window.Spectrum[i];
            }
        }

        return (flicker, merged);
    }

    private static LightColour LightOf(List<(int Frame, double U, double V, double Confidence)> light)
    {
        if (light.Count == 0)
        {
            return new LightColour();
        }

        var u = Median(light.Select(l => l.U));
        var v = Median(light.Select(l => l.V));
        var cct = Cct.FromUv(u, v);
        var (x, y) = Chromaticity.UvToXy(u, v);
        var stability = light.Count > 1 ? Math.Exp(-Median(light.Select(l => Math.Sqrt((l.U - u) * (l.U - u) + (l.V - v) * (l.V - v)))) / 0.004) : 1;
        return new LightColour
        {
            Cct = Math.Round(cct.Cct, 0),
            Duv = Math.Round(cct.Duv, 4),
            Tint = Math.Round(cct.Tint, 1),
            Confidence = Math.Round(Median(light.Select(l => l.Confidence)) * stability, 3),
            X = Math.Round(x, 5),
            Y = Math.Round(y, 5),
        };
    }

    private static ContrastSummary ContrastOf(List<ShadingEstimate> shading)
    {
        if (shading.Count == 0)
        {
            return new ContrastSummary();
        }

        // Circular mean of the azimuths, weighted by how far off-axis the key is (a frontal key has no azimuth).
        double sx = 0, sy = 0;
        foreach (var s in shading)
        {
            var w = Math.Cos(s.ElevationDeg * Math.PI / 180);
            sx += w * Math.Cos(s.AzimuthDeg * Math.PI / 180);
            sy += w * Math.Sin(s.AzimuthDeg * Math.PI / 180);
        }

        var azimuth = Math.Atan2(sy, sx) * 180 / Math.PI;
        if (azimuth < 0)
        {
            azimuth += 360;
        }

        return new ContrastSummary
        {
            KeyFillStops = Math.Round(Median(shading.Select(s => s.KeyFillStops)), 2),
            KeyAzimuthDeg = Math.Round(azimuth, 1),
            KeyElevationDeg = Math.Round(Median(shading.Select(s => s.ElevationDeg)), 1),
        };
    }

    private List<SecondSample> Seconds()
    {
        var fps = _settings.FramesPerSecond > 0 ? _settings.FramesPerSecond : 24;
        var result = new List<SecondSample>();
        var seconds = (int)Math.Ceiling(FrameCount / fps);
        for (var s = 0; s < seconds; s++)
        {
            var first = (int)Math.Ceiling(s * fps);
            var last = Math.Min(FrameCount, (int)Math.Ceiling((s + 1) * fps));
            if (last <= first)
            {
                continue;
            }

            var light = _light.Where(l => l.Frame >= first && l.Frame < last).ToList();
            var shading = _shading.Where(l => l.Frame >= first && l.Frame < last).Select(l => l.Shading).ToList();
            CctDuv? cct = light.Count > 0 ? Cct.FromUv(Median(light.Select(l => l.U)), Median(light.Select(l => l.V))) : null;
            var contrast = ContrastOf(shading);
            result.Add(new SecondSample
            {
                Second = s,
                Frames = last - first,
                AverageStops = Round(_stops.Skip(first).Take(last - first).Average(), 3),
                ClippedPct = Round(_clipped.Skip(first).Take(last - first).Average(), 3),
                Cct = cct is { } c ? Math.Round(c.Cct, 0) : null,
                Duv = cct is { } d ? Math.Round(d.Duv, 4) : null,
                KeyFillStops = contrast.KeyFillStops,
                KeyAzimuthDeg = contrast.KeyAzimuthDeg,
                KeyElevationDeg = contrast.KeyElevationDeg,
            });
        }

        return result;
    }

    private static double Mean(List<double> values) => values.Count == 0 ? 0 : values.Average();

    private static double Round(double value, int digits) => Math.Round(value, digits);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
