namespace InterPositive.Testing.Relight;

/// <summary>
/// A synthetic scene with known albedo and camera-space normals (x right, y up, z towards the camera): a back wall
/// facing the camera with soft albedo bands, and spheres of different colours. Rendered with order-2 SH irradiance
/// written here from Ramamoorthi–Hanrahan's closed form (not from the code under test), so relights can be scored
/// against a ground truth. Planar RGB (channel-major), one frame.
/// </summary>
public sealed class RelightScene
{
    private RelightScene(int width, int height, float[] albedo, float[] normals)
    {
        Width = width;
        Height = height;
        Albedo = albedo;
        Normals = normals;
    }

    public int Width { get; }

    public int Height { get; }

    public int Pixels => Width * Height;

    /// <summary>Planar RGB reflectance, 0–1.</summary>
    public float[] Albedo { get; }

    /// <summary>Planar unit normals x, y, z.</summary>
    public float[] Normals { get; }

    /// <summary>Three spheres in front of a wall; albedo varies smoothly so shading, not texture, dominates.</summary>
    public static RelightScene Spheres(int width, int height)
    {
        var pixels = width * height;
        var albedo = new float[3 * pixels];
        var normals = new float[3 * pixels];
        var spheres = new (double Cx, double Cy, double R, float[] Colour)[]
        {
            (0.30, 0.55, 0.24, [0.75f, 0.45f, 0.35f]),
            (0.68, 0.45, 0.20, [0.35f, 0.55f, 0.70f]),
            (0.52, 0.82, 0.12, [0.60f, 0.60f, 0.55f]),
        };
        var scale = Math.Min(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var p = (y * width) + x;
                double nx = 0, ny = 0, nz = 1;
                float[] colour = [0.50f + (0.05f * (float)Math.Sin(x * 6.0 / width)), 0.48f, 0.42f + (0.04f * (float)Math.Cos(y * 5.0 / height))];
                foreach (var (cx, cy, r, c) in spheres)
                {
                    var dx = (x + 0.5 - (cx * width)) / (r * scale);
                    var dy = -(y + 0.5 - (cy * height)) / (r * scale);
                    var d2 = (dx * dx) + (dy * dy);
                    if (d2 < 1)
                    {
                        nx = dx;
                        ny = dy;
                        nz = Math.Sqrt(1 - d2);
                        colour = c;
                    }
                }

                normals[p] = (float)nx;
                normals[pixels + p] = (float)ny;
                normals[(2 * pixels) + p] = (float)nz;
                for (var ch = 0; ch < 3; ch++)
                {
                    albedo[(ch * pixels) + p] = colour[ch];
                }
            }
        }

        return new RelightScene(width, height, albedo, normals);
    }

    /// <summary>albedo · E(n) per channel, scene-linear (irradiance clamped at zero).</summary>
    public float[] Render(double[] sh27, double gain = 1)
    {
        var image = new float[3 * Pixels];
        for (var p = 0; p < Pixels; p++)
        {
            double x = Normals[p], y = Normals[Pixels + p], z = Normals[(2 * Pixels) + p];
            for (var c = 0; c < 3; c++)
            {
                image[(c * Pixels) + p] = (float)(gain * Albedo[(c * Pixels) + p] * Math.Max(Irradiance(sh27, c, x, y, z), 0));
            }
        }

        return image;
    }

    /// <summary>
    /// Ramamoorthi &amp; Hanrahan 2001, eq. 13. Coefficients per channel in the order 00, 1−1, 10, 11, 2−2, 2−1, 20, 21, 22.
    /// </summary>
    public static double Irradiance(double[] sh27, int channel, double x, double y, double z)
    {
        const double c1 = 0.429043, c2 = 0.511664, c3 = 0.743125, c4 = 0.886227, c5 = 0.247708;
        var l = sh27.AsSpan(channel * 9, 9);
        double l00 = l[0], l1m1 = l[1], l10 = l[2], l11 = l[3], l2m2 = l[4], l2m1 = l[5], l20 = l[6], l21 = l[7], l22 = l[8];
        return (c1 * l22 * ((x * x) - (y * y))) + (c3 * l20 * z * z) + (c4 * l00) - (c5 * l20)
            + (2 * c1 * ((l2m2 * x * y) + (l21 * x * z) + (l2m1 * y * z)))
            + (2 * c2 * ((l11 * x) + (l1m1 * y) + (l10 * z)));
    }

    /// <summary>A soft sky plus a key from the camera's upper left, warm-ish: the lighting "as shot".</summary>
    public static double[] KeyAndFill(double keyAzimuth = -40, double keyElevation = 30, double key = 0.6, double ambient = 0.25)
    {
        var sh = new double[27];
        double az = keyAzimuth * Math.PI / 180, el = keyElevation * Math.PI / 180;
        double dx = Math.Cos(el) * Math.Sin(az), dy = Math.Sin(el), dz = Math.Cos(el) * Math.Cos(az);
        double[] basis =
        [
            0.282095, 0.488603 * dy, 0.488603 * dz, 0.488603 * dx, 1.092548 * dx * dy, 1.092548 * dy * dz,
            0.315392 * ((3 * dz * dz) - 1), 1.092548 * dx * dz, 0.546274 * ((dx * dx) - (dy * dy)),
        ];
        double[] keyColour = [1.0, 0.95, 0.88];
        for (var c = 0; c < 3; c++)
        {
            sh[c * 9] += ambient / (Math.PI * 0.282095);
            for (var k = 0; k < 9; k++)
            {
                sh[(c * 9) + k] += key * keyColour[c] * basis[k];
            }
        }

        return sh;
    }

    /// <summary>PSNR in dB of two images with values expected in 0–1 (peak 1).</summary>
    public static double Psnr(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("images differ in size");
        }

        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = (double)a[i] - b[i];
            sum += d * d;
        }

        var mse = sum / a.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(1 / mse);
    }
}
