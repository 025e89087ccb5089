namespace InterPositive.Lighting.Colour;

/// <summary>A correlated colour temperature and its distance from the Planckian locus (CIE 1960 uv, positive above).</summary>
public readonly record struct CctDuv(double Cct, double Duv)
{
    /// <summary>
    /// Green–magenta tint in the CC units cameras and meters show (Kodak colour-compensation steps, magenta positive).
    /// Approximate: 1 CC ≈ 0.0005 Duv, so a Duv of −0.01 (magenta) reads as about +20 CC.
    /// </summary>
    public double Tint => -Duv * 2000;
}

/// <summary>
/// Correlated colour temperature by Ohno (2013) on a Planckian table integrated from the CIE 1931 2° observer at 1 nm
/// over 360–780 nm (the table colour-science uses), so results agree with it to well under 1 K over 1000–20000 K.
/// Also the inverse, CIE daylight chromaticities, and McCamy's cubic as a cross-check.
/// </summary>
public static class Cct
{
    /// <summary>Second radiation constant as CIE 15 and colour-science use it (m·K).</summary>
    public const double C2 = 1.4388e-2;

    public const double MinimumKelvin = 1000;
    public const double MaximumKelvin = 100000;

    private static readonly Lazy<(double[] T, double[] U, double[] V)> Table = new(BuildTable);

    /// <summary>CIE 1960 uv of a blackbody at <paramref name="kelvin"/> (Planck's law integrated against the CMFs).</summary>
    public static (double u, double v) PlanckianUv(double kelvin)
    {
        var x = Cie1931.X;
        var y = Cie1931.Y;
        var z = Cie1931.Z;
        double sx = 0, sy = 0, sz = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var lambda = (Cie1931.FirstWavelength + i) * 1e-9;
            var m = 1 / (Math.Pow(lambda, 5) * double.ExpM1(C2 / (lambda * kelvin)));
            sx += x[i] * m;
            sy += y[i] * m;
            sz += z[i] * m;
        }

        var d = sx + 15 * sy + 3 * sz;
        return (4 * sx / d, 6 * sy / d);
    }

    /// <summary>xy of a blackbody.</summary>
    public static (double x, double y) PlanckianXy(double kelvin)
    {
        var (u, v) = PlanckianUv(kelvin);
        return Chromaticity.UvToXy(u, v);
    }

    /// <summary>CCT and Duv of a CIE 1960 uv chromaticity (Ohno 2013: triangular solution, parabolic where |Duv| ≥ 0.002).</summary>
    public static CctDuv FromUv(double u, double v)
    {
        var (t, tu, tv) = Table.Value;
        var index = 0;
        var best = double.MaxValue;
        for (var i = 0; i < t.Length; i++)
        {
            var du = tu[i] - u;
            var dv = tv[i] - v;
            var d = du * du + dv * dv;
            if (d < best)
            {
                best = d;
                index = i;
            }
        }

        index = Math.Clamp(index, 1, t.Length - 2);
        double Dist(int i) => Math.Sqrt((tu[i] - u) * (tu[i] - u) + (tv[i] - v) * (tv[i] - v));
        double tp = t[index - 1], ti = t[index], tn = t[index + 1];
        double dp = Dist(index - 1), di = Dist(index), dn = Dist(index + 1);
        double up = tu[index - 1], vp = tv[index - 1], un = tu[index + 1], vn = tv[index + 1];

        var l = Math.Sqrt((un - up) * (un - up) + (vn - vp) * (vn - vp));
        var x = (dp * dp - dn * dn + l * l) / (2 * l);
        var tTriangular = tp + (tn - tp) * (x / l);
        var vtx = vp + (vn - vp) * (x / l);
        var sign = Math.Sign(v - vtx);
        var duvTriangular = Math.Sqrt(Math.Max(0, dp * dp - x * x)) * sign;
        if (Math.Abs(duvTriangular) < 0.002)
        {
            return new CctDuv(tTriangular, duvTriangular);
        }

        var xx = (tn - ti) * (tp - tn) * (ti - tp);
        var a = (tp * (dn - di) + ti * (dp - dn) + tn * (di - dp)) / xx;
        var b = -(tp * tp * (dn - di) + ti * ti * (dp - dn) + tn * tn * (di - dp)) / xx;
        var c = -(dp * (tn - ti) * ti * tn + di * (tp - tn) * tp * tn + dn * (ti - tp) * tp * ti) / xx;
        var tParabolic = -b / (2 * a);
        var duvParabolic = (a * tParabolic * tParabolic + b * tParabolic + c) * sign;
        return new CctDuv(tParabolic, duvParabolic);
    }

    public static CctDuv FromXy(double x, double y)
    {
        var (u, v) = Chromaticity.XyToUv(x, y);
        return FromUv(u, v);
    }

    public static CctDuv FromXyz(Vector3d xyz)
    {
        var (u, v) = Chromaticity.XyzToUv(xyz);
        return FromUv(u, v);
    }

    /// <summary>uv of a CCT and Duv: the Planckian point moved Duv along the locus normal (Ohno 2013).</summary>
    public static (double u, double v) ToUv(double cct, double duv)
    {
        var (u0, v0) = PlanckianUv(cct);
        var (u1, v1) = PlanckianUv(cct + 0.01);
        var du = u0 - u1;
        var dv = v0 - v1;
        var h = Math.Sqrt(du * du + dv * dv);
        return (u0 - duv * dv / h, v0 + duv * du / h);
    }

    public static (double x, double y) ToXy(double cct, double duv)
    {
        var (u, v) = ToUv(cct, duv);
        return Chromaticity.UvToXy(u, v);
    }

    /// <summary>CIE daylight (D-series) chromaticity for 4000–25000 K (CIE 15:2004 eq. 3.3–3.4).</summary>
    public static (double x, double y) DaylightXy(double cct)
    {
        if (cct is < 4000 or > 25000)
        {
            throw new ArgumentOutOfRangeException(nameof(cct), "CIE daylight is defined from 4000 K to 25000 K");
        }

        var t = cct;
        var x = t <= 7000
            ? -4.6070e9 / (t * t * t) + 2.9678e6 / (t * t) + 0.09911e3 / t + 0.244063
            : -2.0064e9 / (t * t * t) + 1.9018e6 / (t * t) + 0.24748e3 / t + 0.237040;
        return (x, -3.000 * x * x + 2.870 * x - 0.275);
    }

    /// <summary>McCamy (1992) cubic: fast, ±2 K near 6500 K, worse away from it; used as a cross-check only.</summary>
    public static double McCamy(double x, double y)
    {
        var n = (x - 0.3320) / (y - 0.1858);
        return -449 * n * n * n + 3525 * n * n - 6823.3 * n + 5520.33;
    }

    private static (double[] T, double[] U, double[] V) BuildTable()
    {
        // Geometric spacing of 1.001, widening towards 100000 K where the locus flattens (as colour-science does).
        const double spacing = 1.001;
        var temperatures = new List<double>(5000) { MinimumKelvin, MinimumKelvin + 1 };
        var next = MinimumKelvin + 1;
        var step = spacing;
        while ((next *= step) < MaximumKelvin)
        {
            temperatures.Add(next);
            var d = Math.Clamp((next - MinimumKelvin) / (MaximumKelvin - MinimumKelvin), 0, 1);
            step = spacing * (1 - d) + (1 + (spacing - 1) / 10) * d;
        }

        temperatures.Add(MaximumKelvin - 1);
        temperatures.Add(MaximumKelvin);
        var t = temperatures.ToArray();
        var u = new double[t.Length];
        var v = new double[t.Length];
        for (var i = 0; i < t.Length; i++)
        {
            (u[i], v[i]) = PlanckianUv(t[i]);
        }

        return (t, u, v);
    }
}
