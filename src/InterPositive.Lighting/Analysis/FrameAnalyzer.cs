using System.Runtime.CompilerServices;
using InterPositive.Lighting.Colour;

namespace InterPositive.Lighting.Analysis;

/// <summary>Writes <paramref name="columns"/> RGB code-value triplets of source row <paramref name="sourceRow"/>, every <paramref name="columnStep"/>-th pixel.</summary>
public delegate void GridRowReader(int sourceRow, int columnStep, int columns, Span<ushort> rgb);

/// <summary>What one frame measured.</summary>
/// <param name="AverageStops">Log-average scene luminance relative to 18 % grey, in stops (a reflected meter's reading).</param>
/// <param name="ClippedPct">Share of samples with any channel at or above the curve's clip point.</param>
/// <param name="CrushedPct">Share of samples more than <see cref="FrameAnalyzer.CrushStops"/> stops under grey.</param>
/// <param name="Histogram">Share of samples per quarter stop from <see cref="FrameAnalyzer.HistogramLowStops"/> (percent).</param>
/// <param name="Zones">Share of samples per <see cref="FalseColourZone"/> (percent).</param>
/// <param name="Light">The light's estimate in the decoded (camera-balanced) RGB, when enough neutral evidence exists.</param>
/// <param name="Shading">Key direction and key-to-fill from the SH fit, when the subject gave enough samples.</param>
public sealed record FrameMeasurement(
    double AverageStops,
    double ClippedPct,
    double CrushedPct,
    double[] Histogram,
    double[] Zones,
    IlluminantEstimate? Light,
    ShadingEstimate? Shading);

/// <summary>
/// Measures frames of one take. Decodes code values through a 1D LUT sized to the bit depth (no per-pixel transcendental
/// maths), samples a grid of about <see cref="AnalysisSettings.GridColumns"/> columns with the same spacing vertically,
/// and gathers exposure, false-colour, colour-constancy, shading and per-row flicker evidence in one pass. Scratch buffers
/// are kept between frames of the same size: nothing is allocated per pixel or, after the first frame, per frame except
/// the small result record. Not thread-safe: one analyzer per stream of frames.
/// </summary>
public sealed class FrameAnalyzer
{
    public const double HistogramLowStops = -12;
    public const int HistogramBinsPerStop = 4;
    public const int HistogramBins = 24 * HistogramBinsPerStop;

    /// <summary>Luminance this far under grey is "crushed": below the noise floor of log cameras and the toe of video.</summary>
    public const double CrushStops = 7;

    private const double Grey = 0.18;
    private const double Ln2 = 0.6931471805599453;
    private const int CellSize = 4;

    private readonly AnalysisSettings _settings;
    private readonly Matrix3 _toXyz;
    private readonly float _yr;
    private readonly float _yg;
    private readonly float _yb;

    /// <summary>Undoes the camera's white balance: it adapted its assumed light to the gamut white (D65); adapt back.</summary>
    private readonly Matrix3 _balancedToScene;
    private float[] _lut = [];
    private int _lutDepth = -1;
    private long _frameIndex;
    private int _clipCode;

    private int _gridWidth;
    private int _gridHeight;
    private int _step;
    private float[] _r = [];
    private float[] _g = [];
    private float[] _b = [];
    private float[] _y = [];
    private byte[] _flags = [];
    private float[] _rowMeans = [];
    private double[] _cells = [];
    private int[] _cellCounts = [];
    private float[] _cellMin = [];
    private ushort[] _rowScratch = [];
    private readonly double[] _histogram = new double[HistogramBins];
    private readonly double[] _zones = new double[FalseColour.ZoneCount];
    private readonly IlluminantEvidence _evidence = new();
    private readonly ShadingFit.Accumulator _shading = new();

    public FrameAnalyzer(AnalysisSettings settings)
    {
        _settings = settings;
        _toXyz = Gamuts.RgbToXyz(settings.Gamut);
        _yr = (float)_toXyz.M10;
        _yg = (float)_toXyz.M11;
        _yb = (float)_toXyz.M12;
        _balancedToScene = settings.WhiteBalanceKelvin is { } kelvin
            ? ChromaticAdaptation.Matrix((Gamuts.D65X, Gamuts.D65Y), Cct.PlanckianXy(kelvin))
            : Matrix3.Identity;
    }

    public AnalysisSettings Settings => _settings;

    /// <summary>The analysed rows of the last frame: mean linear luminance per grid row (for flicker).</summary>
    public ReadOnlySpan<float> RowMeans => _rowMeans.AsSpan(0, _gridHeight);

    /// <summary>Rows of the source picture between two analysed rows.</summary>
    public int RowStep => _step;

    /// <summary>Analyses one frame of interleaved integer code values (grey, RGB or RGBA; alpha ignored).</summary>
    public FrameMeasurement Analyze(ReadOnlySpan<ushort> samples, int width, int height, int channels, int bitDepth)
    {
        if (width <= 0 || height <= 0 || channels is < 1 or > 4 || bitDepth is < 1 or > 16)
        {
            throw new ArgumentException($"unsupported frame {width}x{height}, {channels} channels, {bitDepth} bits");
        }

        if (samples.Length < (long)width * height * channels)
        {
            throw new ArgumentException("the sample buffer is smaller than the frame", nameof(samples));
        }

        EnsureLut(bitDepth);
        EnsureGrid(width, height);
        var colour = channels >= 3;
        for (var gy = 0; gy < _gridHeight; gy++)
        {
            DecodeRow(samples.Slice(gy * _step * width * channels, width * channels), gy, _step * channels, colour);
        }

        return Measure(colour);
    }

    /// <summary>
    /// Analyses a frame whose rows are produced on demand (a v210 feed unpacked and converted only on the analysed rows
    /// and columns): <paramref name="reader"/> writes <c>columns</c> RGB triplets of source row <c>sourceRow</c>, taking
    /// every <c>columnStep</c>-th pixel, as integer code values of <paramref name="bitDepth"/> bits.
    /// </summary>
    public FrameMeasurement AnalyzeRows(int width, int height, int bitDepth, GridRowReader reader)
    {
        if (width <= 0 || height <= 0 || bitDepth is < 1 or > 16)
        {
            throw new ArgumentException($"unsupported frame {width}x{height}, {bitDepth} bits");
        }

        EnsureLut(bitDepth);
        EnsureGrid(width, height);
        if (_rowScratch.Length < _gridWidth * 3)
        {
            _rowScratch = new ushort[_gridWidth * 3];
        }

        for (var gy = 0; gy < _gridHeight; gy++)
        {
            var scratch = _rowScratch.AsSpan(0, _gridWidth * 3);
            reader(gy * _step, _step, _gridWidth, scratch);
            DecodeRow(scratch, gy, 3, colour: true);
        }

        return Measure(colour: true);
    }

    /// <summary>Decodes one grid row: every <paramref name="pixelStride"/>-th sample starts a pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeRow(ReadOnlySpan<ushort> row, int gy, int pixelStride, bool colour)
    {
        var lut = _lut;
        var clip = _clipCode;
        var gw = _gridWidth;
        var o = gy * gw;
        double rowSum = 0;
        for (var gx = 0; gx < gw; gx++)
        {
            var p = gx * pixelStride;
            int cr, cg, cb;
            if (colour)
            {
                cr = row[p];
                cg = row[p + 1];
                cb = row[p + 2];
            }
            else
            {
                cr = cg = cb = row[p];
            }

            var r = lut[cr];
            var g = lut[cg];
            var b = lut[cb];
            var y = _yr * r + _yg * g + _yb * b;
            _r[o + gx] = r;
            _g[o + gx] = g;
            _b[o + gx] = b;
            _y[o + gx] = y;
            _flags[o + gx] = (byte)((cr >= clip || cg >= clip || cb >= clip) ? 1 : 0);
            rowSum += y;
        }

        _rowMeans[gy] = (float)(rowSum / gw);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private FrameMeasurement Measure(bool colour)
    {
        var gw = _gridWidth;
        var gh = _gridHeight;
        // Pass 2: exposure statistics and the histogram.
        Array.Clear(_histogram);
        Array.Clear(_zones);
        var crushLevel = (float)(Grey * Math.Pow(2, -CrushStops));
        var clipStops = Math.Log2(LogCurves.ClipLinear(_settings.Curve) / Grey);
        var n = gw * gh;
        double logSum = 0;
        int clipped = 0, crushed = 0;
        for (var i = 0; i < n; i++)
        {
            var y = _y[i];
            var stops = FastLog2(Math.Max(y, 1e-6f) * (1 / (float)Grey));
            logSum += stops;
            if (_flags[i] != 0)
            {
                clipped++;
            }

            if (y < crushLevel)
            {
                crushed++;
                _flags[i] |= 2;
            }

            var bin = (int)((stops - HistogramLowStops) * HistogramBinsPerStop);
            _histogram[Math.Clamp(bin, 0, HistogramBins - 1)]++;
            _zones[(int)FalseColour.Zone(stops, clipStops, _flags[i] & 1)]++;
        }

        var scale = 100.0 / n;
        for (var i = 0; i < HistogramBins; i++)
        {
            _histogram[i] *= scale;
        }

        for (var i = 0; i < _zones.Length; i++)
        {
            _zones[i] *= scale;
        }

        var fit = _frameIndex++ % Math.Max(1, _settings.FitInterval) == 0;
        var light = colour && fit ? EstimateLight(gw, gh) : null;
        var shading = fit ? FitShading(gw, gh) : null;
        return new FrameMeasurement(logSum / n, clipped * scale, crushed * scale, (double[])_histogram.Clone(), (double[])_zones.Clone(), light, shading);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private IlluminantEstimate? EstimateLight(int gw, int gh)
    {
        var e = _evidence;
        e.Clear();
        var n = gw * gh;
        // Bright-pixel threshold: the top 3 % of usable luminance.
        Span<int> counts = stackalloc int[HistogramBins];
        var floor = (float)(Grey * Math.Pow(2, -5));
        var usable = 0;
        for (var i = 0; i < n; i++)
        {
            if (_flags[i] == 0 && _y[i] > floor)
            {
                var bin = (int)((FastLog2(_y[i] / (float)Grey) - HistogramLowStops) * HistogramBinsPerStop);
                counts[Math.Clamp(bin, 0, HistogramBins - 1)]++;
                usable++;
            }
        }

        if (usable < 16)
        {
            return null;
        }

        var target = usable * 0.03;
        var seen = 0;
        var brightBin = HistogramBins - 1;
        for (; brightBin > 0; brightBin--)
        {
            seen += counts[brightBin];
            if (seen >= target)
            {
                break;
            }
        }

        var brightLevel = (float)(Grey * Math.Pow(2, HistogramLowStops + (double)brightBin / HistogramBinsPerStop));
        for (var gy = 0; gy < gh; gy++)
        {
            for (var gx = 0; gx < gw; gx++)
            {
                var i = gy * gw + gx;
                if (_flags[i] != 0 || _y[i] <= floor)
                {
                    continue;
                }

                double r = _r[i], g = _g[i], b = _b[i];
                if (r <= 0 || g <= 0 || b <= 0)
                {
                    continue;
                }

                e.Usable++;
                var lrg = FastLog2((float)(r / g)) * Ln2;
                var lbg = FastLog2((float)(b / g)) * Ln2;
                e.LogRg += lrg;
                e.LogBg += lbg;
                e.LogRg2 += lrg * lrg;
                e.LogBg2 += lbg * lbg;
                e.GreyR += r;
                e.GreyG += g;
                e.GreyB += b;
                e.ShadesR += Pow6(r);
                e.ShadesG += Pow6(g);
                e.ShadesB += Pow6(b);
                if (_y[i] >= brightLevel)
                {
                    e.Bright++;
                    e.BrightR += r;
                    e.BrightG += g;
                    e.BrightB += b;
                }

                if (gx + 1 < gw && gy + 1 < gh && _flags[i + 1] == 0 && _flags[i + gw] == 0)
                {
                    double dxr = _r[i + 1] - r, dyr = _r[i + gw] - r;
                    double dxg = _g[i + 1] - g, dyg = _g[i + gw] - g;
                    double dxb = _b[i + 1] - b, dyb = _b[i + gw] - b;
                    e.EdgeR += Cube(dxr * dxr + dyr * dyr);
                    e.EdgeG += Cube(dxg * dxg + dyg * dyg);
                    e.EdgeB += Cube(dxb * dxb + dyb * dyb);
                }
            }
        }

        if (IlluminantEstimator.Combine(e, _toXyz, _settings.WhiteBalanceKelvin is not null) is not { } initial)
        {
            return null;
        }

        // Grey pixels: average what looks neutral under the current estimate, tightening the tolerance. Started from the
        // estimators' medoid and from the brightest surfaces (whites and highlights, the light's own colour on coloured
        // sets); the start whose neutrals are many and whose light lies in the lamps' band wins.
        var minimum = Math.Max(8, e.Usable / 200);
        (Vector3d White, int Neutral) RefineFrom(Vector3d start)
        {
            var white = start;
            var neutral = 0;
            foreach (var tolerance in (ReadOnlySpan<double>)[0.06, 0.03, 0.015, 0.008])
            {
                if (IlluminantEstimator.Refine(_r.AsSpan(0, n), _g.AsSpan(0, n), _b.AsSpan(0, n), _flags.AsSpan(0, n), _y.AsSpan(0, n), floor, white, tolerance, minimum) is not { } refined)
                {
                    break;
                }

                white = refined.White;
                neutral = refined.Count;
            }

            return (white, neutral);
        }

        double Score((Vector3d White, int Neutral) r) => Math.Max(r.Neutral, 1) * IlluminantEstimator.Finish(r.White, _toXyz, _balancedToScene, 1).Confidence;
        var best = RefineFrom(initial.WhiteRgb);
        if (e.Bright >= 4 && e.BrightG > 0 && e.BrightR > 0 && e.BrightB > 0)
        {
            var fromBright = RefineFrom(new Vector3d(e.BrightR / e.BrightG, 1, e.BrightB / e.BrightG));
            if (Score(fromBright) > Score(best))
            {
                best = fromBright;
            }
        }

        var (white, neutral) = best;
        var neutralShare = (double)neutral / e.Usable;
        var coverage = Math.Clamp(e.Usable / 2000.0, 0, 1);
        // A picture of one surface colour cannot tell it from a neutral under another light, however well the estimators agree.
        var confidence = (0.35 * initial.Agreement + 0.65 * Math.Clamp(neutralShare / 0.05, 0, 1)) * (0.5 + 0.5 * coverage) * e.Diversity;
        return IlluminantEstimator.Finish(white, _toXyz, _balancedToScene, confidence);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ShadingEstimate? FitShading(int gw, int gh)
    {
        var cw = (gw + CellSize - 1) / CellSize;
        var ch = (gh + CellSize - 1) / CellSize;
        Array.Clear(_cells, 0, cw * ch);
        Array.Clear(_cellCounts, 0, cw * ch);
        Array.Fill(_cellMin, float.MaxValue, 0, cw * ch);
        for (var gy = 0; gy < gh; gy++)
        {
            var cy = gy / CellSize;
            for (var gx = 0; gx < gw; gx++)
            {
                var i = gy * gw + gx;
                if ((_flags[i] & 1) != 0)
                {
                    continue;
                }

                var c = cy * cw + gx / CellSize;
                _cells[c] += _y[i];
                _cellCounts[c]++;
                _cellMin[c] = Math.Min(_cellMin[c], _y[i]);
            }
        }

        double peak = 0;
        for (var c = 0; c < cw * ch; c++)
        {
            if (_cellCounts[c] > 0)
            {
                _cells[c] /= _cellCounts[c];
                peak = Math.Max(peak, _cells[c]);
            }
        }

        if (peak <= 0)
        {
            return null;
        }

        // The subject: cells well above the background; its bounding box gives the convex prior's ellipse.
        var threshold = peak * Math.Pow(2, -6);
        int minX = cw, maxX = -1, minY = ch, maxY = -1;
        for (var cy = 0; cy < ch; cy++)
        {
            for (var cx = 0; cx < cw; cx++)
            {
                if (_cellCounts[cy * cw + cx] > 0 && _cells[cy * cw + cx] > threshold)
                {
                    minX = Math.Min(minX, cx);
                    maxX = Math.Max(maxX, cx);
                    minY = Math.Min(minY, cy);
                    maxY = Math.Max(maxY, cy);
                }
            }
        }

        if (maxX < minX + 2 || maxY < minY + 2)
        {
            return null;
        }

        var centreX = (minX + maxX + 1) / 2.0;
        var centreY = (minY + maxY + 1) / 2.0;
        var radiusX = (maxX - minX + 1) / 2.0;
        var radiusY = (maxY - minY + 1) / 2.0;
        _shading.Clear();
        for (var cy = minY; cy <= maxY; cy++)
        {
            for (var cx = minX; cx <= maxX; cx++)
            {
                var c = cy * cw + cx;
                // Only cells wholly on the subject: a cell straddling the silhouette reads as false fall-off.
                if (_cellCounts[c] == 0 || _cellMin[c] <= threshold)
                {
                    continue;
                }

                var u = (cx + 0.5 - centreX) / radiusX;
                var v = -(cy + 0.5 - centreY) / radiusY;
                var rr = u * u + v * v;
                if (rr >= 0.9)
                {
                    continue;
                }

                _shading.Add(u, v, Math.Sqrt(1 - rr), _cells[c]);
            }
        }

        return _shading.Solve();
    }

    private void EnsureLut(int bitDepth)
    {
        if (_lutDepth == bitDepth)
        {
            return;
        }

        var max = (1 << bitDepth) - 1;
        _lut = new float[max + 1];
        for (var code = 0; code <= max; code++)
        {
            _lut[code] = (float)LogCurves.Decode(_settings.Curve, (double)code / max);
        }

        _clipCode = (int)Math.Ceiling(LogCurves.ClipCode(_settings.Curve) * max);
        _lutDepth = bitDepth;
    }

    private void EnsureGrid(int width, int height)
    {
        var step = Math.Max(1, (int)Math.Round((double)width / _settings.GridColumns));
        var gw = (width + step - 1) / step;
        var gh = (height + step - 1) / step;
        if (gw == _gridWidth && gh == _gridHeight && step == _step)
        {
            return;
        }

        _step = step;
        _gridWidth = gw;
        _gridHeight = gh;
        var n = gw * gh;
        _r = new float[n];
        _g = new float[n];
        _b = new float[n];
        _y = new float[n];
        _flags = new byte[n];
        _rowMeans = new float[gh];
        var cells = ((gw + CellSize - 1) / CellSize) * ((gh + CellSize - 1) / CellSize);
        _cells = new double[cells];
        _cellCounts = new int[cells];
        _cellMin = new float[cells];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Pow6(double v)
    {
        var v2 = v * v;
        return v2 * v2 * v2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Cube(double v) => v * v * v;

    /// <summary>log2 from the float's exponent and a cubic on the mantissa: ±0.005 stop, far inside a histogram bin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float FastLog2(float v)
    {
        var bits = BitConverter.SingleToInt32Bits(v);
        var exponent = ((bits >> 23) & 0xFF) - 127;
        var m = BitConverter.Int32BitsToSingle((bits & 0x007FFFFF) | 0x3F800000) - 1f;
        // Minimax-style fit of log2(1+m) on [0,1).
        var p = m * (1.4425449f + m * (-0.7181452f + m * (0.4575485f + m * -0.1818357f)));
        return exponent + p;
    }
}
