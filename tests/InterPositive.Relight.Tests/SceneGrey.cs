using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;

namespace InterPositive.Relight.Tests;

/// <summary>Reads a rendered chart's middle grey patch in scene terms (the camera's 5600 K balance undone).</summary>
internal static class SceneGrey
{
    /// <summary>Row 4, third patch of the kit's 6×4 chart; <paramref name="decode"/> null when the values are already linear.</summary>
    public static ((double u, double v) Uv, double Y) OfChart(float[] planar, int width, int height, TransferCurve? decode, Gamut gamut = Gamut.Awg3, double cameraKelvin = 5600)
    {
        double r = 0, g = 0, b = 0;
        var n = 0;
        var pixels = width * height;
        for (var y = (height * 3 / 4) + 6; y < height - 6; y++)
        {
            for (var x = (width * 2 / 6) + 6; x < (width * 3 / 6) - 6; x++)
            {
                var p = (y * width) + x;
                r += decode?.Decode(planar[p]) ?? planar[p];
                g += decode?.Decode(planar[pixels + p]) ?? planar[pixels + p];
                b += decode?.Decode(planar[(2 * pixels) + p]) ?? planar[(2 * pixels) + p];
                n++;
            }
        }

        var picture = Gamuts.RgbToXyz(gamut) * new Vector3d(r / n, g / n, b / n);
        var scene = ChromaticAdaptation.Matrix((Gamuts.D65X, Gamuts.D65Y), Cct.PlanckianXy(cameraKelvin)) * picture;
        return (Chromaticity.XyzToUv(scene), picture.Y);
    }

    public static double Distance((double u, double v) a, (double u, double v) b) => Math.Sqrt(((a.u - b.u) * (a.u - b.u)) + ((a.v - b.v) * (a.v - b.v)));
}
