using InterPositive.Lighting.Colour;

namespace InterPositive.Lighting.Analysis;

/// <summary>An order-2 spherical-harmonics fit of shading and what it says about the key light.</summary>
/// <param name="Coefficients">The nine SH coefficients in the order Y00, Y1−1, Y10, Y11, Y2−2, Y2−1, Y20, Y21, Y22.</param>
/// <param name="AzimuthDeg">Direction of the dominant light in the image plane: 0° from camera right, 90° from above.</param>
/// <param name="ElevationDeg">Angle of the dominant light out of the image plane towards the camera (90° = on the lens axis).</param>
/// <param name="KeyFillStops">Irradiance facing the key over irradiance on the mirrored, shadow side, in stops.</param>
/// <param name="Samples">How many shading samples the fit used.</param>
public sealed record ShadingEstimate(double[] Coefficients, double AzimuthDeg, double ElevationDeg, double KeyFillStops, int Samples);

/// <summary>
/// Least-squares fit of shading to the nine real SH basis functions (Ramamoorthi &amp; Hanrahan 2001) over surface
/// normals. Normals come from a normal map when one is known (relight's estimate, a rendered sphere) or from a convex
/// prior: the subject is taken as a sphere filling its bounding ellipse. Limits: one albedo is assumed, so a bright
/// costume on one side reads as light from that side; the convex prior suits faces and rounded subjects framed in
/// medium close-up and is weak on flat walls and wide shots; light from behind the subject is seen only through rim.
/// </summary>
public static class ShadingFit
{
    public const int Terms = 9;

    /// <summary>Normalisation of Y00 (a constant).</summary>
    public const double Y00 = 0.282095;

    /// <summary>Normalisation of the band-1 terms (times y, z, x).</summary>
    public const double Y1 = 0.488603;

    /// <summary>Normalisation of Y2−2, Y2−1 and Y21 (times xy, yz, xz).</summary>
    public const double Y2Cross = 1.092548;

    /// <summary>Normalisation of Y20 (times 3z² − 1).</summary>
    public const double Y20 = 0.315392;

    /// <summary>Normalisation of Y22 (times x² − y²).</summary>
    public const double Y22 = 0.546274;

    /// <summary>
    /// Band attenuation of the clamped-cosine (Lambertian) kernel per coefficient, π, 2π/3, π/4 (Ramamoorthi &amp;
    /// Hanrahan 2001): SH radiance coefficients times these are the irradiance coefficients.
    /// </summary>
    public static readonly double[] Attenuation = [Math.PI, 2 * Math.PI / 3, 2 * Math.PI / 3, 2 * Math.PI / 3, Math.PI / 4, Math.PI / 4, Math.PI / 4, Math.PI / 4, Math.PI / 4];

    /// <summary>The real SH basis at unit normal (x right, y up, z towards the camera).</summary>
    public static void Basis(double x, double y, double z, Span<double> b)
    {
        b[0] = Y00;
        b[1] = Y1 * y;
        b[2] = Y1 * z;
        b[3] = Y1 * x;
        b[4] = Y2Cross * x * y;
        b[5] = Y2Cross * y * z;
        b[6] = Y20 * (3 * z * z - 1);
        b[7] = Y2Cross * x * z;
        b[8] = Y22 * (x * x - y * y);
    }

    /// <summary>Normal-equation accumulator; add samples, then <see cref="Solve"/>.</summary>
    public sealed class Accumulator
    {
        private readonly double[] _ata = new double[Terms * Terms];
        private readonly double[] _atb = new double[Terms];

        public int Count { get; private set; }

        public void Add(double nx, double ny, double nz, double value)
        {
            Span<double> b = stackalloc double[Terms];
            Basis(nx, ny, nz, b);
            for (var i = 0; i < Terms; i++)
            {
                _atb[i] += b[i] * value;
                for (var j = i; j < Terms; j++)
                {
                    _ata[i * Terms + j] += b[i] * b[j];
                }
            }

            Count++;
        }

        public void Clear()
        {
            Array.Clear(_ata);
            Array.Clear(_atb);
            Count = 0;
        }

        /// <summary>Solves with a little ridge so a half-sphere of normals (only front faces) stays well posed.</summary>
        public ShadingEstimate? Solve()
        {
            if (Count < 24)
            {
                return null;
            }

            var a = new double[Terms * Terms];
            var trace = 0.0;
            for (var i = 0; i < Terms; i++)
            {
                trace += _ata[i * Terms + i];
            }

            var ridge = 1e-4 * trace / Terms;
            for (var i = 0; i < Terms; i++)
            {
                for (var j = i; j < Terms; j++)
                {
                    a[i * Terms + j] = a[j * Terms + i] = _ata[i * Terms + j];
                }

                a[i * Terms + i] += ridge;
            }

            var c = (double[])_atb.Clone();
            if (!SolveSymmetric(a, c))
            {
                return null;
            }

            return Describe(c, Count);
        }
    }

    /// <summary>
    /// Direction, elevation and key-to-fill from nine coefficients. The key is where the fitted irradiance peaks over the
    /// visible hemisphere (searched on a 1° grid, then refined): on a half sphere of normals the bands are not orthogonal,
    /// so the L1 vector alone is biased towards the image plane, while the peak of a Lambert lobe plus fill is the light.
    /// </summary>
    public static ShadingEstimate Describe(double[] c, int samples)
    {
        var best = double.MinValue;
        double bestAz = 0, bestEl = 90;
        for (var el = 0; el <= 90; el += 2)
        {
            for (var az = 0; az < 360; az += 2)
            {
                var e = Evaluate(c, Direction(az, el));
                if (e > best)
                {
                    best = e;
                    bestAz = az;
                    bestEl = el;
                }
            }
        }

        for (var el = Math.Max(0, bestEl - 2); el <= Math.Min(90, bestEl + 2); el += 0.25)
        {
            for (var az = bestAz - 2; az <= bestAz + 2; az += 0.25)
            {
                var e = Evaluate(c, Direction(az, el));
                if (e > best)
                {
                    best = e;
                    (bestAz, bestEl) = (az, el);
                }
            }
        }

        var azimuth = (bestAz % 360 + 360) % 360;
        var key = Direction(azimuth, bestEl);
        // The shadow side: the key's normal mirrored across the lens axis.
        var fill = new Vector3d(-key.X, -key.Y, key.Z);
        var keyE = Evaluate(c, key);
        var fillE = Evaluate(c, fill);
        var floor = Math.Max(Math.Abs(keyE) * 1e-3, 1e-9);
        var stops = Math.Clamp(Math.Log2(Math.Max(keyE, floor) / Math.Max(fillE, floor)), 0, 12);
        return new ShadingEstimate(c, Math.Round(azimuth, 2), Math.Round(bestEl, 2), stops, samples);
    }

    private static Vector3d Direction(double azimuthDeg, double elevationDeg)
    {
        var a = azimuthDeg * Math.PI / 180;
        var e = elevationDeg * Math.PI / 180;
        return new Vector3d(Math.Cos(e) * Math.Cos(a), Math.Cos(e) * Math.Sin(a), Math.Sin(e));
    }

    public static double Evaluate(double[] c, Vector3d n)
    {
        Span<double> b = stackalloc double[Terms];
        Basis(n.X, n.Y, n.Z, b);
        var sum = 0.0;
        for (var i = 0; i < Terms; i++)
        {
            sum += c[i] * b[i];
        }

        return sum;
    }

    /// <summary>Cholesky solve of a small symmetric positive-definite system in place.</summary>
    private static bool SolveSymmetric(double[] a, double[] b)
    {
        var n = b.Length;
        for (var j = 0; j < n; j++)
        {
            var sum = a[j * n + j];
            for (var k = 0; k < j; k++)
            {
                sum -= a[j * n + k] * a[j * n + k];
            }

            if (sum <= 0)
            {
                return false;
            }

            a[j * n + j] = Math.Sqrt(sum);
            for (var i = j + 1; i < n; i++)
            {
                var s = a[i * n + j];
                for (var k = 0; k < j; k++)
                {
                    s -= a[i * n + k] * a[j * n + k];
                }

                a[i * n + j] = s / a[j * n + j];
            }
        }

        for (var i = 0; i < n; i++)
        {
            var s = b[i];
            for (var k = 0; k < i; k++)
            {
                s -= a[i * n + k] * b[k];
            }

            b[i] = s / a[i * n + i];
        }

        for (var i = n - 1; i >= 0; i--)
        {
            var s = b[i];
            for (var k = i + 1; k < n; k++)
            {
                s -= a[k * n + i] * b[k];
            }

            b[i] = s / a[i * n + i];
        }

        return true;
    }
}
