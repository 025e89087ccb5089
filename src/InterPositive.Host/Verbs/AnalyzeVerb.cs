using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Clips;
using InterPositive.Feeds;
using InterPositive.Formats;
using InterPositive.Formats.Images;
using InterPositive.Host.Cli;
using InterPositive.Lighting;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Takes;
using FrameRate = InterPositive.Formats.FrameRate;

namespace InterPositive.Host.Verbs;

/// <summary>
/// <c>interpositive analyze INPUT</c>: the lighting record of a still, a folder of numbered stills or a clip ffmpeg
/// decodes (streamed frame by frame as rgb48le: memory stays at one frame). With <c>--clip ID</c> the record and its
/// continuity/flicker alerts are stored with the clip in the catalog and go to post.
/// </summary>
internal static class AnalyzeVerb
{

    public static Command Create()
    {
        var input = new Argument<string>("INPUT") { Description = "A still (16-bit PNG, 10-bit DPX, 16-bit TIFF), a folder of numbered stills, a clip ffmpeg decodes, raw v210 (.v210, with --width/--height), or a feed source (tcp://HOST:PORT, st2110://GROUP:PORT, pattern, -)." };
        var log = new Option<string?>("--log") { Description = "Transfer curve: logc3, logc4, slog3, log3g10, clog2, clog3, bmdfilm5, vlog, bt1886, srgb, linear (bt709 too). Default: from the clip's camera metadata, else srgb for PNG/TIFF, logc3 for DPX, bt1886 for video." };
        var gamut = new Option<string?>("--gamut") { Description = "Gamut: awg3, awg4, sgamut3cine, rwg, rec709, rec2020. Default: the curve's camera gamut." };
        var wb = new Option<double?>("--wb") { Description = "White balance the camera applied, in kelvin; undone so light.cct is the light's own colour." };
        var fps = new Option<double?>("--fps") { Description = "Frame rate (default: from the clip or the DPX header, else 24)." };
        var width = new Option<int?>("--width") { Description = "Scale clips to this width before analysis (with --height)." };
        var height = new Option<int?>("--height") { Description = "Scale clips to this height before analysis (with --width)." };
        var readout = new Option<double?>("--readout") { Description = "Rolling-shutter readout in milliseconds, 0 for a global shutter (default 15)." };
        var shutter = new Option<double?>("--shutter") { Description = "Shutter angle of the take, in degrees." };
        var clip = new Option<string?>("--clip") { Description = "Store the record with this clip id in the catalog and compare with the previous take of its scene." };
        var frames = new Option<int?>("--frames") { Description = "Analyse at most this many frames." };
        return Verb.Define(
            "analyze",
            "Measure the light of a take: exposure in stops, clipped/crushed, false-colour zones, light colour (CCT, Duv, tint), key-to-fill and key direction, flicker and safe shutter angles.",
            configure: cmd =>
            {
                cmd.Arguments.Add(input);
                foreach (var option in new Option[] { log, gamut, wb, fps, width, height, readout, shutter, clip, frames })
                {
                    cmd.Options.Add(option);
                }
            },
            run: async ctx =>
            {
                var path = ctx.Value(input)!;
                if ((ctx.Value(width) is null) != (ctx.Value(height) is null))
                {
                    throw new UsageException("--width and --height go together");
                }

                var isFolder = Directory.Exists(path);
                var isFeed = IsFeed(path);
                if (!isFolder && !isFeed && !File.Exists(path))
                {
                    throw new FileNotFoundException($"{path}: not found", path);
                }

                var kind = isFolder ? InputKind.Folder : isFeed ? InputKind.Feed : DetectFile(path);
                // A clip of an offloaded card is found in the catalog by its path (or named with --clip): its record is
                // stored with the clip and its shot update queued for post, as the service's take stage does.
                var clipId = ctx.Value(clip);
                using var catalog = clipId is not null || File.Exists(ctx.CatalogPath) ? CatalogDatabase.Open(ctx.CatalogPath, ctx.Time, $"interpositive {ctx.Verb}") : null;
                var catalogued = catalog is null ? null
                    : clipId is not null ? ClipStore.Document(catalog, clipId)
                    : kind == InputKind.Clip ? ClipStore.FindByFile(catalog, path)?.Clip : null;
                clipId ??= catalogued?.Id;
                var metadataDefaults = catalogued is null ? null : ClipLighting.CameraDefaults(catalogued);
                var curve = ParseCurve(ctx.Value(log)) ?? metadataDefaults?.Curve ?? kind switch
                {
                    InputKind.Clip or InputKind.Feed => LogCurve.Bt1886,
                    InputKind.Dpx => LogCurve.LogC3,
                    _ => LogCurve.Srgb,
                };
                var gamutValue = ParseGamut(ctx.Value(gamut)) ?? (ctx.Value(log) is null ? metadataDefaults?.Gamut : null) ?? DefaultGamut(curve);
                var limit = ctx.Value(frames) ?? int.MaxValue;
                var readoutMs = ctx.Value(readout);
                if (readoutMs is < 0 or > 1000)
                {
                    throw new UsageException("--readout is in milliseconds, 0–1000");
                }

                LightingRecord record;
                switch (kind)
                {
                    case InputKind.Folder:
                        record = AnalyseStills(ctx, path, StillSequence.Order(Directory.EnumerateFiles(path).Select(Path.GetFileName)!).Select(n => Path.Combine(path, n!)).ToList(), Settings(ctx.Value(fps) ?? 24), limit);
                        break;
                    case InputKind.Feed:
                        record = await AnalyseFeedAsync(ctx, path, ctx.Value(width), ctx.Value(height), ctx.Value(fps), Settings(ctx.Value(fps) ?? 25), ctx.Value(frames) ?? 240);
                        break;
                    case InputKind.Clip when catalogued is not null && catalog is not null && !Overridden(ctx, log, gamut, wb, fps, width, readout, shutter):
                        record = await new ClipLighting(catalog, ctx.Log, media: ctx.Media).AnalyseAsync(catalogued, path, limit, ctx.CancellationToken);
                        break;
                    case InputKind.Clip:
                        var probe = await ClipLighting.ProbeAsync(path, ctx.CancellationToken, ctx.Media);
                        var size = ctx.Value(width) is { } w ? (w, ctx.Value(height)!.Value) : (probe.Width, probe.Height);
                        record = await ClipLighting.AnalyseClipAsync(path, size, ctx.Value(width) is not null, Settings(ctx.Value(fps) ?? probe.Fps ?? 24), limit, ctx.CancellationToken, ctx.Media);
                        break;
                    default:
                        var bytes = await File.ReadAllBytesAsync(path, ctx.CancellationToken);
                        var rate = kind == InputKind.Dpx ? DpxCodec.Read(bytes, path).Info.FrameRate : null;
                        var settings = Settings(ctx.Value(fps) ?? rate ?? 24);
                        var image = StillImage.Read(bytes, path);
                        var take = new TakeAnalyzer(settings);
                        take.AddFrame(image.Samples, image.Width, image.Height, image.Channels, image.BitDepth);
                        record = take.Build(path);
                        break;
                }

                List<LightingAlert> alerts = [];
                if (clipId is not null && catalog is not null)
                {
                    alerts = new ClipLighting(catalog, ctx.Log).Store(clipId, record);
                    ctx.Log.Information("Lighting of {Clip} stored in the catalog; its shot update waits in the outbox for sync", clipId);
                }

                if (ctx.Json)
                {
                    ctx.WriteJson(record, LightingJsonContext.Default.LightingRecord);
                }
                else
                {
                    PrintSummary(ctx, record, alerts);
                }

                ctx.Log.Information(
                    "Analysed {Source}: {Frames} frames, {Stops} stops, {Cct} K, flicker {Flicker}",
                    record.Source,
                    record.Frames,
                    record.Exposure.AverageStops,
                    record.Light.Cct,
                    record.Flicker.Detected);
                return ExitCode.Success;

                AnalysisSettings Settings(double rate)
                {
                    if (rate is <= 0 or > 1000)
                    {
                        throw new UsageException("--fps must be between 0 and 1000");
                    }

                    return new AnalysisSettings(curve, gamutValue, ctx.Value(wb), rate, readoutMs is { } ms ? ms / 1000 : null, ctx.Value(shutter));
                }
            });
    }

    private enum InputKind
    {
        Folder,
        Png,
        Dpx,
        Tiff,
        Clip,
        Feed,
    }

    private static readonly string[] RawExtensions = [".v210", ".uyvy", ".yuv", ".raw"];

    private static bool IsFeed(string path) =>
        path == "-" || path.Equals("pattern", StringComparison.OrdinalIgnoreCase)
        || path.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("st2110://", StringComparison.OrdinalIgnoreCase)
        || RawExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A feed or raw v210/UYVY file through the feeds' frame sources: each frame's analysed rows are unpacked and
    /// converted from Y′CbCr (BT.709) only where the analysis grid samples them. Live sources stop after
    /// <paramref name="limit"/> frames.
    /// </summary>
    private static async Task<LightingRecord> AnalyseFeedAsync(VerbContext ctx, string path, int? width, int? height, double? fps, AnalysisSettings settings, int limit)
    {
        FrameRate? rate = null;
        if (fps is { } f)
        {
            rate = FrameRate.Standard.FirstOrDefault(r => Math.Abs(r.Numerator / (double)r.Denominator - f) < 0.01);
            if (rate is { Numerator: 0 })
            {
                rate = null;
            }
        }

        var pixel = path.EndsWith(".uyvy", StringComparison.OrdinalIgnoreCase) ? FramePixelFormat.Uyvy : FramePixelFormat.V210;
        var options = new FeedSourceOptions { Width = width, Height = height, Rate = rate, Pixel = pixel, RealTime = false, FrameLimit = limit, Media = ctx.Media };
        var source = FeedSources.Open(path, options, "analyze", ctx.Time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken);
        var sink = new AnalysisSink(new TakeAnalyzer(settings), limit, stop);
        try
        {
            await source.RunAsync(sink, stop.Token);
        }
        catch (OperationCanceledException) when (sink.Frames >= limit && !ctx.CancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }

        if (sink.Failure is { } failure)
        {
            throw failure;
        }

        if (sink.Frames == 0)
        {
            throw new MalformedInputException("the source delivered no frames", path);
        }

        return sink.Take.Build(path);
    }

    /// <summary>Analyses frames as the source delivers them and hands each buffer back at once.</summary>
    private sealed class AnalysisSink(TakeAnalyzer take, int limit, CancellationTokenSource stop) : IFrameSink
    {
        private ushort[] _luma = [];
        private ushort[] _cb = [];
        private ushort[] _cr = [];

        public TakeAnalyzer Take { get; } = take;

        public int Frames { get; private set; }

        public Exception? Failure { get; private set; }

        public ValueTask OnFrameAsync(VideoFrame frame, CancellationToken cancellationToken)
        {
            OnFrame(frame);
            return ValueTask.CompletedTask;
        }

        private void OnFrame(VideoFrame frame)
        {
            using (frame)
            {
                if (Frames >= limit)
                {
                    return;
                }

                var w = frame.Format.Width;
                if (_luma.Length < w)
                {
                    _luma = new ushort[w];
                    _cb = new ushort[(w + 1) / 2];
                    _cr = new ushort[(w + 1) / 2];
                }

                try
                {
                    Take.AddFrame(w, frame.Format.Height, 10, (row, step, columns, rgb) =>
                    {
                        frame.UnpackPlanar(row, _luma, _cb, _cr);
                        YCbCr.ToRgb10(_luma.AsSpan(0, w), _cb.AsSpan(0, (w + 1) / 2), _cr.AsSpan(0, (w + 1) / 2), step, columns, rgb);
                    });
                }
                catch (Exception error)
                {
                    Failure = error;
                    stop.Cancel();
                    return;
                }

                if (++Frames >= limit)
                {
                    stop.Cancel();
                }
            }
        }

        /// <summary>Feed events (a malformed ANC packet, a reconnect) do not spoil the analysis; the source throws when the input is unusable.</summary>
        public void OnEvent(FeedEventKind kind, string message)
        {
        }
    }

    private static InputKind DetectFile(string path)
    {
        Span<byte> head = stackalloc byte[8];
        using (var stream = File.OpenRead(path))
        {
            var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            head = head[..n];
        }

        return StillImage.Detect(head) switch
        {
            StillFormat.Png => InputKind.Png,
            StillFormat.Dpx => InputKind.Dpx,
            StillFormat.Tiff => InputKind.Tiff,
            _ => InputKind.Clip,
        };
    }

    private static LogCurve? ParseCurve(string? name) =>
        name is null ? null : LogCurves.TryParse(name, out var c) ? c : throw new UsageException($"--log {name}: unknown curve (logc3, logc4, slog3, log3g10, clog2, clog3, bmdfilm5, vlog, bt1886, srgb, linear)");

    private static Gamut? ParseGamut(string? name) =>
        name is null ? null : Gamuts.TryParse(name, out var g) ? g : throw new UsageException($"--gamut {name}: unknown gamut (awg3, awg4, sgamut3cine, rwg, rec709, rec2020)");

    private static Gamut DefaultGamut(LogCurve curve) => curve switch
    {
        LogCurve.LogC3 => Gamut.Awg3,
        LogCurve.LogC4 => Gamut.Awg4,
        LogCurve.SLog3 => Gamut.SGamut3Cine,
        LogCurve.Log3G10 => Gamut.RedWideGamutRgb,
        LogCurve.CLog2 or LogCurve.CLog3 or LogCurve.VLog or LogCurve.BmdFilm5 => Gamut.Rec2020,
        _ => Gamut.Rec709,
    };

    private static LightingRecord AnalyseStills(VerbContext ctx, string folder, List<string> files, AnalysisSettings settings, int limit)
    {
        if (files.Count == 0)
        {
            throw new MalformedInputException("no numbered stills (DPX, PNG, TIFF) in the folder", folder);
        }

        var take = new TakeAnalyzer(settings);
        var skipped = 0;
        foreach (var file in files.Take(limit))
        {
            ctx.CancellationToken.ThrowIfCancellationRequested();
            try
            {
                var image = StillImage.Read(File.ReadAllBytes(file), file);
                take.AddFrame(image.Samples, image.Width, image.Height, image.Channels, image.BitDepth);
            }
            catch (MalformedInputException error)
            {
                // One bad frame must not lose the take: report it and carry on.
                skipped++;
                ctx.Log.Warning("Skipped {File}: {Error}", file, error.Message);
                ctx.Stderr.WriteLine($"interpositive analyze: warning: {error.Message}");
            }
        }

        if (take.FrameCount == 0)
        {
            throw new MalformedInputException($"none of the {files.Count} stills could be read", folder);
        }

        return take.Build(folder);
    }

    /// <summary>True when the command line sets any analysis setting the clip's own metadata would otherwise give.</summary>
    private static bool Overridden(VerbContext ctx, params Option[] options) => options.Any(o => ctx.Parse.GetResult(o) is { Implicit: false });

    private static void PrintSummary(VerbContext ctx, LightingRecord r, List<LightingAlert> alerts)
    {
        string F(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "—";
        ctx.WriteLine($"{r.Source}: {r.Frames} frame(s) {r.Width}x{r.Height} @ {F(r.Fps, "0.###")} fps, {r.Log}/{r.Gamut}{(r.WhiteBalanceK is { } k ? $", camera WB {F(k, "0")} K undone" : "")}");
        ctx.WriteLine($"exposure  {F(r.Exposure.AverageStops, "+0.00;-0.00")} stops vs 18 % grey; clipped {F(r.Exposure.ClippedPct, "0.0")} %, crushed {F(r.Exposure.CrushedPct, "0.0")} %");
        ctx.WriteLine($"light     {F(r.Light.Cct, "0")} K, Duv {F(r.Light.Duv, "+0.0000;-0.0000")}, tint {F(r.Light.Tint, "+0.0;-0.0")} CC, confidence {F(r.Light.Confidence, "0.00")}");
        ctx.WriteLine($"contrast  key/fill {F(r.Contrast.KeyFillStops, "0.0")} stops, key from azimuth {F(r.Contrast.KeyAzimuthDeg, "0")}°, elevation {F(r.Contrast.KeyElevationDeg, "0")}°");
        ctx.WriteLine(r.Flicker.Detected
            ? $"flicker   {F(r.Flicker.FrequencyHz, "0.0")} Hz, {F(r.Flicker.DepthPct, "0.0")} % deep{(r.Flicker.Banding ? ", rolling-shutter bands" : "")}; safe shutter angles {string.Join(", ", r.Flicker.SafeShutterAngles.Select(a => F(a, "0.#") + "°"))}"
            : "flicker   none");
        foreach (var alert in alerts)
        {
            ctx.WriteLine($"ALERT     {alert.Kind}: {alert.Message}");
        }
    }
}
