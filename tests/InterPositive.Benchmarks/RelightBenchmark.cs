using System.Diagnostics;
using System.Globalization;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;
using InterPositive.Testing.Relight;

namespace InterPositive.Benchmarks;

/// <summary>
/// Built-in relight latency per frame at 1080p and 2160p through ONNX Runtime, new engine path against the previous
/// (whole-frame) path and the plain C# reference of the same graph, all in the same run. Args: [iterations] [provider auto|cpu|cuda|tensorrt] [sizes e.g. 1080,2160].
/// </summary>
public sealed class RelightBenchmark : IEndToEndBenchmark
{
    public string Name => "relight";

    public string Description => "Built-in relight graph per 1080p/2160p frame (ONNX Runtime): banded engine vs the previous whole-frame path vs the C# reference";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var preference = args.Length > 1 ? Enum.Parse<ExecutionPreference>(args[1], ignoreCase: true) : ExecutionPreference.Auto;
        var heights = args.Length > 2 ? args[2].Split(',').Select(h => int.Parse(h, CultureInfo.InvariantCulture)).ToArray() : [1080, 2160];
        // Previous path: whole frames through ONNX Runtime's own threads with its NCHWc layout transform. New path: bands
        // of rows on one thread per core, no layout transform (RelightEngineOptions).
        using var previous = new RelightEngine(preference, RelightEngineOptions.WholeFrames());
        using var engine = new RelightEngine(preference, new RelightEngineOptions());
        Console.WriteLine($"relight benchmark: {Environment.ProcessorCount} cores, {iterations} timed runs per case; wall ms are medians, CPU ms = process CPU time per frame (steadier on a shared machine)");
        foreach (var height in heights)
        {
            var width = height * 16 / 9;
            var scene = RelightScene.Spheres(width, height);
            var lighting = new ShLighting(RelightScene.KeyAndFill());
            var linear = scene.Render([.. lighting.Values]);
            var code = linear.Select(v => (float)LogTransfer.LogC3.Encode(v)).ToArray();
            var cases = new (string Name, RelightGraphOptions Options, RelightConditioning Conditioning)[]
            {
                ("lamp+exposure+display", new() { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3 },
                    new(LampAdaptation.LampChange(Gamut.Awg3, AdaptationTransform.Cat16, 5600, 0, 3200, 0), 0.5)),
                ("full: +key (estimated normals) +CDL", new() { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3, Shading = ShadingMode.Estimated, ShadingScale = RelightGraphOptions.ShadingScaleFor(height), EstimatorRadius = RelightGraphOptions.RadiusFor(height / RelightGraphOptions.ShadingScaleFor(height)), AlbedoRadius = RelightGraphOptions.AlbedoRadiusFor(height / RelightGraphOptions.ShadingScaleFor(height)), Cdl = true },
                    new(LampAdaptation.LampChange(Gamut.Awg3, AdaptationTransform.Cat16, 5600, 0, 3200, 0), 0.5, lighting, lighting.WithKey(60, 10, 1),
                        new CdlValues([1.1f, 1f, 0.9f], [0.01f, 0, -0.01f], [1, 1, 1.1f], 0.9f), TakeAnalysis.DefaultNormalScale(height))),
            };
            foreach (var (name, options, conditioning) in cases)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var image = TensorBuffer.From(code, 1, 3, height, width);
                using var output = new TensorBuffer(1, 3, height, width);
                var old = Measure(previous, options, conditioning, image, output, iterations, cancellationToken);
                var ours = Measure(engine, options, conditioning, image, output, iterations, cancellationToken);
                var sw = Stopwatch.StartNew();
                RelightReference.Run(options, conditioning, code, height, width);
                var referenceMs = sw.Elapsed.TotalMilliseconds;
                Console.WriteLine(FormattableString.Invariant(
                    $"{height}p {name} ({engine.Provider?.Provider}): new {ours.Wall:F1} ms wall (min {ours.Min:F1}, first {ours.First:F0}) = {1000 / ours.Wall:F1} fps, CPU {ours.Cpu:F0} ms/frame | previous {old.Wall:F1} ms wall, CPU {old.Cpu:F0} ms/frame | C# reference {referenceMs:F0} ms"));
                Console.WriteLine(FormattableString.Invariant(
                    $"{height}p {name}: new vs previous x{old.Wall / ours.Wall:F2} wall, x{old.Cpu / ours.Cpu:F2} CPU; new vs C# reference x{referenceMs / ours.Wall:F1} wall"));
            }
        }

        return Task.FromResult(0);
    }

    private static (double Wall, double Min, double First, double Cpu) Measure(RelightEngine engine, RelightGraphOptions options, RelightConditioning conditioning, TensorBuffer image, TensorBuffer output, int iterations, CancellationToken cancellationToken)
    {
        var first = Stopwatch.StartNew();
        engine.Run(options, conditioning, image, output, cancellationToken: cancellationToken);
        var firstMs = first.Elapsed.TotalMilliseconds;
        engine.Run(options, conditioning, image, output, cancellationToken: cancellationToken);
        var times = new List<double>();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        for (var i = 0; i < iterations; i++)
        {
            var sw = Stopwatch.StartNew();
            engine.Run(options, conditioning, image, output, cancellationToken: cancellationToken);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        // CPU time per frame as well: on a shared machine wall time swings with everyone else's load.
        var cpuMs = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds / iterations;
        times.Sort();
        return (times[times.Count / 2], times[0], firstMs, cpuMs);
    }
}
