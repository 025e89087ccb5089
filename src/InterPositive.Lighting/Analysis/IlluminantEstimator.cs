using InterPositive.Lighting.Colour;

namespace InterPositive.Lighting.Analysis;

/// <summary>Per-frame sums the colour-constancy estimators need, gathered in one pass over the analysis grid.</summary>
public sealed class IlluminantEvidence
{
    /// <summary>Minkowski norm for shades-of-grey and grey-edge (Finlayson &amp; Trezzi 2004; van de Weijer 2007).</summary>
    public const int P = 6;

    public double GreyR { get; set; }

    public double GreyG { get; set; }

    public double GreyB { get; set; }

    public double ShadesR { get; set; }

    public double ShadesG { get; set; }

    public double ShadesB { get; set; }

    public double EdgeR { get; set; }

    public double EdgeG { get; set; }

    public double EdgeB { get; set; }

    public double BrightR { get; set; }

    public double BrightG { get; set; }

    public double BrightB { get; set; }

    public int Usable { get; set; }

    public int Bright { get; set; }

    /// <summary>Sums of log chromaticity, ln(r/g) and ln(b/g), and their squares over the usable pixels.</summary>
    public double LogRg { get; set; }

    public double LogBg { get; set; }

    public double LogRg2 { get; set; }

    public double LogBg2 { get; set; }

    /// <summary>
    /// How many different surface colours the picture holds: the spread (standard deviation, natural log units) of its
    /// log chromaticity. A change of light moves every pixel by the same amount there, so the spread is the surfaces'
    /// alone: near 0 for one colour (a backdrop, a wood-panelled room), 0.3 and more with a few distinct surfaces.
    /// </summary>
    public double ChromaSpread => Usable == 0 ? 0 : Math.Sqrt(Math.Max(0, (LogRg2 / Usable) - Sq(LogRg / Usable) + (LogBg2 / Usable) - Sq(LogBg / Usable)));

    public void Clear()
    {
        GreyR = GreyG = GreyB = ShadesR = ShadesG = ShadesB = EdgeR = EdgeG = EdgeB = BrightR = BrightG = BrightB = 0;
        LogRg = LogBg = LogRg2 = LogBg2 = 0;
        Usable = Bright = 0;
    }

    /// <summary>
    /// 0–1: whether the picture has enough different surfaces to tell the light's colour from theirs. One surface
    /// colour (spread under 0.12) cannot be told from a neutral under another light; 0.27 and more can.
    /// </summary>
    public double Diversity => Math.Clamp((ChromaSpread - 0.12) / 0.15, 0, 1);

    private static double Sq(double v) => v * v;
}

/// <summary>The light's colour as the estimators agree on it.</summary>
/// <param name="WhiteRgb">Estimated illuminant in the decoded (camera-balanced) RGB, unit green.</param>
/// <param name="LightXyz">The light itself in XYZ (Y = 1), the camera's white balance undone.</param>
/// <param name="Confidence">0–1: agreement of the estimators, neutral evidence, and how little the gamut constraint had to move.</param>
public sealed record IlluminantEstimate(Vector3d WhiteRgb, Vector3d LightXyz, double Confidence);

/// <summary>
/// Colour constancy in three steps. (1) Bright-pixel, shades-of-grey, grey-edge and grey-world estimates are combined by
/// a weighted median in CIE 1960 uv, with the camera's white balance (when known) as a weak prior. (2) The frame analyzer
/// refines that by grey pixels: surfaces whose chromaticity, corrected by the current estimate, is close to neutral are
/// averaged, with a shrinking tolerance (<see cref="Refine"/>). (3) A gamut constraint on the light itself: real sources
/// lie near the Planckian/daylight band, so the estimate (in scene terms, white balance undone) is pulled into
/// 1500–25000 K and |Duv| ≤ 0.02, and the confidence drops with how far it had to move. Clipped and crushed pixels never vote.
/// </summary>
public static class IlluminantEstimator
{
    /// <summary>Step 1: the robust combination of the classic estimators; returns the white in balanced camera RGB.</summary>
    public static (Vector3d WhiteRgb, double Agreement)? Combine(IlluminantEvidence evidence, Matrix3 rgbToXyz, bool whiteBalancePrior)
    {
        if (evidence.Usable < 16)
        {
            return null;
        }

        var estimates = new List<(Vector3d Rgb, double Weight)>(5);
        void Add(double r, double g, double b, double weight)
        {
            if (r > 0 && g > 0 && b > 0 && double.IsFinite(r + g + b))
            {
                estimates.Add((new Vector3d(r / g, 1, b / g), weight));
            }
        }

        if (evidence.Bright >= 4)
        {
            Add(evidence.BrightR, evidence.BrightG, evidence.BrightB, 1.5);
        }

        Add(Math.Pow(evidence.ShadesR, 1.0 / IlluminantEvidence.P), Math.Pow(evidence.ShadesG, 1.0 / IlluminantEvidence.P), Math.Pow(evidence.ShadesB, 1.0 / IlluminantEvidence.P), 1.2);
        Add(Math.Pow(evidence.EdgeR, 1.0 / IlluminantEvidence.P), Math.Pow(evidence.EdgeG, 1.0 / IlluminantEvidence.P), Math.Pow(evidence.EdgeB, 1.0 / IlluminantEvidence.P), 1.0);
        Add(evidence.GreyR, evidence.GreyG, evidence.GreyB, 0.6);
        if (estimates.Count == 0)
        {
            return null;
        }

        var points = estimates.Select(e => (Uv: Chromaticity.XyzToUv(rgbToXyz * e.Rgb), e.Weight)).ToList();
        if (whiteBalancePrior)
        {
            // A balanced camera renders its assumed light as the gamut white (D65).
            points.Add((Chromaticity.XyToUv(Gamuts.D65X, Gamuts.D65Y), 0.5));
        }

        var u = WeightedMedian(points.Select(p => (p.Uv.u, p.Weight)));
        var v = WeightedMedian(points.Select(p => (p.Uv.v, p.Weight)));
        var spread = points.Select(p => Math.Sqrt((p.Uv.u - u) * (p.Uv.u - u) + (p.Uv.v - v) * (p.Uv.v - v))).Order().ElementAt(points.Count / 2);
        var agreement = Math.Exp(-spread / 0.006) * (estimates.Count >= 3 ? 1 : 0.7);
        var (x, y) = Chromaticity.UvToXy(u, v);
        var rgb = Gamuts.XyzToRgbFrom(rgbToXyz) * Chromaticity.XyToXyz(x, y);
        return (new Vector3d(rgb.X / rgb.Y, 1, rgb.Z / rgb.Y), agreement);
    }

    /// <summary>
    /// Step 2, one iteration: the mean of pixels that look neutral once divided by <paramref name="white"/> (chromaticity
    /// within <paramref name="tolerance"/> of equal-energy in rgb chromaticity). Null when fewer than
    /// <paramref name="minimum"/> pixels qualify.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static (Vector3d White, int Count)? Refine(ReadOnlySpan<float> r, ReadOnlySpan<float> g, ReadOnlySpan<float> b, ReadOnlySpan<byte> flags, ReadOnlySpan<float> luminance, float floor, Vector3d white, double tolerance, int minimum)
    {
        double sr = 0, sg = 0, sb = 0;
        var count = 0;
        var ir = 1 / white.X;
        var ib = 1 / white.Z;
        var tol2 = tolerance * tolerance;
        for (var i = 0; i < r.Length; i++)
        {
            if (flags[i] != 0 || luminance[i] <= floor)
            {
                continue;
            }

            double cr = r[i] * ir, cg = g[i], cb = b[i] * ib;
            var sum = cr + cg + cb;
            if (sum <= 0 || cr <= 0 || cb <= 0)
            {
                continue;
            }

            var dr = cr / sum - 1.0 / 3;
            var db = cb / sum - 1.0 / 3;
            if (dr * dr + db * db > tol2)
            {
                continue;
            }

            sr += r[i];
            sg += g[i];
            sb += b[i];
            count++;
        }

        return count < minimum || sg <= 0 ? null : (new Vector3d(sr / sg, 1, sb / sg), count);
    }

    /// <summary>Step 3: the light in scene XYZ (white balance undone) with the gamut constraint applied.</summary>
    public static IlluminantEstimate Finish(Vector3d whiteRgb, Matrix3 rgbToXyz, Matrix3 balancedToScene, double confidence)
    {
        var xyz = balancedToScene * (rgbToXyz * whiteRgb);
        var (u, v) = Chromaticity.XyzToUv(xyz);
        var cct = Cct.FromUv(u, v);
        var moved = 0.0;
        if (Math.Abs(cct.Duv) > 0.02 || cct.Cct is < 1500 or > 25000)
        {
            var (cu, cv) = Cct.ToUv(Math.Clamp(cct.Cct, 1500, 25000), Math.Clamp(cct.Duv, -0.02, 0.02));
            moved = Math.Sqrt((cu - u) * (cu - u) + (cv - v) * (cv - v));
            (u, v) = (cu, cv);
        }

        var (x, y) = Chromaticity.UvToXy(u, v);
        return new IlluminantEstimate(whiteRgb, Chromaticity.XyToXyz(x, y), Math.Clamp(confidence * Math.Exp(-moved / 0.01), 0, 1));
    }

    private static double WeightedMedian(IEnumerable<(double Value, double Weight)> items)
    {
        var sorted = items.OrderBy(i => i.Value).ToList();
        var total = sorted.Sum(i => i.Weight);
        var running = 0.0;
        foreach (var (value, weight) in sorted)
        {
            running += weight;
            if (running >= total / 2)
            {
                return value;
            }
        }

        return sorted[^1].Value;
    }
}
