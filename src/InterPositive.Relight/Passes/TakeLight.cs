using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;

namespace InterPositive.Relight.Passes;

/// <summary>
/// The key light of an SH lighting, in both of the project's conventions: the lighting analysis's (azimuth 0° from
/// camera right, 90° from above; elevation 90° on the lens axis) and the relight's <c>--key</c> (azimuth 0° from the
/// camera, +90° from frame right; elevation +90° from above).
/// </summary>
public sealed record KeyLight(double AzimuthDeg, double ElevationDeg, double KeyFillStops, double RelightAzimuthDeg, double RelightElevationDeg)
{
    /// <summary>
    /// Where the SH lighting's luminance irradiance peaks over the visible hemisphere, and key over fill: the lighting
    /// analysis's own <see cref="ShadingFit.Describe"/> on the irradiance coefficients.
    /// </summary>
    public static KeyLight Of(ShLighting lighting, Gamut gamut)
    {
        var (lr, lg, lb) = Gamuts.Luma(gamut);
        var c = new double[ShLighting.Coefficients];
        for (var k = 0; k < c.Length; k++)
        {
            c[k] = ShLighting.Attenuation[k] * ((lr * lighting[0, k]) + (lg * lighting[1, k]) + (lb * lighting[2, k]));
        }

        var d = ShadingFit.Describe(c, 0);
        double a = d.AzimuthDeg * Math.PI / 180, e = d.ElevationDeg * Math.PI / 180;
        double x = Math.Cos(e) * Math.Cos(a), y = Math.Cos(e) * Math.Sin(a), z = Math.Sin(e);
        return new KeyLight(
            d.AzimuthDeg,
            d.ElevationDeg,
            Math.Round(d.KeyFillStops, 3),
            Math.Round(Math.Atan2(x, z) * 180 / Math.PI, 2),
            Math.Round(Math.Asin(Math.Clamp(y, -1, 1)) * 180 / Math.PI, 2));
    }
}
