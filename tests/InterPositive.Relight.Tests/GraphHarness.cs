using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;

namespace InterPositive.Relight.Tests;

/// <summary>Runs the built-in graph and the C# reference on the same frames and reports the worst difference.</summary>
internal static class GraphHarness
{
    public static readonly RelightEngine Engine = new(ExecutionPreference.Cpu, intraOpThreads: 1);

    public static float[] RandomFrames(int batch, int height, int width, float min, float max, int seed)
    {
        var random = new Random(seed);
        var values = new float[batch * 3 * height * width];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = min + ((max - min) * (float)random.NextDouble());
        }

        return values;
    }

    /// <summary>Smooth frames (gradients and blobs) so the normal estimator sees shading-like structure.</summary>
    public static float[] SmoothFrames(int batch, int height, int width, int seed)
    {
        var random = new Random(seed);
        var values = new float[batch * 3 * height * width];
        for (var n = 0; n < batch; n++)
        {
            double fx = 1 + (3 * random.NextDouble()), fy = 1 + (3 * random.NextDouble()), phase = random.NextDouble() * 6;
            for (var c = 0; c < 3; c++)
            {
                for (var y = 0; y < height; y++)
                {
                    for (var x = 0; x < width; x++)
                    {
                        var v = 0.2 + (0.15 * Math.Sin((fx * x / width * 6) + phase + c)) + (0.1 * Math.Cos(fy * y / height * 6));
                        values[(((((n * 3) + c) * height) + y) * width) + x] = (float)Math.Max(v, 0.002);
                    }
                }
            }
        }

        return values;
    }

    public static float[] RunGraph(RelightGraphOptions options, RelightConditioning conditioning, float[] frames, int batch, int height, int width, float[]? normals = null)
    {
        using var image = TensorBuffer.From(frames, batch, 3, height, width);
        using var output = new TensorBuffer(batch, 3, height, width);
        using var normalBuffer = normals is null ? null : TensorBuffer.From(normals, batch, 3, height, width);
        Engine.Run(options, conditioning, image, output, normalBuffer);
        return output.Span.ToArray();
    }

    public static float[] RunReference(RelightGraphOptions options, RelightConditioning conditioning, float[] frames, int batch, int height, int width, float[]? normals = null)
    {
        var frame = 3 * height * width;
        var result = new float[frames.Length];
        for (var n = 0; n < batch; n++)
        {
            var one = RelightReference.Run(options, conditioning, frames.AsSpan(n * frame, frame), height, width, normals is null ? default : normals.AsSpan(n * frame, frame));
            one.CopyTo(result, n * frame);
        }

        return result;
    }

    /// <summary>Largest |graph − reference| relative to max(1, |reference|).</summary>
    public static double WorstDifference(RelightGraphOptions options, RelightConditioning conditioning, float[] frames, int batch, int height, int width, float[]? normals = null)
    {
        var graph = RunGraph(options, conditioning, frames, batch, height, width, normals);
        var reference = RunReference(options, conditioning, frames, batch, height, width, normals);
        var worst = 0.0;
        for (var i = 0; i < graph.Length; i++)
        {
            var d = Math.Abs(graph[i] - reference[i]) / Math.Max(1, Math.Abs(reference[i]));
            if (!(d <= worst))
            {
                worst = double.IsNaN(d) ? double.PositiveInfinity : d;
            }
        }

        return worst;
    }
}
