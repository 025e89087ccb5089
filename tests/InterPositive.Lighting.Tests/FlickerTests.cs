using CsCheck;
using InterPositive.Formats.Images;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Testing.Media;
using InterPositive.Testing.Scenes;
using Xunit.Abstractions;

namespace InterPositive.Lighting.Tests;

/// <summary>Steady light must read steady, whatever the set and camera do; real flicker must read at its true depth.</summary>
[Trait("Category", "Unit")]
public sealed class FlickerTests(ITestOutputHelper output)
{
    private static LightingRecord Take(FlickerSpec spec) =>
        Analyse.Take(new AnalysisSettings(spec.Curve, Gamut.Awg3, FramesPerSecond: spec.Fps, ReadoutSeconds: spec.ReadoutSeconds), FlickerRenderer.Render(spec));

    private void Show(string label, LightingRecord record) =>
        output.WriteLine(FormattableString.Invariant(
            $"{label}: detected {record.Flicker.Detected}, {record.Flicker.FrequencyHz} Hz, depth {record.Flicker.DepthPct} %, beat {record.Flicker.BeatHz}, banding {record.Flicker.Banding}, spectrum max {(record.Flicker.Spectrum.Count > 0 ? record.Flicker.Spectrum.Max(b => b.DepthPct) : 0):0.###} %"));

    public static TheoryData<string, FlickerSpec> SteadyScenes => new()
    {
        { "demo set, 1 s at 23.976", new FlickerSpec { Set = FlickerSet.TexturedSet, Depth = 0, Width = 128, Height = 270, Frames = 24, Fps = 24000 / 1001.0, Noise = 0.01 } },
        { "demo set, 96 frames at 25", new FlickerSpec { Set = FlickerSet.TexturedSet, Depth = 0, Width = 64, Height = 270, Frames = 96, Fps = 25, Noise = 0.01 } },
        { "slatted panel", new FlickerSpec { Set = FlickerSet.Stripes, Depth = 0, Width = 64, Height = 360, Frames = 96, Noise = 0.005 } },
        { "slatted panel, slow tilt", new FlickerSpec { Set = FlickerSet.Stripes, Depth = 0, Width = 64, Height = 360, Frames = 96, TiltRowsPerFrame = 0.15, Noise = 0.005 } },
        { "demo set, slow tilt", new FlickerSpec { Set = FlickerSet.TexturedSet, Depth = 0, Width = 64, Height = 270, Frames = 72, TiltRowsPerFrame = 0.2, Noise = 0.005 } },
        { "exposure ramp of half a stop", new FlickerSpec { Set = FlickerSet.TexturedSet, Depth = 0, Width = 64, Height = 270, Frames = 96, ExposureRampStops = 0.5, Noise = 0.005 } },
        { "heavy noise", new FlickerSpec { Depth = 0, Width = 32, Height = 360, Frames = 128, Noise = 0.08 } },
        { "global shutter, ramp and noise", new FlickerSpec { Set = FlickerSet.TexturedSet, Depth = 0, Width = 64, Height = 270, Frames = 96, ReadoutSeconds = 0, ExposureRampStops = -0.3, Noise = 0.01 } },
    };

    [Theory]
    [MemberData(nameof(SteadyScenes))]
    public void Steady_light_reads_steady(string scene, FlickerSpec spec)
    {
        var record = Take(spec);
        Show(scene, record);
        Assert.False(record.Flicker.Detected, $"{scene}: {record.Flicker.FrequencyHz} Hz at {record.Flicker.DepthPct} %");
        Assert.Equal(0, record.Flicker.DepthPct);
    }

    /// <summary>
    /// The depth the pictures show, computed independently of the renderer: each row integrates the lamp over its
    /// exposure window (sampled finely here), and the banding's peak-to-peak over the mean is taken over one cycle.
    /// </summary>
    private static double ExpectedDepthPct(FlickerSpec spec)
    {
        var te = spec.ShutterAngle / 360 / spec.Fps;
        double Lamp(double t)
        {
            var u = spec.FrequencyHz * t;
            return spec.Waveform == LampWaveform.Sine
                ? 1 + spec.Depth * Math.Sin(2 * Math.PI * u)
                : u - Math.Floor(u) < spec.Duty ? 1 : 1 - spec.Depth;
        }

        double min = double.MaxValue, max = double.MinValue, sum = 0;
        const int starts = 400;
        const int samples = 20000;
        for (var i = 0; i < starts; i++)
        {
            var t0 = i / (double)starts / spec.FrequencyHz;
            double level = 0;
            for (var j = 0; j < samples; j++)
            {
                level += Lamp(t0 + (j + 0.5) / samples * te);
            }

            level /= samples;
            min = Math.Min(min, level);
            max = Math.Max(max, level);
            sum += level;
        }

        return 100 * (max - min) / (sum / starts);
    }

    public static TheoryData<string, FlickerSpec, double> KnownDepths => new()
    {
        // 120 Hz at 25 fps, 180°: 2.4 cycles per exposure; bands roll at 5 Hz.
        { "sine 10 %", new FlickerSpec { FrequencyHz = 120, Fps = 25, ShutterAngle = 180, Depth = 0.1 }, 0.08 },
        { "sine 30 %", new FlickerSpec { FrequencyHz = 120, Fps = 25, ShutterAngle = 180, Depth = 0.3 }, 0.05 },
        { "sine 100 %", new FlickerSpec { FrequencyHz = 120, Fps = 25, ShutterAngle = 180, Depth = 1 }, 0.05 },
        { "PWM 100 %, half duty", new FlickerSpec { FrequencyHz = 120, Fps = 25, ShutterAngle = 180, Depth = 1, Waveform = LampWaveform.Pwm }, 0.1 },
        { "PWM 60 %, 30 % duty, 500 Hz", new FlickerSpec { FrequencyHz = 500, Fps = 24, ShutterAngle = 90, Depth = 0.6, Duty = 0.3, Waveform = LampWaveform.Pwm }, 0.12 },
        // 360° at 25 fps integrates 4.8 cycles of 120 Hz: most, not all, of the modulation is averaged away.
        { "sine 100 %, 360°", new FlickerSpec { FrequencyHz = 120, Fps = 25, ShutterAngle = 360, Depth = 1 }, 0.08 },
        // Mains 120 Hz against 23.976 fps: bands crawl 0.12 cycles a second, 0.64 over the window.
        { "sine 100 % at 23.976, crawling", new FlickerSpec { FrequencyHz = 120, Fps = 24000 / 1001.0, ShutterAngle = 180, Depth = 1, Frames = 128 }, 0.1 },
        { "100 Hz 50 % on the demo set", new FlickerSpec { Set = FlickerSet.TexturedSet, FrequencyHz = 100, Fps = 24000 / 1001.0, ShutterAngle = 180, Depth = 0.5, Width = 96, Height = 270, Frames = 48, Noise = 0.005 }, 0.1 },
    };

    [Theory]
    [MemberData(nameof(KnownDepths))]
    public void Depth_is_the_banding_the_pictures_show(string lamp, FlickerSpec spec, double tolerance)
    {
        spec = spec.Width == 320 ? spec with { Width = 32, Height = 360, Frames = spec.Frames == 96 ? 64 : spec.Frames } : spec;
        var expected = ExpectedDepthPct(spec);
        var record = Take(spec);
        Show($"{lamp} (expected {expected:0.00} %)", record);
        Assert.True(record.Flicker.Detected, lamp);
        Assert.InRange(record.Flicker.FrequencyHz!.Value, spec.FrequencyHz - 1, spec.FrequencyHz + 1);
        Assert.InRange(record.Flicker.DepthPct, expected * (1 - tolerance) - 0.1, expected * (1 + tolerance) + 0.1);
    }

    [Fact]
    public void A_whole_cycle_shutter_at_360_degrees_hides_the_lamp()
    {
        var spec = new FlickerSpec { FrequencyHz = 120, Fps = 24, ShutterAngle = 360, Depth = 1, Width = 32, Height = 360, Frames = 64 };
        Assert.True(ExpectedDepthPct(spec) < 0.05);
        Assert.False(Take(spec).Flicker.Detected);
    }

    [Fact]
    public void Spectrum_plots_depth_against_frequency_with_the_lamp_on_top()
    {
        var spec = new FlickerSpec { FrequencyHz = 310, Fps = 25, ShutterAngle = 90, Depth = 0.4, Width = 32, Height = 360, Frames = 64 };
        var record = Take(spec);
        Show("310 Hz", record);
        var spectrum = record.Flicker.Spectrum;
        Assert.InRange(spectrum.Count, 24, 256);
        Assert.Equal(FlickerDetector.MinimumHz, spectrum[0].Hz, 1);
        Assert.True(spectrum.Zip(spectrum.Skip(1)).All(p => p.Second.Hz > p.First.Hz));
        var top = spectrum.MaxBy(b => b.DepthPct)!;
        Assert.InRange(top.Hz, 280, 340);
        Assert.Equal(record.Flicker.DepthPct, top.DepthPct, 1);

        var steady = Take(spec with { Depth = 0 });
        Assert.Equal(spectrum.Count, steady.Flicker.Spectrum.Count);
        Assert.True(steady.Flicker.Spectrum.All(b => b.DepthPct < 0.1), "a steady light's spectrum is flat and low");
    }

    [Theory]
    [InlineData(120, 24.0)]
    [InlineData(100, 25.0)]
    public void Bands_that_stand_still_cannot_be_told_from_the_set(double hz, double fps)
    {
        // A light at a whole multiple of the frame rate paints the same bands on every frame: a static pattern.
        var spec = new FlickerSpec { FrequencyHz = hz, Fps = fps, Depth = 1, ShutterAngle = 45, Width = 32, Height = 360, Frames = 64 };
        Assert.True(ExpectedDepthPct(spec) > 10);
        Assert.False(Take(spec).Flicker.Detected);
    }

    [Fact]
    public void A_still_reports_no_flicker()
    {
        var spec = new FlickerSpec { FrequencyHz = 120, Depth = 1, Frames = 1, Width = 64 };
        Assert.False(Take(spec).Flicker.Detected);
    }

    [Fact]
    public void Detector_survives_arbitrary_row_profiles()
    {
        Gen.Int[3, 24].SelectMany(frames => Gen.Int[8, 80].SelectMany(rows =>
                Gen.Float[0f, 2f].Array[frames * rows].Select(data => (frames, rows, data))))
            .Sample(
                t =>
                {
                    var result = FlickerDetector.Detect(t.data, t.frames, t.rows, 24, 0.00005);
                    Assert.True(double.IsFinite(result.DepthPct));
                    Assert.All(result.Spectrum, b => Assert.True(double.IsFinite(b.DepthPct)));
                },
                iter: 25);
    }
}

/// <summary>The demo's failure: a steady set through a real codec must not read as flicker; a real lamp still must.</summary>
[Trait("Category", "Integration")]
public sealed class FlickerThroughCodecTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flicker-codec-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("prores_ks", 0, 0)]
    [InlineData("libx264", 0, 0)]
    [InlineData("prores_ks", 100, 0.5)]
    public void Steady_set_reads_steady_and_a_lamp_reads_as_one(string codec, double hz, double depth)
    {
        Assert.True(Ffmpeg.Available, "ffmpeg is part of the test environment");
        var spec = new FlickerSpec { Set = FlickerSet.TexturedSet, Width = 384, Height = 216, Frames = 40, Fps = 24000 / 1001.0, FrequencyHz = hz, Depth = depth, ShutterAngle = 180, Noise = 0.004 };
        var raw = Path.Combine(_folder, "in.rgb");
        using (var stream = File.Create(raw))
        {
            foreach (var frame in FlickerRenderer.Render(spec))
            {
                stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(frame.Samples.AsSpan()));
            }
        }

        var clip = Path.Combine(_folder, codec == "libx264" ? "clip.mp4" : "clip.mov");
        var size = FormattableString.Invariant($"{spec.Width}x{spec.Height}");
        string[] encode = codec == "libx264" ? ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p10le", "-g", "12"] : ["-c:v", "prores_ks", "-profile:v", "0"];
        Ffmpeg.Run(["-f", "rawvideo", "-pix_fmt", "rgb48le", "-s", size, "-r", "24000/1001", "-i", raw, .. encode, clip]);
        var decoded = Path.Combine(_folder, "out.rgb");
        Ffmpeg.Run(["-i", clip, "-f", "rawvideo", "-pix_fmt", "rgb48le", decoded]);

        var bytes = File.ReadAllBytes(decoded);
        var frameBytes = spec.Width * spec.Height * 6;
        var take = new TakeAnalyzer(new AnalysisSettings(spec.Curve, Gamut.Awg3, FramesPerSecond: spec.Fps));
        for (var o = 0; o + frameBytes <= bytes.Length; o += frameBytes)
        {
            var image = new RasterImage(spec.Width, spec.Height, 3, 16);
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan(o, frameBytes)).CopyTo(image.Samples);
            take.AddFrame(image.Samples, image.Width, image.Height, 3, 16);
        }

        var record = take.Build("codec");
        output.WriteLine(FormattableString.Invariant($"{codec} {hz} Hz: detected {record.Flicker.Detected}, {record.Flicker.FrequencyHz} Hz, {record.Flicker.DepthPct} %"));
        Assert.Equal(spec.Frames, record.Frames);
        if (depth == 0)
        {
            Assert.False(record.Flicker.Detected);
        }
        else
        {
            Assert.True(record.Flicker.Detected);
            Assert.InRange(record.Flicker.FrequencyHz!.Value, hz - 1, hz + 1);
        }
    }
}
