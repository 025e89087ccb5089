using InterPositive.Lighting.Colour;

namespace InterPositive.Relight.Colour;

/// <summary>
/// The colour of a lamp from its CCT and tint, and the lamp-change matrix the relight graph applies: compositions of
/// InterPositive.Lighting's Planckian locus, chromatic adaptation and gamut table in relight's tint convention.
/// </summary>
public static class LampAdaptation
{
    /// <summary>
    /// The Planckian locus in CIE 1960 uv (<see cref="Cct.ToUv"/>), offset along the locus normal by
    /// <paramref name="duv"/> (positive = above = green). Lamps outside 1000–25000 K are refused.
    /// </summary>
    public static (double U, double V) PlanckianUv(double kelvin, double duv = 0)
    {
        if (kelvin is < 1000 or > 25000 || !double.IsFinite(kelvin))
        {
            throw new ArgumentOutOfRangeException(nameof(kelvin), kelvin, "CCT must lie in 1000–25000 K");
        }

        return Cct.ToUv(kelvin, duv);
    }

    /// <summary>XYZ (Y = 1) of a lamp at <paramref name="kelvin"/> with a tint in the trade's sense: +1 tint = 0.001 Duv towards magenta.</summary>
    public static Vector3d LampWhite(double kelvin, double tint = 0)
    {
        var (u, v) = PlanckianUv(kelvin, -tint / 1000.0);
        var (x, y) = Chromaticity.UvToXy(u, v);
        return Chromaticity.XyToXyz(x, y);
    }

    /// <summary>
    /// The matrix, in the camera's own RGB, that shows the scene as if its lamps were changed from the camera's
    /// white balance (<paramref name="cameraKelvin"/>, <paramref name="cameraTint"/>) to <paramref name="lampKelvin"/>,
    /// <paramref name="lampTint"/>, with the camera's white balance left where it was. Equal CCT and tint give identity.
    /// </summary>
    public static Matrix3 LampChange(Gamut gamut, AdaptationTransform method, double cameraKelvin, double cameraTint, double lampKelvin, double lampTint)
    {
        var xyz = ChromaticAdaptation.Matrix(LampWhite(cameraKelvin, cameraTint), LampWhite(lampKelvin, lampTint), method);
        return Gamuts.XyzToRgb(gamut) * xyz * Gamuts.RgbToXyz(gamut);
    }

    /// <summary>Row-major floats, the layout of a [3,3,1,1] 1×1-convolution weight (output channel, input channel).</summary>
    public static float[] ToFloats(this Matrix3 m) =>
        [(float)m.M00, (float)m.M01, (float)m.M02, (float)m.M10, (float)m.M11, (float)m.M12, (float)m.M20, (float)m.M21, (float)m.M22];
}
