namespace InterPositive.Relight.Colour;

/// <summary>The cone-response matrices a von Kries-style adaptation runs in.</summary>
public enum AdaptationMethod
{
    Cat16,
    Bradford,
}

/// <summary>
/// Chromatic adaptation and the colour of a lamp from its CCT and tint. Interim copy inside Relight until
/// InterPositive.Lighting's CAT and Planckian code lands; the lead folds them.
/// </summary>
public static class ChromaticAdaptation
{
    public static readonly Matrix3 BradfordMatrix = new(0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296);
    public static readonly Matrix3 Cat16Matrix = new(0.401288, 0.650173, -0.051461, -0.250268, 1.204414, 0.045854, -0.002079, 0.048952, 0.953127);

    /// <summary>M_cat = M⁻¹·diag(M·XYZ_dst / M·XYZ_src)·M, in XYZ.</summary>
    public static Matrix3 Matrix(AdaptationMethod method, (double X, double Y, double Z) sourceWhite, (double X, double Y, double Z) targetWhite)
    {
        var m = method == AdaptationMethod.Bradford ? BradfordMatrix : Cat16Matrix;
        var s = m.Apply(sourceWhite.X, sourceWhite.Y, sourceWhite.Z);
        var d = m.Apply(targetWhite.X, targetWhite.Y, targetWhite.Z);
        return m.Inverse() * Matrix3.Diagonal(d.X / s.X, d.Y / s.Y, d.Z / s.Z) * m;
    }

    /// <summary>
    /// The Planckian locus in CIE 1960 uv (Krystek 1985 rational approximation, 1000–15000 K, within ~1e-4 uv
    /// of the integrated locus), offset along the locus normal by <paramref name="duv"/> (positive = above = green).
    /// </summary>
    public static (double U, double V) PlanckianUv(double kelvin, double duv = 0)
    {
        if (kelvin is < 1000 or > 25000 || !double.IsFinite(kelvin))
        {
            throw new ArgumentOutOfRangeException(nameof(kelvin), kelvin, "CCT must lie in 1000–25000 K");
        }

        var (u, v) = Krystek(kelvin);
        if (duv == 0)
        {
            return (u, v);
        }

        var (u1, v1) = Krystek(kelvin - 1);
        var (u2, v2) = Krystek(kelvin + 1);
        double du = u2 - u1, dv = v2 - v1;
        var length = Math.Sqrt((du * du) + (dv * dv));
        // Normal to the locus pointing to larger v (above the locus, towards green).
        double nu = -dv / length, nv = du / length;
        if (nv < 0)
        {
            nu = -nu;
            nv = -nv;
        }

        return (u + (duv * nu), v + (duv * nv));
    }

    /// <summary>XYZ (Y = 1) of a lamp at <paramref name="kelvin"/> with a tint in the trade's sense: +1 tint = 0.001 Duv towards magenta.</summary>
    public static (double X, double Y, double Z) LampWhite(double kelvin, double tint = 0)
    {
        var (u, v) = PlanckianUv(kelvin, -tint / 1000.0);
        var denominator = (2 * u) - (8 * v) + 4;
        double x = 3 * u / denominator, y = 2 * v / denominator;
        return (x / y, 1, (1 - x - y) / y);
    }

    /// <summary>
    /// The matrix, in the camera's own RGB, that shows the scene as if its lamps were changed from the camera's
    /// white balance (<paramref name="cameraKelvin"/>, <paramref name="cameraTint"/>) to <paramref name="lampKelvin"/>,
    /// <paramref name="lampTint"/>, with the camera's white balance left where it was. Equal CCT and tint give identity.
    /// </summary>
    public static Matrix3 LampChange(Gamut gamut, AdaptationMethod method, double cameraKelvin, double cameraTint, double lampKelvin, double lampTint)
    {
        var xyz = Matrix(method, LampWhite(cameraKelvin, cameraTint), LampWhite(lampKelvin, lampTint));
        return gamut.FromXyz * xyz * gamut.ToXyz;
    }

    private static (double U, double V) Krystek(double t)
    {
        var u = (0.860117757 + (1.54118254e-4 * t) + (1.28641212e-7 * t * t)) / (1 + (8.42420235e-4 * t) + (7.08145163e-7 * t * t));
        var v = (0.317398726 + (4.22806245e-5 * t) + (4.20481691e-8 * t * t)) / (1 - (2.89741816e-5 * t) + (1.61456053e-7 * t * t));
        return (u, v);
    }
}
