namespace InterPositive.Lighting.Colour;

/// <summary>
/// Spectral colour: a stimulus integrated against the CIE 1931 2° observer (1 nm, 360–780 nm, the table the Planckian
/// locus uses), blackbody spectra by Planck's law, and surfaces (reflectance × illuminant) relative to the perfect white
/// under the same light. For rendering scenes whose colours come from spectra rather than from a chromatic adaptation.
/// </summary>
public static class Spectra
{
    public const int FirstWavelength = Cie1931.FirstWavelength;

    public static int LastWavelength => Cie1931.FirstWavelength + Cie1931.X.Length - 1;

    /// <summary>Relative spectral radiance of a blackbody at <paramref name="kelvin"/> (arbitrary scale).</summary>
    public static double Planck(double nanometres, double kelvin)
    {
        var lambda = nanometres * 1e-9;
        return 1e-30 / (Math.Pow(lambda, 5) * double.ExpM1(Cct.C2 / (lambda * kelvin)));
    }

    /// <summary>Tristimulus values of a spectrum given per nanometre (unnormalised sums).</summary>
    public static Vector3d Xyz(Func<double, double> spectrum)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        var x = Cie1931.X;
        var y = Cie1931.Y;
        var z = Cie1931.Z;
        double sx = 0, sy = 0, sz = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var s = spectrum(Cie1931.FirstWavelength + i);
            sx += x[i] * s;
            sy += y[i] * s;
            sz += z[i] * s;
        }

        return new Vector3d(sx, sy, sz);
    }

    /// <summary>
    /// XYZ of a surface of <paramref name="reflectance"/> (0–1 per nanometre) lit by <paramref name="illuminant"/>,
    /// scaled so the perfect white under it has Y = 1.
    /// </summary>
    public static Vector3d Surface(Func<double, double> reflectance, Func<double, double> illuminant)
    {
        ArgumentNullException.ThrowIfNull(reflectance);
        ArgumentNullException.ThrowIfNull(illuminant);
        var white = Xyz(illuminant);
        return Xyz(l => reflectance(l) * illuminant(l)) * (1 / white.Y);
    }

    /// <summary>A surface under a blackbody at <paramref name="kelvin"/> (<see cref="Surface"/>).</summary>
    public static Vector3d UnderBlackbody(Func<double, double> reflectance, double kelvin) => Surface(reflectance, l => Planck(l, kelvin));
}
