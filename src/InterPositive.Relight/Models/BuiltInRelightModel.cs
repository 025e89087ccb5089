using System.Globalization;
using Google.Protobuf;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Onnx;

namespace InterPositive.Relight.Models;

/// <summary>The pieces the CPU engine runs a reduced-size shading graph as, band by band (see <see cref="Runtime.RelightEngine"/>).</summary>
public enum GraphPart
{
    /// <summary>The whole graph on whole frames.</summary>
    Whole,

    /// <summary>Bands of rows: decode and box average. Image in, <see cref="BuiltInRelightModel.Pooled"/> out.</summary>
    Pool,

    /// <summary>Whole frames at low resolution: lamp change and exposure, estimated normals, the shading ratio. Pooled in, <see cref="BuiltInRelightModel.Ratio"/> out.</summary>
    Ratio,

    /// <summary>Bands of rows: decode, lamp change and exposure, the resized ratio, CDL and output. Image and the ratio's rows in.</summary>
    Apply,
}

/// <summary>
/// The built-in relight model: one ONNX graph per <see cref="RelightGraphOptions"/>, written in code.
/// <para>
/// image [N,3,H,W] camera code values → decode to scene linear → lamp change (a 3×3 chromatic adaptation in the
/// camera's RGB, CAT16 or Bradford, from the camera's white balance to the new lamps) and exposure (2^stops) as one
/// 1×1 convolution → key/fill change: multiply by E_target(n)/E_source(n), the order-2 SH irradiance ratio on the
/// surface normal n → ASC CDL (v1.2, in the camera's log or on linear) → output (display gamut, clip, display
/// encoding; or back to the camera's log; or linear).
/// </para>
/// <para>
/// Normal estimator (when the production has no normal pass): a bas-relief shape-from-shading estimate with a
/// Retinex edge test. L = ln(camera-gamut luminance), edge-padded; its central-difference gradient is kept only where
/// both components are at most 0.1 per pixel (steeper steps are albedo or occlusion edges, not shading), then
/// Gaussian-blurred (σ = radius/2, radius about height/270) to smooth texture; n₀ ∝ (−s·∂L/∂x, +s·∂L/∂y, 1),
/// normalised, with s = normal_scale (about 0.075·frame height). Then, with an albedo radius, one shape-from-shading
/// step against the take's own lighting (ShapeFromShading, below): albedo normalised by a large blur, n moved
/// along the lighting's gradient until its irradiance explains the pixel. It knows nothing of occlusion or cast
/// shadows; with a normal pass none of this applies.
/// </para>
/// <para>
/// Reduced size (ShadingScale f): normals and the shading ratio are worked out on an f×f box average and the ratio is
/// resized back (bilinear, half-pixel) and multiplied into the full-resolution frame: an approximation of shading at
/// full resolution, exact for the smooth ratio the estimator produces, and every pixel of the frame is kept. The
/// reference (<see cref="RelightReference"/>) does the same, so the graph still matches it to 1e-4.
/// </para>
/// </summary>
public static partial class BuiltInRelightModel
{
    public const string Name = "interpositive-relight";
    public const long Version = 1;

    public const string Image = "image";
    public const string Normals = "normals";
    public const string Adaptation = "adaptation";
    public const string Exposure = "exposure_stops";
    public const string ShWeights = "sh_weights";
    public const string ShBias = "sh_bias";
    public const string NormalKernel = "normal_kernel";
    public const string CdlSlope = "cdl_slope";
    public const string CdlOffset = "cdl_offset";
    public const string CdlPower = "cdl_power";
    public const string CdlSaturation = "cdl_saturation";
    public const string Output = "relit";

    public const string SfsIrradiance = "sfs_irradiance";
    public const string SfsIrradianceBias = "sfs_irradiance_bias";
    public const string SfsGradient = "sfs_gradient";
    public const string SfsGradientBias = "sfs_gradient_bias";

    /// <summary>The shape-from-shading step moves a normal by at most this much (half a radian, about).</summary>
    public const float SfsMaxStep = 0.5f;

    /// <summary>Estimated normals keep at least this much towards the camera (a visible surface faces it).</summary>
    public const float SfsMinZ = 0.05f;

    /// <summary>Added to |∇E|² so that flat lighting (no gradient) moves nothing.</summary>
    public const float SfsGradientFloor = 1e-6f;

    /// <summary>Floor under irradiance in the shading ratio (scene-linear units), so dark or back-facing areas stay finite.</summary>
    public const float ShadingEpsilon = 1e-4f;

    /// <summary>The largest gain the key/fill change may apply (4 stops).</summary>
    public const float MaxShadingGain = 16f;

    private const float LumaFloor = 1e-4f;
    private static readonly float[] Rec709Luma = [0.2126f, 0.7152f, 0.0722f];

    /// <summary>Writes the graph as ONNX bytes.</summary>
    public static byte[] Build(RelightGraphOptions options) => BuildProto(options).ToByteArray();

    /// <summary>Writes one part of the graph (<see cref="GraphPart"/>) as ONNX bytes.</summary>
    public static byte[] Build(RelightGraphOptions options, GraphPart part) => BuildProto(options, part).ToByteArray();

    /// <summary>The low-resolution input of <see cref="GraphPart.Ratio"/>: the box-averaged scene-linear frame.</summary>
    public const string Pooled = "pooled";

    /// <summary>The shading ratio at low resolution: output of <see cref="GraphPart.Ratio"/>, and (as a band of rows) input of <see cref="GraphPart.Apply"/>.</summary>
    public const string Ratio = "ratio";

    internal static Onnx.Proto.ModelProto BuildProto(RelightGraphOptions options, GraphPart part = GraphPart.Whole)
    {
        options.Validate();
        if (part != GraphPart.Whole && !(options.Shading == ShadingMode.Estimated && options.ShadingScale > 1))
        {
            throw new ArgumentException("only a graph that shades from estimated normals at reduced size splits into parts");
        }

        var g = new GraphBuilder(part == GraphPart.Whole ? Name : $"{Name}-{part.ToString().ToLowerInvariant()}");
        string x;
        switch (part)
        {
            case GraphPart.Pool:
                // Box-average before the lamp change: both are linear, so the order changes nothing but the cost (the
                // 3×3 then runs on a sixteenth of the pixels).
                g.Output(AveragePool(g, Decode(g, g.Input(Image, "N", "3", "H", "W"), options.InputCurve), options), Pooled, "N", "3", "h", "w");
                break;
            case GraphPart.Ratio:
                {
                    var weights = g.Input(ShWeights, "6", "8", "1", "1");
                    var bias = g.Input(ShBias, "6");
                    g.Output(ShadingRatio(g, EstimateNormals(g, Adapt(g, g.Input(Pooled, "N", "3", "h", "w")), options), weights, bias), Ratio, "N", "3", "h", "w");
                    break;
                }

            case GraphPart.Apply:
                {
                    // A band of the frame's rows and the ratio's rows that cover it with one more above and below (edge
                    // rows repeated at the frame's top and bottom): resized by the whole scale factor, the band's rows
                    // land on exactly the values the whole frame's resize gives them; the extra rows are cut off.
                    x = Linear(g, options);
                    long f = options.ShadingScale;
                    var band = g.Input(Ratio, "N", "3", "b", "w");
                    var sizes = g.Node("Add", [g.Node("Shape", [x]), g.Int64s(0, 0, 2 * f, 0)]);
                    var resized = g.Node("Resize", [band, "", "", sizes], attributes: [OnnxAttribute.Of("mode", "linear"), OnnxAttribute.Of("coordinate_transformation_mode", "half_pixel")]);
                    var ratio = g.Node("Slice", [resized, g.Int64s(f), g.Int64s(-f), g.Int64s(2)]);
                    g.Output(Finish(g, g.Mul(x, ratio), options), Output, "N", "3", "H", "W");
                    break;
                }

            default:
                x = Linear(g, options);
                if (options.Shading != ShadingMode.None)
                {
                    var weights = g.Input(ShWeights, "6", "8", "1", "1");
                    var bias = g.Input(ShBias, "6");
                    if (options.Shading == ShadingMode.Estimated && options.ShadingScale > 1)
                    {
                        // Estimated normals are smooth by construction: estimate and shade on a box-averaged copy, then
                        // bring the (smooth) gain back to full size; the frame itself keeps every pixel.
                        var lowRatio = ShadingRatio(g, EstimateNormals(g, AveragePool(g, x, options), options), weights, bias);
                        var ratio = g.Node("Resize", [lowRatio, "", "", g.Node("Shape", [x])], attributes: [OnnxAttribute.Of("mode", "linear"), OnnxAttribute.Of("coordinate_transformation_mode", "half_pixel")]);
                        x = g.Mul(x, ratio);
                    }
                    else
                    {
                        var normals = options.Shading == ShadingMode.Normals
                            ? Normalise(g, g.Input(Normals, "N", "3", "H", "W"))
                            : EstimateNormals(g, x, options);
                        x = g.Mul(x, ShadingRatio(g, normals, weights, bias));
                    }
                }

                g.Output(Finish(g, x, options), Output, "N", "3", "H", "W");
                break;
        }

        var metadata = new Dictionary<string, string>
        {
            ["interpositive.model"] = Name,
            ["interpositive.version"] = Version.ToString(CultureInfo.InvariantCulture),
            ["interpositive.structure"] = options.ToString(),
        };
        if (part != GraphPart.Whole)
        {
            metadata["interpositive.part"] = part.ToString();
        }

        return g.Build("com.interpositive", Version, "InterPositive Edge built-in relight: lamp change, exposure, SH key/fill, ASC CDL, output transform.", metadata);
    }

    /// <summary>Image input → scene linear → lamp change and exposure (one 3×3 with weights adaptation · 2^stops).</summary>
    private static string Linear(GraphBuilder g, RelightGraphOptions options) => Adapt(g, Decode(g, g.Input(Image, "N", "3", "H", "W"), options.InputCurve));

    private static string Adapt(GraphBuilder g, string linear)
    {
        var adaptation = g.Input(Adaptation, "3", "3", "1", "1");
        var exposure = g.Input(Exposure, "1");
        var gain = g.Pow(g.Scalar(2f), exposure);
        return g.Node("Conv", [linear, g.Mul(adaptation, gain)]);
    }

    private static string AveragePool(GraphBuilder g, string x, RelightGraphOptions options)
    {
        long f = options.ShadingScale;
        return g.Node("AveragePool", [x], attributes: [new OnnxAttribute("kernel_shape", Ints: [f, f]), new OnnxAttribute("strides", Ints: [f, f])]);
    }

    /// <summary>ASC CDL and the output transform.</summary>
    private static string Finish(GraphBuilder g, string x, RelightGraphOptions options)
    {
        var inLog = false;
        if (options.Cdl)
        {
            var slope = g.Input(CdlSlope, "1", "3", "1", "1");
            var offset = g.Input(CdlOffset, "1", "3", "1", "1");
            var power = g.Input(CdlPower, "1", "3", "1", "1");
            var saturation = g.Input(CdlSaturation, "1");
            if (options.CdlRunsInLog)
            {
                x = Encode(g, x, options.InputCurve);
                inLog = true;
            }

            var sop = g.PowNonNegative(g.Clip(g.Add(g.Mul(x, slope), offset), 0f, 1f), power);
            var luma = g.Node("Conv", [sop, g.Constant(Rec709Luma, 1, 3, 1, 1)]);
            x = g.Clip(g.Add(luma, g.Mul(saturation, g.Sub(sop, luma))), 0f, 1f);
        }

        switch (options.Output)
        {
            case OutputKind.Log:
                return inLog ? x : Encode(g, x, options.InputCurve);
            case OutputKind.Linear:
                return inLog ? Decode(g, x, options.InputCurve) : x;
            default:
                if (inLog)
                {
                    x = Decode(g, x, options.InputCurve);
                }

                var toDisplay = Gamuts.Convert(options.CameraGamut, options.DisplayGamut);
                x = g.Clip(g.Node("Conv", [x, g.Constant(toDisplay.ToFloats(), 3, 3, 1, 1)]), 0f, 1f);
                var display = options.DisplayCurve;
                return display.E == 0
                    ? g.Affine(g.PowNonNegative(x, g.Scalar((float)display.G)), (float)display.A, (float)-display.B)
                    : Encode(g, x, display);
        }
    }

    /// <summary>The 8 SH basis features of unit normals: y, z, x, xy, yz, z², xz, x²−y² (<see cref="ShLighting.ShadingWeights"/>).</summary>
    private static string Features(GraphBuilder g, string normals)
    {
        var n = g.NodeMulti("Split", [normals, g.Int64s(1, 1, 1)], 3, attributes: OnnxAttribute.Of("axis", 1L));
        string nx = n[0], ny = n[1], nz = n[2];
        return g.Node("Concat", [ny, nz, nx, g.Mul(nx, ny), g.Mul(ny, nz), g.Mul(nz, nz), g.Mul(nx, nz), g.Mul(g.Sub(nx, ny), g.Add(nx, ny))], attributes: OnnxAttribute.Of("axis", 1L));
    }

    private static string ShadingRatio(GraphBuilder g, string normals, string weights, string bias)
    {
        var irradiance = g.Node("Conv", [Features(g, normals), weights, bias]);
        var e = g.NodeMulti("Split", [irradiance, g.Int64s(3, 3)], 2, attributes: OnnxAttribute.Of("axis", 1L));
        var eps = g.Scalar(ShadingEpsilon);
        return g.Clip(g.Div(g.Add(g.Relu(e[1]), eps), g.Add(g.Relu(e[0]), eps)), 0f, MaxShadingGain);
    }

    /// <summary>
    /// The lighting's luminance irradiance E(n) = b + w·features(n) (camera-gamut luma of the per-channel weights) and
    /// its gradient ∇E(n) = M·n + c (exact: the features are at most quadratic in n).
    /// </summary>
    public static (float[] Weights, float Bias, float[] Gradient, float[] GradientBias) SfsWeights(ShLighting lighting, Gamut gamut)
    {
        var (weights, bias) = ShLighting.ShadingWeights(lighting, lighting);
        var (lr, lg, lb) = Gamuts.Luma(gamut);
        var w = new double[8];
        for (var k = 0; k < 8; k++)
        {
            w[k] = (lr * weights[k]) + (lg * weights[8 + k]) + (lb * weights[16 + k]);
        }

        var b = (lr * bias[0]) + (lg * bias[1]) + (lb * bias[2]);
        // Features y, z, x, xy, yz, z², xz, x²−y²: ∂/∂x = w2 + w3·y + w6·z + 2w7·x; ∂/∂y = w0 + w3·x + w4·z − 2w7·y; ∂/∂z = w1 + w4·y + 2w5·z + w6·x.
        double[] m = [2 * w[7], w[3], w[6], w[3], -2 * w[7], w[4], w[6], w[4], 2 * w[5]];
        return ([.. w.Select(v => (float)v)], (float)b, [.. m.Select(v => (float)v)], [(float)w[2], (float)w[0], (float)w[1]]);
    }

    /// <summary>Gaussian taps (σ = radius/2), normalised; shared by the graph and the reference.</summary>
    public static float[] BlurTaps(int radius)
    {
        var taps = new double[(2 * radius) + 1];
        var sigma = radius / 2.0;
        for (var i = -radius; i <= radius; i++)
        {
            taps[i + radius] = Math.Exp(-(i * i) / (2 * sigma * sigma));
        }

        var sum = taps.Sum();
        return taps.Select(t => (float)(t / sum)).ToArray();
    }

    /// <summary>Log-luminance steps per pixel larger than this are edges (albedo, occlusion), not shading: the estimator drops them.</summary>
    public const float EdgeThreshold = 0.1f;

    /// <summary>Central differences of log luminance, [2,1,3,3]: channel 0 along x (columns), channel 1 along rows (down).</summary>
    internal static readonly float[] GradientKernel = [0, 0, 0, -0.5f, 0, 0.5f, 0, 0, 0, 0, -0.5f, 0, 0, 0, 0, 0, 0.5f, 0];

    /// <summary>The estimator's [3,2,1,1] gain: nx = −s·∂L/∂x, ny = +s·∂L/∂row (image rows run down, normals' y up); nz comes from the bias.</summary>
    public static float[] NormalKernelFor(double scale) => [(float)-scale, 0, 0, (float)scale, 0, 0];

    /// <summary>The graph's non-image inputs for a take, by name, as (values, shape).</summary>
    public static IReadOnlyDictionary<string, (float[] Values, long[] Shape)> ConditioningTensors(RelightGraphOptions options, RelightConditioning conditioning)
    {
        var feeds = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal)
        {
            [Adaptation] = (conditioning.Adaptation.ToFloats(), [3, 3, 1, 1]),
            [Exposure] = ([(float)conditioning.ExposureStops], [1]),
        };
        if (options.Shading != ShadingMode.None)
        {
            var source = conditioning.SourceLighting ?? throw new ArgumentException("the key/fill change needs the take's SH lighting");
            var (weights, bias) = ShLighting.ShadingWeights(source, conditioning.TargetLighting ?? source);
            feeds[ShWeights] = (weights, [6, 8, 1, 1]);
            feeds[ShBias] = (bias, [6]);
            if (options.Shading == ShadingMode.Estimated)
            {
                feeds[NormalKernel] = (NormalKernelFor(conditioning.NormalScale / options.ShadingScale), [3, 2, 1, 1]);
                if (options.AlbedoRadius > 0)
                {
                    var (w, b, m, c) = SfsWeights(source, options.CameraGamut);
                    feeds[SfsIrradiance] = (w, [1, 8, 1, 1]);
                    feeds[SfsIrradianceBias] = ([b], [1]);
                    feeds[SfsGradient] = (m, [3, 3, 1, 1]);
                    feeds[SfsGradientBias] = (c, [3]);
                }
            }
        }

        if (options.Cdl)
        {
            var cdl = conditioning.Cdl ?? CdlValues.Identity;
            cdl.Validate();
            feeds[CdlSlope] = ((float[])cdl.Slope.Clone(), [1, 3, 1, 1]);
            feeds[CdlOffset] = ((float[])cdl.Offset.Clone(), [1, 3, 1, 1]);
            feeds[CdlPower] = ((float[])cdl.Power.Clone(), [1, 3, 1, 1]);
            feeds[CdlSaturation] = ([cdl.Saturation], [1]);
        }

        return feeds;
    }

    private static string EstimateNormals(GraphBuilder g, string linear, RelightGraphOptions options)
    {
        var kernel = g.Input(NormalKernel, "3", "2", "1", "1");
        var (lr, lg, lb) = Gamuts.Luma(options.CameraGamut);
        var y = g.Node("Conv", [linear, g.Constant([(float)lr, (float)lg, (float)lb], 1, 3, 1, 1)]);
        var l = g.Log(g.ClipMin(y, LumaFloor));
        var r = options.EstimatorRadius;
        long p = r + 1;
        var padded = g.Node("Pad", [l, g.Int64s(0, 0, p, p, 0, 0, p, p)], attributes: OnnxAttribute.Of("mode", "edge"));
        var gradient = g.Node("Conv", [padded, g.Constant(GradientKernel, 2, 1, 3, 3)]);
        var steepest = g.Node("ReduceMax", [g.Node("Abs", [gradient])], attributes: [new OnnxAttribute("axes", Ints: [1]), OnnxAttribute.Of("keepdims", 1L)]);
        var shading = g.Where(g.Node("LessOrEqual", [steepest, g.Scalar(EdgeThreshold)]), gradient, g.Scalar(0f));
        var taps = BlurTaps(r);
        var horizontal = g.Constant([.. taps, .. taps], 2, 1, 1, taps.Length);
        var vertical = g.Constant([.. taps, .. taps], 2, 1, taps.Length, 1);
        var blurred = g.Node("Conv", [g.Node("Conv", [shading, horizontal], attributes: OnnxAttribute.Of("group", 2L)), vertical], attributes: OnnxAttribute.Of("group", 2L));
        var raw = g.Node("Conv", [blurred, kernel, g.Constant([0f, 0f, 1f], 3)]);
        var n0 = Normalise(g, raw);
        return options.AlbedoRadius > 0 ? ShapeFromShading(g, n0, g.ClipMin(y, LumaFloor), options.AlbedoRadius) : n0;
    }

    /// <summary>
    /// One shape-from-shading step on the bas-relief normals n₀ with the take's lighting E (luminance, order-2 SH):
    /// albedo ρ = blur(Y)/blur(E(n₀)) over a large Gaussian (the albedo radius), shading S = Y/ρ, then a Gauss–Newton
    /// step along the tangent part g of ∇E(n₀) so that E(n) moves to S: n = n₀ + clip((S − E)/|g|, ±0.5)·g/|g|, kept
    /// on the camera's side (z ≥ 0.05) and normalised. It fixes the normals' component along the light, which the
    /// gradient estimate gets wrong wherever the key is not frontal; the component across it stays the estimator's.
    /// </summary>
    private static string ShapeFromShading(GraphBuilder g, string n0, string luma, int albedoRadius)
    {
        var irradiance = g.ClipMin(g.Node("Conv", [Features(g, n0), g.Input(SfsIrradiance, "1", "8", "1", "1"), g.Input(SfsIrradianceBias, "1")]), LumaFloor);
        var gradient = g.Node("Conv", [n0, g.Input(SfsGradient, "3", "3", "1", "1"), g.Input(SfsGradientBias, "3")]);
        var sum = OnnxAttribute.Of("keepdims", 1L);
        var tangent = g.Sub(gradient, g.Mul(g.Node("ReduceSum", [g.Mul(gradient, n0), g.Int64s(1)], attributes: sum), n0));
        var inverse = g.Div(g.Scalar(1f), g.Node("Sqrt", [g.Add(g.Node("ReduceSum", [g.Mul(tangent, tangent), g.Int64s(1)], attributes: sum), g.Scalar(SfsGradientFloor))]));

        long r = albedoRadius;
        var pair = g.Node("Pad", [g.Node("Concat", [luma, irradiance], attributes: OnnxAttribute.Of("axis", 1L)), g.Int64s(0, 0, r, r, 0, 0, r, r)], attributes: OnnxAttribute.Of("mode", "edge"));
        var taps = BlurTaps(albedoRadius);
        var horizontal = g.Constant([.. taps, .. taps], 2, 1, 1, taps.Length);
        var vertical = g.Constant([.. taps, .. taps], 2, 1, taps.Length, 1);
        var blurred = g.NodeMulti("Split", [g.Node("Conv", [g.Node("Conv", [pair, horizontal], attributes: OnnxAttribute.Of("group", 2L)), vertical], attributes: OnnxAttribute.Of("group", 2L)), g.Int64s(1, 1)], 2, attributes: OnnxAttribute.Of("axis", 1L));
        var shading = g.Div(g.Mul(luma, blurred[1]), blurred[0]);

        var step = g.Clip(g.Mul(g.Sub(shading, irradiance), inverse), -SfsMaxStep, SfsMaxStep);
        var moved = g.Add(n0, g.Mul(g.Mul(step, inverse), tangent));
        return Normalise(g, g.Max(moved, g.Constant([-2f, -2f, SfsMinZ], 1, 3, 1, 1)));
    }

    private static string Normalise(GraphBuilder g, string vectors)
    {
        var length2 = g.Node("ReduceSum", [g.Mul(vectors, vectors), g.Int64s(1)], attributes: OnnxAttribute.Of("keepdims", 1L));
        return g.Div(vectors, g.Node("Sqrt", [g.ClipMin(length2, 1e-12f)]));
    }

    /// <summary>Whether a curve's two pieces meet closely enough (in code value or linear) to be summed over Min/Max instead of picked by Where.</summary>
    private static bool Continuous(double a, double b) => Math.Abs(a - b) <= 1e-6 * Math.Max(1, Math.Abs(b));

    internal static string Decode(GraphBuilder g, string code, TransferCurve curve)
    {
        switch (curve)
        {
            case LogTransfer c:
                {
                    var k = Math.Log(10) / c.C;
                    var cut = c.CodeCut;
                    if (Continuous(c.Decode(cut), (cut - c.F) / c.E))
                    {
                        // exp(k·max(code, cut) − k·D − ln A) − B/A + (min(code, cut) − cut)/E: the log piece above the cut,
                        // the linear one below, with no Where (which reads three tensors and a mask).
                        var upper = g.Exp(g.Affine(g.Max(code, g.Scalar((float)cut)), (float)k, (float)((-c.D * k) - Math.Log(c.A))));
                        var lower = g.Affine(g.Min(code, g.Scalar((float)cut)), (float)(1 / c.E), (float)((-c.B / c.A) - (cut / c.E)));
                        return g.Add(upper, lower);
                    }

                    var log = g.Affine(g.Exp(g.Affine(code, (float)k, (float)(-c.D * k))), (float)(1 / c.A), (float)(-c.B / c.A));
                    var lin = g.Affine(code, (float)(1 / c.E), (float)(-c.F / c.E));
                    return g.Where(g.GreaterOrEqual(code, g.Scalar((float)cut)), log, lin);
                }

            case CanonLogTransfer c:
                {
                    // Both log pieces as exp(±k·code + const)·(0.9/A) ∓ 0.9/A, the linear middle as an affine; Where picks.
                    var k = Math.Log(10) / c.C;
                    var gain = CanonLogTransfer.Scale / c.A;
                    var high = g.Affine(g.Exp(g.Affine(code, (float)k, (float)(-k * c.DHigh))), (float)gain, (float)-gain);
                    var low = g.Affine(g.Exp(g.Affine(code, (float)-k, (float)(k * c.DLow))), (float)-gain, (float)gain);
                    var upper = c.HasLinear
                        ? g.Where(g.Node("LessOrEqual", [code, g.Scalar((float)c.CodeHigh)]), g.Affine(code, (float)(CanonLogTransfer.Scale / c.S), (float)(-CanonLogTransfer.Scale * c.T / c.S)), high)
                        : high;
                    return g.Where(g.Node("Less", [code, g.Scalar((float)c.CodeLow)]), low, upper);
                }

            case PowerTransfer c:
                {
                    var pow = g.PowPositive(g.Affine(code, (float)(1 / c.A), (float)(c.B / c.A)), g.Scalar((float)(1 / c.G)));
                    if (c.E == 0)
                    {
                        return pow;
                    }

                    var lin = g.Affine(code, (float)(1 / c.E), 0f);
                    return g.Where(g.GreaterOrEqual(code, g.Scalar((float)c.CodeCut)), pow, lin);
                }

            default:
                return code;
        }
    }

    internal static string Encode(GraphBuilder g, string linear, TransferCurve curve)
    {
        switch (curve)
        {
            case LogTransfer c:
                {
                    if (Continuous(c.Encode(c.Cut), c.CodeCut) && (c.A * c.Cut) + c.B > 0)
                    {
                        // C·log10(A·max(x, cut) + B) + D + E·(min(x, cut) − cut): no Where, and no floor under the log.
                        var upper = g.Affine(g.Log(g.Affine(g.Max(linear, g.Scalar((float)c.Cut)), (float)c.A, (float)c.B)), (float)(c.C / Math.Log(10)), (float)(c.D - (c.E * c.Cut)));
                        return g.Add(upper, g.Mul(g.Min(linear, g.Scalar((float)c.Cut)), g.Scalar((float)c.E)));
                    }

                    var log = g.Affine(g.Log(g.ClipMin(g.Affine(linear, (float)c.A, (float)c.B), 1e-10f)), (float)(c.C / Math.Log(10)), (float)c.D);
                    var lin = g.Affine(linear, (float)c.E, (float)c.F);
                    return g.Where(g.GreaterOrEqual(linear, g.Scalar((float)c.Cut)), log, lin);
                }

            case CanonLogTransfer c:
                {
                    // The log arguments are floored only where their piece is not the one picked.
                    var a = c.A / CanonLogTransfer.Scale;
                    var k = c.C / Math.Log(10);
                    var high = g.Affine(g.Log(g.ClipMin(g.Affine(linear, (float)a, 1f), 1e-10f)), (float)k, (float)c.DHigh);
                    var low = g.Affine(g.Log(g.ClipMin(g.Affine(linear, (float)-a, 1f), 1e-10f)), (float)-k, (float)c.DLow);
                    var upper = c.HasLinear
                        ? g.Where(g.Node("LessOrEqual", [linear, g.Scalar((float)c.LinearHigh)]), g.Affine(linear, (float)(c.S / CanonLogTransfer.Scale), (float)c.T), high)
                        : high;
                    return g.Where(g.Node("Less", [linear, g.Scalar((float)c.LinearLow)]), low, upper);
                }

            case PowerTransfer c:
                {
                    if (c.E == 0)
                    {
                        return g.Affine(g.PowPositive(linear, g.Scalar((float)c.G)), (float)c.A, (float)-c.B);
                    }

                    if (Continuous(c.Encode(c.Cut), c.CodeCut) && c.Cut > 0)
                    {
                        // A·max(x, cut)^G − B + E·(min(x, cut) − cut) (sRGB; BT.709's pieces miss by 3e-4 and keep the Where).
                        var upper = g.Affine(g.Exp(g.Mul(g.Log(g.Max(linear, g.Scalar((float)c.Cut))), g.Scalar((float)c.G))), (float)c.A, (float)(-c.B - c.CodeCut));
                        return g.Add(upper, g.Mul(g.Min(linear, g.Scalar((float)c.Cut)), g.Scalar((float)c.E)));
                    }

                    var pow = g.Affine(g.PowPositive(linear, g.Scalar((float)c.G)), (float)c.A, (float)-c.B);

                    var lin = g.Affine(linear, (float)c.E, 0f);
                    return g.Where(g.GreaterOrEqual(linear, g.Scalar((float)c.Cut)), pow, lin);
                }

            default:
                return linear;
        }
    }
}
