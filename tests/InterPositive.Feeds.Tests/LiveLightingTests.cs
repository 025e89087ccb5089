using System.Buffers;
using CsCheck;
using InterPositive.Formats.Sdi;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Testing.Sdi;

namespace InterPositive.Feeds.Tests;

/// <summary>Live lighting reads its grid straight from v210 and measures what a full unpack would.</summary>
[Trait("Category", "Unit")]
public sealed class LiveLightingTests
{
    [Theory]
    [InlineData(1920, 6)]
    [InlineData(3840, 12)]
    [InlineData(1280, 4)]
    [InlineData(724, 7)]
    public void Grid_samples_read_from_the_packing_match_a_full_unpack(int width, int step)
    {
        Gen.Int[0, 1023].Array[width * 2].Sample(
            samples =>
            {
                var line = new byte[V210.Stride(width)];
                V210.PackSamples(samples.Select(s => (ushort)s).ToArray(), line);
                var y = new ushort[width];
                var cb = new ushort[width / 2];
                var cr = new ushort[width / 2];
                V210.UnpackPlanarScalar(line, y, cb, cr);
                var columns = (width + step - 1) / step;
                var gy = new ushort[columns];
                var gcb = new ushort[columns];
                var gcr = new ushort[columns];
                V210.SamplePixels(line, width, step, gy, gcb, gcr);
                for (var i = 0; i < columns; i++)
                {
                    var x = i * step;
                    Assert.Equal(y[x], gy[i]);
                    if ((x >> 1) < cb.Length)
                    {
                        Assert.Equal(cb[x >> 1], gcb[i]);
                        Assert.Equal(cr[x >> 1], gcr[i]);
                    }
                }
            },
            iter: 20);
    }

    [Fact]
    public void Sampling_rejects_a_short_line()
    {
        var y = new ushort[10];
        Assert.Throws<ArgumentException>(() => V210.SamplePixels(new byte[100], 1920, 6, y, y, y));
    }

    private static (ushort Y, ushort Cb, ushort Cr) Picture(double u, double v)
    {
        // A lit grey set: a vertical gradient, a brighter disc and a warm tint, in narrow-range 10-bit Y'CbCr.
        var level = 0.25 + 0.35 * v + ((u - 0.5) * (u - 0.5) + (v - 0.45) * (v - 0.45) < 0.04 ? 0.25 : 0);
        return ((ushort)(64 + level * 876), 490, 540);
    }

    private static VideoFrame Frame(int width, int height) =>
        new("A", new VideoFormat(width, height, FramePixelFormat.V210, Formats.FrameRate.Fps25), new Unowned(new V210FrameBuilder(width, height, 0).WithPicture((x, y) => Picture((double)x / width, (double)y / height)).Build()), 0, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Live_measurement_matches_a_full_unpack_and_does_not_depend_on_resolution()
    {
        var settings = new AnalysisSettings(LogCurve.Bt1886, Gamut.Rec709, 5600, 25);
        using var hd = Frame(1920, 1080);
        using var uhd = Frame(3840, 2160);
        var live = new LiveLighting(() => settings).Analyze(hd);
        var liveUhd = new LiveLighting(() => settings).Analyze(uhd);

        // Reference: every line unpacked in full, every pixel converted, the whole frame analysed as 10-bit RGB.
        var rgb = new ushort[1920 * 1080 * 3];
        var y = new ushort[1920];
        var cb = new ushort[960];
        var cr = new ushort[960];
        for (var row = 0; row < 1080; row++)
        {
            hd.UnpackPlanar(row, y, cb, cr);
            YCbCr.ToRgb10(y, cb, cr, 1, 1920, rgb.AsSpan(row * 1920 * 3, 1920 * 3));
        }

        var reference = new FrameAnalyzer(settings).Analyze(rgb, 1920, 1080, 3, 10);
        Assert.Equal(reference.AverageStops, live.AverageStops, 3);
        Assert.Equal(reference.Light!.LightXyz.X, live.Light!.LightXyz.X, 4);
        Assert.Equal(live.AverageStops, liveUhd.AverageStops, 1);
        Assert.Equal(live.ClippedPct, liveUhd.ClippedPct, 1);
    }

    [Fact]
    public void Fits_run_a_few_times_a_second_and_exposure_every_frame()
    {
        var lighting = new LiveLighting(() => new AnalysisSettings(LogCurve.Bt1886, Gamut.Rec709, 5600, 24)) { FitsPerSecond = 4 };
        using var frame = Frame(1920, 1080);
        var fitted = 0;
        for (var i = 0; i < 24; i++)
        {
            var m = lighting.Analyze(frame);
            fitted += m.Light is null ? 0 : 1;
            Assert.InRange(m.AverageStops, -5, 5);
        }

        Assert.Equal(4, fitted);
        Assert.Equal(24, lighting.Summary()!.Frames);
        Assert.NotNull(lighting.Summary()!.Light.Cct);
    }

    [Fact]
    public void Rolling_bands_on_a_feed_read_as_the_lamp_with_its_spectrum()
    {
        // A 120 Hz lamp, fully modulated, at 25 fps and 180°: each line integrates 2.4 cycles, leaving ±12.6 %.
        const int width = 640, height = 360;
        const double fps = 25, readout = 0.015, hz = 120, te = 0.5 / fps;
        var lighting = new LiveLighting(() => new AnalysisSettings(LogCurve.Bt1886, Gamut.Rec709, 5600, fps, ReadoutSeconds: readout));
        var expected = 2 * Math.Abs(Math.Sin(Math.PI * hz * te) / (Math.PI * hz * te)) * 100;
        for (var k = 0; k < 64; k++)
        {
            var frameIndex = k;
            var bytes = new V210FrameBuilder(width, height, 0).WithPicture((x, y) =>
            {
                var t0 = frameIndex / fps + y * readout / height;
                var w = 2 * Math.PI * hz;
                var level = 1 + (Math.Cos(w * t0) - Math.Cos(w * (t0 + te))) / (w * te);
                var linear = 0.18 * level * (1 + 0.1 * Math.Sin(x / 17.0));
                var code = LogCurves.Encode(LogCurve.Bt1886, linear);
                return ((ushort)Math.Round(64 + code * 876), 512, 512);
            }).Build();
            using var frame = new VideoFrame("A", new VideoFormat(width, height, FramePixelFormat.V210, Formats.FrameRate.Fps25), new Unowned(bytes), k, DateTimeOffset.UnixEpoch.AddSeconds(k / fps));
            lighting.Analyze(frame);
        }

        var flicker = lighting.Summary()!.Flicker;
        Assert.True(flicker.Detected);
        Assert.InRange(flicker.FrequencyHz!.Value, hz - 1, hz + 1);
        Assert.InRange(flicker.DepthPct, expected * 0.85, expected * 1.15);
        Assert.InRange(flicker.Spectrum.Count, 24, 256);
        Assert.InRange(flicker.Spectrum.MaxBy(b => b.DepthPct)!.Hz, 100, 140);
    }

    private sealed class Unowned(byte[] bytes) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory => bytes;

        public void Dispose()
        {
        }
    }
}
