using System.Diagnostics;
using System.Globalization;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;
using InterPositive.Testing;
using InterPositive.Testing.Relight;

namespace InterPositive.Benchmarks;

/// <summary>
/// Whole clips through <see cref="Relighter"/> (the CLI's and the service's path): throughput at 1080p and 2160p
/// (ffmpeg decode, per-take estimates, inference, H.264 preview encode), beside ffmpeg alone decoding and encoding the
/// same clip in the same run; the temporal-stability figure of a relit locked-off shot (its mean frame-to-frame change
/// over its input's, both in LogC3 code values); and, where the CUDA provider's libraries load, the lamp + exposure
/// chain at 2160p on CUDA beside the CPU. Args: [frames at 1080p, default 24] [sizes, default 1080,2160].
/// </summary>
public sealed class RelightClipBenchmark : IEndToEndBenchmark
{
    public string Name => "relight-clip";

    public string Description => "Relight of whole clips: fps at 1080p/2160p against ffmpeg's own decode+encode, temporal stability of a static shot, CUDA lamp+exposure fps when present";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var frames1080 = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 24;
        var heights = args.Length > 1 ? args[1].Split(',').Select(h => int.Parse(h, CultureInfo.InvariantCulture)).ToArray() : [1080, 2160];
        using var temp = new TempFolder("relight-clip-bench");
        using var model = new BuiltInModel(ExecutionPreference.Cpu);
        var settings = new RelightSettings { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3, LampKelvin = 3200, ExposureStops = 0.5 };
        Console.WriteLine($"relight-clip benchmark: {Environment.ProcessorCount} cores, CPU provider; figures from one run each");
        foreach (var height in heights)
        {
            var width = height * 16 / 9;
            var frames = height > 1080 ? Math.Max(4, frames1080 / 4) : frames1080;
            var folder = temp.Combine(height.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            var clip = await RelightClips.StaticClipAsync(folder, Scene(width, height), width, height, frames, 0.002f, 1, cancellationToken);

            // Baseline: ffmpeg decoding the clip and encoding the same H.264 preview, no relight.
            var sw = Stopwatch.StartNew();
            await FfmpegOnlyAsync(clip, Path.Combine(folder, "baseline.mp4"), cancellationToken);
            var baseline = sw.Elapsed.TotalSeconds;
            sw.Restart();
            var report = await new Relighter(model, TimeProvider.System).RunAsync(new RelightRequest(clip, Path.Combine(folder, "relit.mp4"), settings), cancellationToken);
            var ours = sw.Elapsed.TotalSeconds;
            Console.WriteLine(FormattableString.Invariant(
                $"{height}p clip, {report.Frames} frames: relight {report.Frames / ours:F2} fps end to end (inference alone {1000 / report.TimingsMs.InferencePerFrame:F1} fps; decode {report.TimingsMs.Decode:F0} ms, estimates {report.TimingsMs.Prepare:F0} ms, encode {report.TimingsMs.Encode:F0} ms) | ffmpeg decode+encode alone {frames / baseline:F2} fps | relight / ffmpeg-alone time x{ours / baseline:F2}"));
        }

        // Temporal stability: a locked-off shot with sensor noise, relit back to LogC3, against its own input.
        {
            const int w = 480, h = 270, frames = 12;
            var folder = temp.Combine("stability");
            Directory.CreateDirectory(folder);
            var clip = await RelightClips.StaticClipAsync(folder, Scene(w, h), w, h, frames, 0.004f, 3, cancellationToken);
            var report = await new Relighter(model, TimeProvider.System).RunAsync(
                new RelightRequest(clip, Path.Combine(folder, "f_%03d.png"), settings with { Key = new KeyChange(60, 10, 1), Output = OutputKind.Log }, Depth: 16), cancellationToken);
            var input = new List<float[]>();
            await using (var reader = await ClipReader.OpenAsync(clip, cancellationToken))
            {
                for (var buffer = new float[3 * w * h]; await reader.ReadAsync(buffer, cancellationToken); buffer = new float[3 * w * h])
                {
                    input.Add(buffer);
                }
            }

            var relit = Enumerable.Range(0, frames).Select(i => StillFrames.Read(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"f_{i:000}.png"))).Values).ToList();
            var (a, b) = (MeanStep(input), MeanStep(relit));
            Console.WriteLine(FormattableString.Invariant(
                $"temporal stability ({w}x{h} static shot, lamp 3200 K +0.5 stop +key, {report.Estimates.Count} estimate(s)): mean frame-to-frame change input {a:E3}, relit {b:E3}, relit/input x{b / a:F3}"));
        }

        CudaLampExposure();
        return 0;
    }

    /// <summary>The lamp + exposure chain at 1080p and 2160p on CUDA beside the CPU, or why it was skipped.</summary>
    private static void CudaLampExposure()
    {
        if (!GpuProbe.Cuda.Ready)
        {
            Console.WriteLine($"CUDA lamp+exposure: skipped ({GpuProbe.Cuda.Why})");
            return;
        }

        using var cuda = new RelightEngine(ExecutionPreference.Cuda);
        using var cpu = new RelightEngine(ExecutionPreference.Cpu);
        foreach (var height in new[] { 1080, 2160 })
        {
            var width = height * 16 / 9;
            var code = Scene(width, height);
            var options = new RelightGraphOptions { InputCurve = LogTransfer.LogC3, CameraGamut = Gamut.Awg3 };
            var conditioning = new RelightConditioning(LampAdaptation.LampChange(Gamut.Awg3, AdaptationTransform.Cat16, 5600, 0, 3200, 0), 0.5);
            using var image = TensorBuffer.From(code, 1, 3, height, width);
            using var output = new TensorBuffer(1, 3, height, width);
            var gpu = Fps(cuda, options, conditioning, image, output, 30);
            var onCpu = Fps(cpu, options, conditioning, image, output, 5);
            Console.WriteLine(FormattableString.Invariant(
                $"{height}p lamp+exposure: {cuda.Provider?.Provider} {gpu:F1} fps (target at 2160p: 60), CPU {onCpu:F1} fps, GPU/CPU x{gpu / onCpu:F1}"));
        }
    }

    private static double Fps(RelightEngine engine, RelightGraphOptions options, RelightConditioning conditioning, TensorBuffer image, TensorBuffer output, int iterations)
    {
        engine.Run(options, conditioning, image, output);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            engine.Run(options, conditioning, image, output);
        }

        return iterations / sw.Elapsed.TotalSeconds;
    }

    private static float[] Scene(int width, int height) =>
        [.. RelightScene.Spheres(width, height).Render(RelightScene.KeyAndFill(), 0.6).Select(v => (float)LogTransfer.LogC3.Encode(v))];

    private static async Task FfmpegOnlyAsync(string clip, string output, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("/usr/bin/ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-v", "error", "-y", "-i", clip, "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", output])
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
    }

    private static double MeanStep(IReadOnlyList<float[]> frames)
    {
        double step = 0;
        for (var i = 1; i < frames.Count; i++)
        {
            var sum = 0.0;
            for (var p = 0; p < frames[i].Length; p++)
            {
                sum += Math.Abs(frames[i][p] - frames[i - 1][p]);
            }

            step += sum / frames[i].Length / (frames.Count - 1);
        }

        return step;
    }
}
