using InterPositive.Formats;
using InterPositive.Formats.Rdd18;
using InterPositive.Formats.Sdi;

namespace InterPositive.Feeds.Sources;

/// <summary>What the test pattern looks like and says about itself.</summary>
public sealed record PatternOptions
{
    public int Width { get; init; } = 1920;

    public int Height { get; init; } = 1080;

    public FrameRate Rate { get; init; } = FrameRate.Fps23_976;

    /// <summary>VANC lines ahead of the picture; ATC rides on line 9 and RDD 18 on line 10 (as cameras place them).</summary>
    public int VancLines { get; init; } = 10;

    /// <summary>First timecode; null starts at the time of day.</summary>
    public Timecode? StartTimecode { get; init; }

    /// <summary>Deliver frames in real time (the service, the CLI) or as fast as they render (tests, benchmarks).</summary>
    public bool RealTime { get; init; } = true;

    /// <summary>Stop after this many frames (tests); null runs until cancelled.</summary>
    public long? FrameLimit { get; init; }

    /// <summary>Seconds for the key light to go once around the sphere.</summary>
    public double LightPeriodSeconds { get; init; } = 8;

    /// <summary>The camera metadata carried in VANC (RDD 18).</summary>
    public AcquisitionMetadata Camera { get; init; } = new()
    {
        CameraAttributes = "InterPositive Pattern SN IPE-0001",
        LensAttributes = "Pattern Prime 50mm",
        IrisFNumber = 2.8,
        IrisTNumber = 2.9,
        FocusDistanceMetres = 3,
        FocalLengthMm = 50,
        NdFilter = 1,
        CaptureFrameRate = 24000.0 / 1001,
        ShutterAngleDegrees = 180,
        Iso = 800,
        ExposureIndex = 800,
        WhiteBalanceKelvin = 5600,
    };

    /// <summary>Optional per-frame camera metadata (for a pull of focus or an ISO change); overrides <see cref="Camera"/>.</summary>
    public Func<long, AcquisitionMetadata>? CameraForFrame { get; init; }
}

/// <summary>
/// A moving test pattern in v210 with VANC: 75 % colour bars, a 10-bit grey ramp, and a grey sphere lit by a key
/// light that circles it, so the live lighting analysis has something to measure. Carries ATC timecode (LTC, line
/// 9) and RDD 18 camera metadata (line 10). The default feed when no capture hardware is configured.
/// </summary>
public sealed class PatternSource(PatternOptions options, string feed, TimeProvider time) : IFrameSource
{
    // 75 % bars in 10-bit BT.709 Y'CbCr: white, yellow, cyan, green, magenta, red, blue.
    private static readonly (ushort Y, ushort Cb, ushort Cr)[] Bars =
    [
        (721, 512, 512), (674, 176, 543), (581, 589, 176), (534, 253, 207), (251, 771, 817), (204, 435, 848), (111, 848, 481),
    ];

    private byte[]? _background;

    public string Description => "pattern";

    public bool IsLive => options.RealTime;

    public VideoFormat Format { get; } = new(options.Width, options.Height, FramePixelFormat.V210, options.Rate, options.VancLines);

    public async Task RunAsync(IFrameSink sink, CancellationToken cancellationToken)
    {
        _background ??= RenderBackground();
        var start = options.StartTimecode ?? Timecode.FromFrames(
            (long)(time.GetLocalNow().TimeOfDay.TotalSeconds * options.Rate.FramesPerSecond), options.Rate);
        var period = TimeSpan.FromSeconds(1 / options.Rate.FramesPerSecond);
        var origin = time.GetTimestamp();
        sink.OnEvent(FeedEventKind.Connected, Format.ToString());
        for (long n = 0; options.FrameLimit is not { } limit || n < limit; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (options.RealTime)
            {
                var due = (period * n) - time.GetElapsedTime(origin);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, cancellationToken);
                }
            }

            VideoFrame? frame = VideoFrame.Rent(feed, Format, n, time.GetUtcNow());
            try
            {
                Render(frame.Data.Span, n, start.AddFrames(n));
                var delivered = frame;
                frame = null;
                await sink.OnFrameAsync(delivered, cancellationToken);
            }
            finally
            {
                frame?.Dispose();
            }
        }
    }

    /// <summary>Renders frame <paramref name="n"/> into <paramref name="destination"/> (VANC and picture).</summary>
    public void Render(Span<byte> destination, long n, Timecode timecode)
    {
        _background ??= RenderBackground();
        var stride = Format.Stride;
        _background.CopyTo(destination);

        var atc = AncWord.Encode(AtcTimecode.Did, AtcTimecode.Sdid, timecode.ToAtc(AtcPayloadType.Ltc).EncodeUserData());
        var camera = options.CameraForFrame?.Invoke(n) ?? options.Camera;
        var rdd18 = AncWord.Encode(Rdd18Codec.AncDid, Rdd18Codec.AncSdid, Rdd18Codec.EncodeAncPayload(camera));
        if (Format.VancLines >= 9)
        {
            VancLine.WriteV210(destination.Slice(8 * stride, stride), Format.Width, [atc]);
        }

        if (Format.VancLines >= 10)
        {
            VancLine.WriteV210(destination.Slice(9 * stride, stride), Format.Width, [rdd18]);
        }
        else if (Format.VancLines > 0)
        {
            VancLine.WriteV210(destination.Slice((Format.VancLines - 1) * stride, stride), Format.Width, [atc, rdd18]);
        }

        RenderSphere(destination, n / options.Rate.FramesPerSecond);
    }

    private (int Cx, int Cy, int R) SphereGeometry() =>
        (Format.Width / 2, (int)(Format.Height * 0.7), (int)(Format.Height * 0.27));

    private byte[] RenderBackground()
    {
        int w = Format.Width, h = Format.Height;
        var frame = new byte[Format.FrameBytes];
        var stride = Format.Stride;
        for (var l = 0; l < Format.VancLines; l++)
        {
            VancLine.WriteV210(frame.AsSpan(l * stride, stride), w, []);
        }

        var samples = new ushort[V210.SampleCount(w)];
        var barsEnd = (int)(h * 0.3);
        var rampEnd = (int)(h * 0.4);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                (ushort Y, ushort Cb, ushort Cr) px = y < barsEnd
                    ? Bars[Math.Min(6, x * 7 / w)]
                    : y < rampEnd
                        ? ((ushort)(64 + ((940 - 64) * x / Math.Max(1, w - 1))), (ushort)512, (ushort)512)
                        : ((ushort)160, (ushort)512, (ushort)512);
                samples[(2 * x) + 1] = px.Y;
                if ((x & 1) == 0)
                {
                    samples[2 * x] = px.Cb;
                    samples[Math.Min((2 * x) + 2, samples.Length - 1)] = px.Cr;
                }
            }

            V210.PackSamples(samples, frame.AsSpan((Format.VancLines + y) * stride, stride));
        }

        return frame;
    }

    /// <summary>Lambert shading plus a little fill, the key light circling at 35° elevation; slightly warm key.</summary>
    private void RenderSphere(Span<byte> frame, double seconds)
    {
        var (cx, cy, r) = SphereGeometry();
        var azimuth = 2 * Math.PI * seconds / options.LightPeriodSeconds;
        var elevation = 35 * Math.PI / 180;
        double lx = Math.Cos(elevation) * Math.Sin(azimuth), ly = Math.Sin(elevation), lz = Math.Cos(elevation) * Math.Cos(azimuth);

        // Work in whole 6-pixel v210 groups so each line segment packs on its own.
        var x0 = Math.Max(0, (cx - r) / 6 * 6);
        var x1 = Math.Min(Format.Width / 6 * 6, ((cx + r) / 6 * 6) + 6);
        var samples = new ushort[(x1 - x0) * 2];
        var stride = Format.Stride;
        for (var y = Math.Max(0, cy - r); y < Math.Min(Format.Height, cy + r); y++)
        {
            var dy = (cy - y) / (double)r;
            var line = frame.Slice((Format.VancLines + y) * stride, stride);
            V210.UnpackSamples(line.Slice(x0 / 6 * 16, (x1 - x0) / 6 * 16), samples);
            var touched = false;
            for (var x = x0; x < x1; x++)
            {
                var dx = (x - cx) / (double)r;
                var d2 = (dx * dx) + (dy * dy);
                if (d2 > 1)
                {
                    continue;
                }

                touched = true;
                var dz = Math.Sqrt(1 - d2);
                var lambert = Math.Max(0, (dx * lx) + (dy * ly) + (dz * lz));
                var luma = 64 + (int)((0.08 + (0.72 * lambert)) * 876);
                var i = (x - x0) * 2;
                samples[i + 1] = (ushort)Math.Clamp(luma, 4, 1019);
                if ((x & 1) == 0)
                {
                    // Warm key: Cb below, Cr above neutral in proportion to the key's contribution.
                    samples[i] = (ushort)(512 - (int)(24 * lambert));
                    samples[i + 2] = (ushort)(512 + (int)(18 * lambert));
                }
            }

            if (touched)
            {
                V210.PackSamples(samples, line.Slice(x0 / 6 * 16, (x1 - x0) / 6 * 16));
            }
        }

    }
}
