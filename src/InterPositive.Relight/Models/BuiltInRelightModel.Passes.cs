using System.Globalization;
using Google.Protobuf;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Onnx;

namespace InterPositive.Relight.Models;

/// <summary>
/// The built-in model's intrinsic passes: the same decode, normal estimator and SH irradiance the relight runs,
/// written out instead of applied. image [N,3,H,W] code values → scene linear → normals (estimated at the relight's
/// reduced size, resized back bilinearly and renormalised, exactly as the relight's shading ratio is) → shading
/// E(n) per channel from the take's SH lighting → albedo = linear / max(E, ε). albedo × shading gives the linear
/// picture back wherever E is above ε. The model estimates no depth.
/// </summary>
public static partial class BuiltInRelightModel
{
    public const string PassNormals = "pass_normals";
    public const string PassShading = "pass_shading";
    public const string PassAlbedo = "pass_albedo";

    /// <summary>The passes graph for a structure (the relight's curve, gamut and estimator settings; Shading must be Estimated).</summary>
    public static byte[] BuildPasses(RelightGraphOptions options)
    {
        options.Validate();
        if (options.Shading != ShadingMode.Estimated)
        {
            throw new ArgumentException("the passes graph estimates its normals: use ShadingMode.Estimated");
        }

        var g = new GraphBuilder($"{Name}-passes");
        var linear = Decode(g, g.Input(Image, "N", "3", "H", "W"), options.InputCurve);
        string normals;
        if (options.ShadingScale > 1)
        {
            var low = EstimateNormals(g, AveragePool(g, linear, options), options);
            normals = Normalise(g, g.Node("Resize", [low, "", "", g.Node("Shape", [linear])], attributes: [OnnxAttribute.Of("mode", "linear"), OnnxAttribute.Of("coordinate_transformation_mode", "half_pixel")]));
        }
        else
        {
            normals = EstimateNormals(g, linear, options);
        }

        var shading = g.Node("Conv", [Features(g, normals), g.Input(ShWeights, "3", "8", "1", "1"), g.Input(ShBias, "3")]);
        var albedo = g.Div(linear, g.ClipMin(shading, ShadingEpsilon));
        g.Output(normals, PassNormals, "N", "3", "H", "W");
        g.Output(shading, PassShading, "N", "3", "H", "W");
        g.Output(albedo, PassAlbedo, "N", "3", "H", "W");
        var metadata = new Dictionary<string, string>
        {
            ["interpositive.model"] = Name,
            ["interpositive.version"] = Version.ToString(CultureInfo.InvariantCulture),
            ["interpositive.structure"] = options.ToString(),
            ["interpositive.part"] = "Passes",
        };
        return g.Build("com.interpositive", Version, "InterPositive Edge built-in relight model: intrinsic passes (normals, shading, albedo).", metadata).ToByteArray();
    }

    /// <summary>The passes graph's non-image inputs for a take: its SH lighting (source irradiance only) and the estimator's gains.</summary>
    public static IReadOnlyDictionary<string, (float[] Values, long[] Shape)> PassTensors(RelightGraphOptions options, ShLighting lighting, double normalScale)
    {
        var (weights, bias) = ShLighting.ShadingWeights(lighting, lighting);
        var feeds = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal)
        {
            // The first three of the six output channels are the source irradiance R, G, B.
            [ShWeights] = (weights[..24], [3, 8, 1, 1]),
            [ShBias] = (bias[..3], [3]),
            [NormalKernel] = (NormalKernelFor(normalScale / options.ShadingScale), [3, 2, 1, 1]),
        };
        if (options.AlbedoRadius > 0)
        {
            var (w, b, m, c) = SfsWeights(lighting, options.CameraGamut);
            feeds[SfsIrradiance] = (w, [1, 8, 1, 1]);
            feeds[SfsIrradianceBias] = ([b], [1]);
            feeds[SfsGradient] = (m, [3, 3, 1, 1]);
            feeds[SfsGradientBias] = (c, [3]);
        }

        return feeds;
    }
}
