using InterPositive.Lighting.Analysis;

namespace InterPositive.Relight.Colour;

/// <summary>
/// Order-2 spherical-harmonic lighting, 9 coefficients per colour channel, in the order
/// 00, 1−1, 10, 11, 2−2, 2−1, 20, 21, 22 (basis Y, Z, X, YX, YZ, 3Z²−1, XZ, X²−Y²) and camera space
/// (x right, y up, z towards the camera). Irradiance uses Ramamoorthi–Hanrahan's band attenuation π, 2π/3, π/4.
/// </summary>
public sealed class ShLighting
{
    public const int Coefficients = ShadingFit.Terms;

    /// <summary>Band attenuation of the clamped-cosine (Lambertian) kernel, per coefficient (Lighting's <see cref="ShadingFit.Attenuation"/>).</summary>
    public static IReadOnlyList<double> Attenuation => ShadingFit.Attenuation;

    private readonly double[] _values;

    /// <summary>27 values: red 0–8, green 9–17, blue 18–26.</summary>
    public ShLighting(double[] values)
    {
        if (values.Length != 3 * Coefficients || values.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("SH lighting needs 27 finite coefficients (9 per channel)", nameof(values));
        }

        _values = (double[])values.Clone();
    }

    public double this[int channel, int k] => _values[(channel * Coefficients) + k];

    public IReadOnlyList<double> Values => _values;

    /// <summary>A uniform grey sky of the given irradiance (same on every normal).</summary>
    public static ShLighting Ambient(double irradiance)
    {
        var values = new double[27];
        for (var c = 0; c < 3; c++)
        {
            values[c * Coefficients] = irradiance / (Math.PI * ShadingFit.Y00);
        }

        return new ShLighting(values);
    }

    /// <summary>Unit direction from azimuth (0 = from the camera, +90 = from frame right) and elevation (+90 = from above), in degrees.</summary>
    public static (double X, double Y, double Z) Direction(double azimuthDegrees, double elevationDegrees)
    {
        double az = azimuthDegrees * Math.PI / 180, el = elevationDegrees * Math.PI / 180;
        return (Math.Cos(el) * Math.Sin(az), Math.Sin(el), Math.Cos(el) * Math.Cos(az));
    }

    /// <summary>The real SH basis at unit normal (x, y, z): Lighting's <see cref="ShadingFit.Basis"/>.</summary>
    public static void Basis(double x, double y, double z, Span<double> basis) => ShadingFit.Basis(x, y, z, basis);

    /// <summary>Irradiance on a surface with unit normal (x, y, z), one channel.</summary>
    public double Irradiance(int channel, double x, double y, double z)
    {
        Span<double> basis = stackalloc double[Coefficients];
        Basis(x, y, z, basis);
        var sum = 0.0;
        for (var k = 0; k < Coefficients; k++)
        {
            sum += Attenuation[k] * this[channel, k] * basis[k];
        }

        return sum;
    }

    /// <summary>
    /// Adds (or, with negative stops, takes away) a directional key from (azimuth, elevation) so that a surface
    /// facing it changes by <paramref name="stops"/>; the added light has the colour the scene already had from
    /// there. Surfaces facing away change by what the order-2 lobe carries round to them.
    /// </summary>
    public ShLighting WithKey(double azimuthDegrees, double elevationDegrees, double stops)
    {
        var (dx, dy, dz) = Direction(azimuthDegrees, elevationDegrees);
        Span<double> basis = stackalloc double[Coefficients];
        Basis(dx, dy, dz, basis);
        var unit = 0.0;
        for (var k = 0; k < Coefficients; k++)
        {
            unit += Attenuation[k] * basis[k] * basis[k];
        }

        var values = (double[])_values.Clone();
        for (var c = 0; c < 3; c++)
        {
            // Where the scene has (almost) no light from there, scale from a twentieth of its ambient level.
            var there = Math.Max(Irradiance(c, dx, dy, dz), 0.05 * Math.PI * ShadingFit.Y00 * this[c, 0]);
            var intensity = (Math.Pow(2, stops) - 1) * there / unit;
            for (var k = 0; k < Coefficients; k++)
            {
                values[(c * Coefficients) + k] += intensity * basis[k];
            }
        }

        return new ShLighting(values);
    }

    /// <summary>
    /// Least-squares fit of per-channel SH irradiance to pixel values given their normals (albedo taken as 1, so
    /// the fit carries the mean albedo; only ratios of irradiance are used downstream). Samples every
    /// <paramref name="stride"/>-th pixel; planar RGB and planar normals (x, y, z) of one frame.
    /// </summary>
    public static ShLighting Fit(ReadOnlySpan<float> rgb, ReadOnlySpan<float> normals, int pixels, int stride = 1, double ridge = 1e-6)
    {
        var normal = new double[Coefficients * Coefficients];
        var rhs = new double[3 * Coefficients];
        Span<double> g = stackalloc double[Coefficients];
        for (var p = 0; p < pixels; p += stride)
        {
            Basis(normals[p], normals[pixels + p], normals[(2 * pixels) + p], g);
            for (var k = 0; k < Coefficients; k++)
            {
                g[k] *= Attenuation[k];
            }

            for (var i = 0; i < Coefficients; i++)
            {
                for (var j = 0; j < Coefficients; j++)
                {
                    normal[(i * Coefficients) + j] += g[i] * g[j];
                }

                for (var c = 0; c < 3; c++)
                {
                    rhs[(c * Coefficients) + i] += g[i] * rgb[(c * pixels) + p];
                }
            }
        }

        // A ridge keeps the solve stable when the normals cover only part of the sphere; it leans harder on band 2,
        // which a narrow spread of normals constrains least (estimated normals mostly face the camera).
        var trace = 0.0;
        for (var i = 0; i < Coefficients; i++)
        {
            trace += normal[(i * Coefficients) + i];
        }

        for (var i = 0; i < Coefficients; i++)
        {
            var band = i == 0 ? 0 : i < 4 ? 1 : 10;
            normal[(i * Coefficients) + i] += (ridge * band * trace / Coefficients) + 1e-12;
        }

        var values = new double[27];
        for (var c = 0; c < 3; c++)
        {
            var solution = Solve(normal, rhs.AsSpan(c * Coefficients, Coefficients));
            solution.CopyTo(values, c * Coefficients);
        }

        return new ShLighting(values);
    }

    /// <summary>
    /// The graph's shading weights: a 1×1 convolution from the 8 basis features (y, z, x, xy, yz, z², xz, x²−y²)
    /// to 6 channels (source irradiance R, G, B then target R, G, B), with the constant terms in the bias.
    /// </summary>
    public static (float[] Weights, float[] Bias) ShadingWeights(ShLighting source, ShLighting target)
    {
        var weights = new float[6 * 8];
        var bias = new float[6];
        for (var o = 0; o < 6; o++)
        {
            var lighting = o < 3 ? source : target;
            var c = o % 3;
            double A(int k) => Attenuation[k] * lighting[c, k];
            var w = weights.AsSpan(o * 8, 8);
            w[0] = (float)(A(1) * ShadingFit.Y1);
            w[1] = (float)(A(2) * ShadingFit.Y1);
            w[2] = (float)(A(3) * ShadingFit.Y1);
            w[3] = (float)(A(4) * ShadingFit.Y2Cross);
            w[4] = (float)(A(5) * ShadingFit.Y2Cross);
            w[5] = (float)(A(6) * 3 * ShadingFit.Y20);
            w[6] = (float)(A(7) * ShadingFit.Y2Cross);
            w[7] = (float)(A(8) * ShadingFit.Y22);
            bias[o] = (float)((A(0) * ShadingFit.Y00) - (A(6) * ShadingFit.Y20));
        }

        return (weights, bias);
    }

    private static double[] Solve(double[] matrix, ReadOnlySpan<double> rhs)
    {
        const int n = Coefficients;
        var a = (double[])matrix.Clone();
        var b = rhs.ToArray();
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(a[(r * n) + col]) > Math.Abs(a[(pivot * n) + col]))
                {
                    pivot = r;
                }
            }

            if (pivot != col)
            {
                for (var k = 0; k < n; k++)
                {
                    (a[(col * n) + k], a[(pivot * n) + k]) = (a[(pivot * n) + k], a[(col * n) + k]);
                }

                (b[col], b[pivot]) = (b[pivot], b[col]);
            }

            var d = a[(col * n) + col];
            if (Math.Abs(d) < 1e-300)
            {
                continue;
            }

            for (var r = col + 1; r < n; r++)
            {
                var f = a[(r * n) + col] / d;
                for (var k = col; k < n; k++)
                {
                    a[(r * n) + k] -= f * a[(col * n) + k];
                }

                b[r] -= f * b[col];
            }
        }

        var x = new double[n];
        for (var r = n - 1; r >= 0; r--)
        {
            var s = b[r];
            for (var k = r + 1; k < n; k++)
            {
                s -= a[(r * n) + k] * x[k];
            }

            var d = a[(r * n) + r];
            x[r] = Math.Abs(d) < 1e-300 ? 0 : s / d;
        }

        return x;
    }
}
