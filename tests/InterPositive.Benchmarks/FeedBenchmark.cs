using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using InterPositive.Feeds;
using InterPositive.Feeds.Sources;
using InterPositive.Formats;
using InterPositive.Formats.Sdi;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Testing.Sdi;

namespace InterPositive.Benchmarks;

/// <summary>
/// Feed decode on one core (v210 unpack + ANC scan, with and without the live lighting analysis) at 1080p and
/// 2160p against a scalar full unpack as the baseline. ST 2110-20 reception is the <c>st2110</c> suite's.
/// Run: <c>dotnet run -c Release --project tests/InterPositive.Benchmarks -- feeds [--seconds S]</c>.
/// </summary>
public sealed class FeedBenchmark : IEndToEndBenchmark
{
    public string Name => "feeds";

    public string Description => "v210 unpack + ANC scan (+ lighting) fps on one core at 1080p/2160p vs a scalar unpack (ST 2110-20 reception: the st2110 suite)";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = 2.0;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds":
                    seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
            }
        }

        Console.WriteLine($"feeds benchmark: {Environment.ProcessorCount} cores visible, Vector128 {(System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? "on" : "off")}, one thread per measurement");
        foreach (var (w, h) in new[] { (1920, 1080), (3840, 2160) })
        {
            Decode(w, h, seconds);
        }

        return Task.FromResult(0);
    }

    private static void Decode(int width, int height, double seconds)
    {
        var pattern = new PatternSource(new PatternOptions { Width = width, Height = height, Rate = FrameRate.Fps23_976, RealTime = false }, "bench", TimeProvider.System);
        var format = pattern.Format;
        var bytes = new byte[format.FrameBytes];
        pattern.Render(bytes, 0, Timecode.FromComponents(10, 0, 0, 0, FrameRate.Fps23_976));
        using var frame = new VideoFrame("bench", format, new Unowned(bytes), 0, DateTimeOffset.UnixEpoch);
        var y = new ushort[width];
        var cb = new ushort[width / 2];
        var cr = new ushort[width / 2];
        var decoder = new AncillaryDecoder("bench");
        var lighting = new LiveLighting(() => new AnalysisSettings(LogCurve.Bt1886, Gamut.Rec709, 5600, 24));

        void Anc()
        {
            frame.Anc = [];
            frame.Atc = null;
            decoder.Decode(frame);
            if (frame.Timecode is null)
            {
                throw new InvalidOperationException("no timecode decoded");
            }
        }

        var baseline = Measure(seconds, () =>
        {
            Anc();
            for (var l = 0; l < height; l++)
            {
                V210.UnpackPlanarScalar(frame.ActiveLine(l), y, cb, cr);
            }
        });
        var vector = Measure(seconds, () =>
        {
            Anc();
            for (var l = 0; l < height; l++)
            {
                V210.UnpackPlanar(frame.ActiveLine(l), y, cb, cr);
            }
        });
        var luma = Measure(seconds, () =>
        {
            Anc();
            for (var l = 0; l < height; l++)
            {
                V210.UnpackLuma(frame.ActiveLine(l), y);
            }
        });
        var gy = new ushort[320];
        var gcb = new ushort[320];
        var gcr = new ushort[320];
        var rgb = new ushort[320 * 3];
        var grid = Measure(seconds, () =>
        {
            Anc();
            var step = Math.Max(1, width / 320);
            for (var row = 0; row < height; row += step)
            {
                V210.SamplePixels(frame.ActiveLine(row), width, step, gy, gcb, gcr);
                YCbCr.ToRgb10(gy, gcb, gcr, rgb);
            }
        });
        var analysed = Measure(seconds, () =>
        {
            Anc();
            lighting.Analyze(frame);
        });
        var full = Measure(seconds, () =>
        {
            Anc();
            for (var l = 0; l < height; l++)
            {
                V210.UnpackPlanar(frame.ActiveLine(l), y, cb, cr);
            }

            lighting.Analyze(frame);
        });

        Console.WriteLine($"{width}x{height} v210 + 10 VANC lines (ATC + RDD 18): frames per CPU-second on one core (wall-clock fps on this shared machine in brackets)");
        void Row(string label, (double Cpu, double Wall) r) =>
            Console.WriteLine(FormattableString.Invariant($"  {label,-58} {r.Cpu,8:0.0} fps ({r.Wall,7:0.0})  x{r.Cpu / baseline.Cpu:0.00} vs baseline"));
        Row("baseline: ANC scan + scalar full unpack (Y, Cb, Cr)", baseline);
        Row("ours: ANC scan + vector full unpack", vector);
        Row("ours: ANC scan + luma-only unpack", luma);
        Row("ours: ANC scan + 320-column grid read from v210 + Y'CbCr->RGB", grid);
        Row("ours: ANC scan + live lighting (grid read + analysis)", analysed);
        Row("ANC scan + full vector unpack + live lighting", full);
    }

    /// <summary>
    /// Frames per CPU-second of this process (one busy thread): the machine is shared, so wall time would measure
    /// the neighbours; CPU time measures the work. Wall-clock fps is printed beside it.
    /// </summary>
    private static (double Cpu, double Wall) Measure(double seconds, Action work)
    {
        for (var i = 0; i < 5; i++)
        {
            work(); // warm up (JIT, tier-up)
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            work();
            n++;
        }

        var wall = sw.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        return (n / cpu, n / wall);
    }

    /// <summary>A frame buffer the benchmark owns and reuses (nothing to return).</summary>
    private sealed class Unowned(byte[] bytes) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory => bytes;

        public void Dispose()
        {
        }
    }
}
