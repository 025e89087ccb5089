using System.Diagnostics;
using System.Globalization;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;
using InterPositive.Testing.Relight;

namespace InterPositive.Benchmarks;

/// <summary>
/// Built-in relight latency per frame at 1080p and 2160p through ONNX Runtime, against the plain C# reference of
/// the same graph in the same run. Args: [iterations] [provider auto|cpu|cuda|tensorrt] [sizes e.g. 1080,2160].
/// </summary>
public sealed class RelightBenchmark : IEndToEndBenchmark
{
    public string Name => "relight";

    public string Description => "Built-in relight graph per 1080p/2160p frame (ONNX Runtime) vs the C# reference";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var preference = args.Length > 1 ? Enum.Parse<ExecutionPreference>(args[1], ignoreCase: true) : ExecutionPreference.Auto;
        var heights = args.Length > 2 ? args[2].Split(',').Select(h => int.Parse(h, CultureInfo.InvariantCulture)).ToArray() : [1080, 2160];
        using var engine = new RelightEngine(preference);
        Console.WriteLine($"relight benchmark: {Environment.ProcessorCount} cores, {iterations} timed runs per case");
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
                ("full: +key (estimated normals) +CDL", new() { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3, Shading = ShadingMode.Estimated, ShadingScale = RelightGraphOptions.ShadingScaleFor(height), EstimatorRadius = RelightGraphOptions.RadiusFor(height / RelightGraphOptions.ShadingScaleFor(height)), Cdl = true },
                    new(LampAdaptation.LampChange(Gamut.Awg3, AdaptationTransform.Cat16, 5600, 0, 3200, 0), 0.5, lighting, lighting.WithKey(60, 10, 1),
                        new CdlValues([1.1f, 1f, 0.9f], [0.01f, 0, -0.01f], [1, 1, 1.1f], 0.9f), TakeAnalysis.DefaultNormalScale(height))),
            };
            foreach (var (name, options, conditioning) in cases)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var image = TensorBuffer.From(code, 1, 3, height, width);
                using var output = new TensorBuffer(1, 3, height, width);
                var first = Stopwatch.StartNew();
                engine.Run(options, conditioning, image, output, cancellationToken: cancellationToken);
                var firstMs = first.Elapsed.TotalMilliseconds;
                var times = new List<double>();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                for (var i = 0; i < iterations; i++)
                {
                    var sw = Stopwatch.StartNew();
                    engine.Run(options, conditioning, image, output, cancellationToken: cancellationToken);
                    times.Add(sw.Elapsed.TotalMilliseconds);
                }

                // CPU time per frame as well: on a shared machine wall time swings with everyone else's load.
                var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / iterations;
                times.Sort();
                var median = times[times.Count / 2];
                var sw2 = Stopwatch.StartNew();
                RelightReference.Run(options, conditioning, code, height, width);
                var referenceMs = sw2.Elapsed.TotalMilliseconds;
                Console.WriteLine(FormattableString.Invariant(
                    $"{height}p {name}: ONNX Runtime ({engine.Provider?.Provider}) median {median:F1} ms (min {times[0]:F1}, first run {firstMs:F0}) = {1000 / median:F1} fps, CPU {cpuMs:F0} ms/frame; C# reference {referenceMs:F0} ms; speed-up ×{referenceMs / median:F1}"));
            }
        }

        return Task.FromResult(0);
    }
}
