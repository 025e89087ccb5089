using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;

namespace InterPositive.Relight.Models;

/// <summary>
/// The plain C# reference of every step of <see cref="BuiltInRelightModel"/>, in double precision on one planar
/// RGB frame (channel-major, like one NCHW image). Slow on purpose: it is the definition the graph is tested against,
/// step by step and end to end.
/// </summary>
public static class RelightReference
{
    /// <summary>The whole built-in graph on one frame.</summary>
    public static float[] Run(RelightGraphOptions options, RelightConditioning conditioning, ReadOnlySpan<float> image, int height, int width, ReadOnlySpan<float> normals = default)
    {
        options.Validate();
        var x = image.ToArray();
        Decode(x, options.InputCurve);
        Adapt(x, conditioning.Adaptation, conditioning.ExposureStops);
        if (options.Shading != ShadingMode.None)
        {
            var source = conditioning.SourceLighting ?? throw new ArgumentException("the key/fill change needs the take's SH lighting");
            var target = conditioning.TargetLighting ?? source;
            if (options.Shading == ShadingMode.Estimated && options.ShadingScale > 1)
            {
                var f = options.ShadingScale;
                int h = height / f, w = width / f;
                var small = AveragePool(x, height, width, f);
                var ratio = ShadingRatio(EstimateNormals(small, h, w, options.CameraGamut, options.EstimatorRadius, conditioning.NormalScale / f, source, options.AlbedoRadius), source, target);
                var full = ResizeBilinear(ratio, h, w, height, width);
                for (var i = 0; i < x.Length; i++)
                {
                    x[i] = (float)(x[i] * (double)full[i]);
                }
            }
            else
            {
                var n = options.Shading == ShadingMode.Normals
                    ? Normalise(normals.ToArray())
                    : EstimateNormals(x, height, width, options.CameraGamut, options.EstimatorRadius, conditioning.NormalScale, source, options.AlbedoRadius);
                Shade(x, n, source, target);
            }
        }

        var inLog = false;
        if (options.Cdl)
        {
            if (options.CdlRunsInLog)
            {
                Encode(x, options.InputCurve);
                inLog = true;
            }

            ApplyCdl(x, conditioning.Cdl ?? CdlValues.Identity);
        }

        switch (options.Output)
        {
            case OutputKind.Log:
                if (!inLog)
                {
                    Encode(x, options.InputCurve);
                }

                break;
            case OutputKind.Linear:
                if (inLog)
                {
                    Decode(x, options.InputCurve);
                }

                break;
            default:
                if (inLog)
                {
                    Decode(x, options.InputCurve);
                }

                ToDisplay(x, Gamuts.Convert(options.CameraGamut, options.DisplayGamut), options.DisplayCurve);
                break;
        }

        return x;
    }

    public static void Decode(Span<float> values, TransferCurve curve)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)curve.Decode(values[i]);
        }
    }

    public static void Encode(Span<float> values, TransferCurve curve)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)curve.Encode(values[i]);
        }
    }

    /// <summary>Lamp change and exposure: rgb' = (M·2^stops)·rgb per pixel.</summary>
    public static void Adapt(Span<float> rgb, Matrix3 matrix, double stops) => ApplyMatrix(rgb, matrix * Math.Pow(2, stops));

    public static void ApplyMatrix(Span<float> rgb, Matrix3 m)
    {
        var pixels = rgb.Length / 3;
        for (var p = 0; p < pixels; p++)
        {
            var (r, g, b) = m * new Vector3d(rgb[p], rgb[pixels + p], rgb[(2 * pixels) + p]);
            rgb[p] = (float)r;
            rgb[pixels + p] = (float)g;
            rgb[(2 * pixels) + p] = (float)b;
        }
    }

    public static float[] Normalise(float[] normals)
    {
        var pixels = normals.Length / 3;
        for (var p = 0; p < pixels; p++)
        {
            double x = normals[p], y = normals[pixels + p], z = normals[(2 * pixels) + p];
            var length = Math.Sqrt(Math.Max((x * x) + (y * y) + (z * z), 1e-12));
            normals[p] = (float)(x / length);
            normals[pixels + p] = (float)(y / length);
            normals[(2 * pixels) + p] = (float)(z / length);
        }

        return normals;
    }

    /// <summary>The bas-relief normal estimator (documented on <see cref="BuiltInRelightModel"/>).</summary>
    public static float[] EstimateNormals(ReadOnlySpan<float> linear, int height, int width, Gamut gamut, int radius, double scale, ShLighting? lighting = null, int albedoRadius = 0)
    {
        var pixels = height * width;
        var (lr, lg, lb) = Gamuts.Luma(gamut);
        double wr = (float)lr, wg = (float)lg, wb = (float)lb;
        var p = radius + 1;
        int ph = height + (2 * p), pw = width + (2 * p);
        var padded = new double[ph * pw];
        for (var yy = 0; yy < ph; yy++)
        {
            var sy = Math.Clamp(yy - p, 0, height - 1);
            for (var xx = 0; xx < pw; xx++)
            {
                var s = (sy * width) + Math.Clamp(xx - p, 0, width - 1);
                var luma = (wr * linear[s]) + (wg * linear[pixels + s]) + (wb * linear[(2 * pixels) + s]);
                padded[(yy * pw) + xx] = Math.Log(Math.Max(luma, 1e-4));
            }
        }

        // Central differences on the padded map: (height + 2r) × (width + 2r), edges (steep steps) dropped.
        int gh = height + (2 * radius), gw = width + (2 * radius);
        var gx = new double[gh * gw];
        var gy = new double[gh * gw];
        for (var yy = 0; yy < gh; yy++)
        {
            for (var xx = 0; xx < gw; xx++)
            {
                var c = ((yy + 1) * pw) + xx + 1;
                var dx = (double)(float)((-0.5 * padded[c - 1]) + (0.5 * padded[c + 1]));
                var dy = (double)(float)((-0.5 * padded[c - pw]) + (0.5 * padded[c + pw]));
                var keep = Math.Max(Math.Abs(dx), Math.Abs(dy)) <= BuiltInRelightModel.EdgeThreshold;
                gx[(yy * gw) + xx] = keep ? dx : 0;
                gy[(yy * gw) + xx] = keep ? dy : 0;
            }
        }

        var taps = BuiltInRelightModel.BlurTaps(radius);
        var bx = Blur(Blur(gx, gh, gw, taps, horizontal: true), gh, width, taps, horizontal: false);
        var by = Blur(Blur(gy, gh, gw, taps, horizontal: true), gh, width, taps, horizontal: false);
        var gain = (double)(float)scale;
        var normals = new float[3 * pixels];
        for (var o = 0; o < pixels; o++)
        {
            var nx = -gain * bx[o];
            var ny = gain * by[o];
            var length = Math.Sqrt(Math.Max((nx * nx) + (ny * ny) + 1, 1e-12));
            normals[o] = (float)(nx / length);
            normals[pixels + o] = (float)(ny / length);
            normals[(2 * pixels) + o] = (float)(1 / length);
        }

        if (albedoRadius > 0 && lighting is not null)
        {
            ShapeFromShading(normals, linear, height, width, gamut, lighting, albedoRadius);
        }

        return normals;
    }

    /// <summary>The estimator's shape-from-shading step (documented on <see cref="BuiltInRelightModel"/>), in place.</summary>
    public static void ShapeFromShading(float[] normals, ReadOnlySpan<float> linear, int height, int width, Gamut gamut, ShLighting lighting, int albedoRadius)
    {
        var pixels = height * width;
        var (w, b, m, c) = BuiltInRelightModel.SfsWeights(lighting, gamut);
        var (lr, lg, lb) = Gamuts.Luma(gamut);
        double wr = (float)lr, wg = (float)lg, wb = (float)lb;
        var luma = new double[pixels];
        var irradiance = new double[pixels];
        Span<double> f = stackalloc double[8];
        for (var p = 0; p < pixels; p++)
        {
            luma[p] = Math.Max((wr * linear[p]) + (wg * linear[pixels + p]) + (wb * linear[(2 * pixels) + p]), 1e-4);
            double x = normals[p], y = normals[pixels + p], z = normals[(2 * pixels) + p];
            (f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]) = (y, z, x, x * y, y * z, z * z, x * z, (x - y) * (x + y));
            var e = (double)b;
            for (var k = 0; k < 8; k++)
            {
                e += w[k] * f[k];
            }

            irradiance[p] = Math.Max(e, 1e-4);
        }

        var taps = BuiltInRelightModel.BlurTaps(albedoRadius);
        var blurredLuma = BlurClamped(luma, height, width, taps);
        var blurredIrradiance = BlurClamped(irradiance, height, width, taps);
        for (var p = 0; p < pixels; p++)
        {
            double x = normals[p], y = normals[pixels + p], z = normals[(2 * pixels) + p];
            var gx = (m[0] * x) + (m[1] * y) + (m[2] * z) + c[0];
            var gy = (m[3] * x) + (m[4] * y) + (m[5] * z) + c[1];
            var gz = (m[6] * x) + (m[7] * y) + (m[8] * z) + c[2];
            var along = (gx * x) + (gy * y) + (gz * z);
            (gx, gy, gz) = (gx - (along * x), gy - (along * y), gz - (along * z));
            var inverse = 1 / Math.Sqrt((gx * gx) + (gy * gy) + (gz * gz) + BuiltInRelightModel.SfsGradientFloor);
            var shading = luma[p] * blurredIrradiance[p] / blurredLuma[p];
            var step = Math.Clamp((shading - irradiance[p]) * inverse, -BuiltInRelightModel.SfsMaxStep, BuiltInRelightModel.SfsMaxStep) * inverse;
            x = Math.Max(x + (step * gx), -2);
            y = Math.Max(y + (step * gy), -2);
            z = Math.Max(z + (step * gz), BuiltInRelightModel.SfsMinZ);
            var length = Math.Sqrt(Math.Max((x * x) + (y * y) + (z * z), 1e-12));
            normals[p] = (float)(x / length);
            normals[pixels + p] = (float)(y / length);
            normals[(2 * pixels) + p] = (float)(z / length);
        }
    }

    /// <summary>Separable blur with the edge rows and columns repeated (ONNX Pad mode edge, then a valid convolution).</summary>
    private static double[] BlurClamped(double[] map, int height, int width, float[] taps)
    {
        var radius = taps.Length / 2;
        var rows = new double[map.Length];
        var result = new double[map.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var sum = 0.0;
                for (var t = 0; t < taps.Length; t++)
                {
                    sum += taps[t] * map[(y * width) + Math.Clamp(x + t - radius, 0, width - 1)];
                }

                rows[(y * width) + x] = sum;
            }
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var sum = 0.0;
                for (var t = 0; t < taps.Length; t++)
                {
                    sum += taps[t] * rows[(Math.Clamp(y + t - radius, 0, height - 1) * width) + x];
                }

                result[(y * width) + x] = sum;
            }
        }

        return result;
    }

    /// <summary>A valid (unpadded) 1-D convolution along rows or columns of a rows × columns map.</summary>
    private static double[] Blur(double[] map, int rows, int columns, float[] taps, bool horizontal)
    {
        var radius = taps.Length / 2;
        int outRows = horizontal ? rows : rows - (2 * radius), outColumns = horizontal ? columns - (2 * radius) : columns;
        var result = new double[outRows * outColumns];
        for (var y = 0; y < outRows; y++)
        {
            for (var x = 0; x < outColumns; x++)
            {
                var sum = 0.0;
                for (var t = 0; t < taps.Length; t++)
                {
                    sum += taps[t] * (horizontal ? map[(y * columns) + x + t] : map[((y + t) * columns) + x]);
                }

                result[(y * outColumns) + x] = sum;
            }
        }

        return result;
    }

    /// <summary>Mean over f×f blocks (ONNX AveragePool, no padding: trailing rows and columns that do not fill a block are dropped).</summary>
    public static float[] AveragePool(ReadOnlySpan<float> planar, int height, int width, int f)
    {
        int h = height / f, w = width / f;
        var result = new float[3 * h * w];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var sum = 0.0;
                    for (var dy = 0; dy < f; dy++)
                    {
                        for (var dx = 0; dx < f; dx++)
                        {
                            sum += planar[(c * height * width) + (((y * f) + dy) * width) + (x * f) + dx];
                        }
                    }

                    result[(c * h * w) + (y * w) + x] = (float)(sum / (f * f));
                }
            }
        }

        return result;
    }

    /// <summary>ONNX Resize, linear, half_pixel: source = (out + 0.5)/scale − 0.5, clamped to the image.</summary>
    public static float[] ResizeBilinear(ReadOnlySpan<float> planar, int h, int w, int height, int width)
    {
        var result = new float[3 * height * width];
        double sy = (float)height / h, sx = (float)width / w;
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < height; y++)
            {
                var fy = Math.Clamp(((y + 0.5) / sy) - 0.5, 0, h - 1);
                var y0 = (int)fy;
                var y1 = Math.Min(y0 + 1, h - 1);
                var ty = fy - y0;
                for (var x = 0; x < width; x++)
                {
                    var fx = Math.Clamp(((x + 0.5) / sx) - 0.5, 0, w - 1);
                    var x0 = (int)fx;
                    var x1 = Math.Min(x0 + 1, w - 1);
                    var tx = fx - x0;
                    var o = c * h * w;
                    var top = (planar[o + (y0 * w) + x0] * (1 - tx)) + (planar[o + (y0 * w) + x1] * tx);
                    var bottom = (planar[o + (y1 * w) + x0] * (1 - tx)) + (planar[o + (y1 * w) + x1] * tx);
                    result[(c * height * width) + (y * width) + x] = (float)((top * (1 - ty)) + (bottom * ty));
                }
            }
        }

        return result;
    }

    /// <summary>rgb · clip((E_target(n)⁺ + ε)/(E_source(n)⁺ + ε), 0, 16) per channel.</summary>
    public static void Shade(Span<float> rgb, ReadOnlySpan<float> normals, ShLighting source, ShLighting target)
    {
        var ratio = ShadingRatio(normals, source, target);
        for (var i = 0; i < rgb.Length; i++)
        {
            rgb[i] = (float)(rgb[i] * (double)ratio[i]);
        }
    }

    /// <summary>clip((E_target(n)⁺ + ε)/(E_source(n)⁺ + ε), 0, 16) per channel, planar.</summary>
    public static float[] ShadingRatio(ReadOnlySpan<float> normals, ShLighting source, ShLighting target)
    {
        var pixels = normals.Length / 3;
        var result = new float[3 * pixels];
        var (weights, bias) = ShLighting.ShadingWeights(source, target);
        Span<double> f = stackalloc double[8];
        for (var p = 0; p < pixels; p++)
        {
            double x = normals[p], y = normals[pixels + p], z = normals[(2 * pixels) + p];
            f[0] = y;
            f[1] = z;
            f[2] = x;
            f[3] = (float)(x * y);
            f[4] = (float)(y * z);
            f[5] = (float)(z * z);
            f[6] = (float)(x * z);
            f[7] = (float)((float)(x - y) * (float)(x + y));
            for (var c = 0; c < 3; c++)
            {
                double es = bias[c], et = bias[c + 3];
                for (var k = 0; k < 8; k++)
                {
                    es += weights[(c * 8) + k] * f[k];
                    et += weights[((c + 3) * 8) + k] * f[k];
                }

                var ratio = (Math.Max(et, 0) + BuiltInRelightModel.ShadingEpsilon) / (Math.Max(es, 0) + BuiltInRelightModel.ShadingEpsilon);
                result[(c * pixels) + p] = (float)Math.Clamp(ratio, 0, BuiltInRelightModel.MaxShadingGain);
            }
        }

        return result;
    }

    /// <summary>ASC CDL v1.2: clamp(in·slope + offset)^power, then saturation on Rec.709 luma, clamped.</summary>
    public static void ApplyCdl(Span<float> rgb, CdlValues cdl)
    {
        var pixels = rgb.Length / 3;
        Span<double> sop = stackalloc double[3];
        for (var p = 0; p < pixels; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                var v = Math.Clamp((rgb[(c * pixels) + p] * (double)cdl.Slope[c]) + cdl.Offset[c], 0, 1);
                sop[c] = Math.Pow(v, cdl.Power[c]);
            }

            var luma = (0.2126 * sop[0]) + (0.7152 * sop[1]) + (0.0722 * sop[2]);
            for (var c = 0; c < 3; c++)
            {
                rgb[(c * pixels) + p] = (float)Math.Clamp(luma + (cdl.Saturation * (sop[c] - luma)), 0, 1);
            }
        }
    }

    /// <summary>Camera gamut → display gamut, clipped to 0–1, display-encoded.</summary>
    public static void ToDisplay(Span<float> rgb, Matrix3 toDisplay, TransferCurve encoding)
    {
        ApplyMatrix(rgb, toDisplay);
        for (var i = 0; i < rgb.Length; i++)
        {
            rgb[i] = (float)encoding.Encode(Math.Clamp(rgb[i], 0f, 1f));
        }
    }
}
