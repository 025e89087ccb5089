using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;

namespace InterPositive.Relight.Models;

/// <summary>
/// What a take's relight needs from the take itself, estimated once per take (never per frame, so previews of a
/// clip do not flicker): the SH lighting as shot, fitted to a representative frame's pixels and its normals
/// (the normal pass, or the same estimator the graph runs).
/// </summary>
public static class TakeAnalysis
{
    /// <summary>
    /// Default estimator gain for a frame: about the radius, in pixels, of an object filling a seventh of the frame
    /// height. Set with the shape-from-shading step on the test kit's scenes: a larger gain over-tilts the lit side.
    /// </summary>
    public static double DefaultNormalScale(int height) => 0.075 * height;

    /// <summary>
    /// Fits the take's SH lighting from one scene-linear frame (planar RGB in the camera gamut). Pass the normal pass
    /// when there is one; otherwise the estimator runs here exactly as in the graph.
    /// </summary>
    public static ShLighting FitLighting(ReadOnlySpan<float> linearFrame, int height, int width, Gamut gamut, ReadOnlySpan<float> normals = default, int? estimatorRadius = null, double? normalScale = null, int albedoRadius = 0)
    {
        var pixels = height * width;
        // About 20 000 samples are plenty for 27 unknowns.
        var stride = Math.Max(1, pixels / 20000);
        float[] n;
        if (normals.IsEmpty)
        {
            var radius = estimatorRadius ?? RelightGraphOptions.RadiusFor(height);
            var scale = normalScale ?? DefaultNormalScale(height);
            n = RelightReference.EstimateNormals(linearFrame, height, width, gamut, radius, scale);
            if (albedoRadius > 0)
            {
                // Fit on the gradient estimate, refine the normals with that lighting (the graph's step), fit again.
                var first = ShLighting.Fit(linearFrame, n, pixels, stride, 1e-2);
                RelightReference.ShapeFromShading(n, linearFrame, height, width, gamut, first, albedoRadius);
            }
        }
        else
        {
            n = normals.ToArray();
        }

        // Estimated normals spread little round the sphere: lean on the ridge so band 2 does not run wild.
        return ShLighting.Fit(linearFrame, n, pixels, stride, normals.IsEmpty ? 1e-2 : 1e-6);
    }

    /// <summary>Averages frames (planar RGB, same size) into one representative frame, e.g. the first, middle and last of a take.</summary>
    public static float[] MeanFrame(IReadOnlyList<float[]> frames)
    {
        if (frames.Count == 0)
        {
            throw new ArgumentException("no frames", nameof(frames));
        }

        var mean = new float[frames[0].Length];
        foreach (var frame in frames)
        {
            for (var i = 0; i < mean.Length; i++)
            {
                mean[i] += frame[i] / frames.Count;
            }
        }

        return mean;
    }
}
