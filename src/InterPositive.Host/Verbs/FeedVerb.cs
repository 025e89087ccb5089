using System.CommandLine;
using System.Globalization;
using InterPositive.Feeds;
using InterPositive.Feeds.Sources;
using InterPositive.Formats;
using InterPositive.Host.Cli;
using InterPositive.Lighting.Colour;

namespace InterPositive.Host.Verbs;

/// <summary>
/// <c>interpositive feed SOURCE</c>: reads a live feed (raw v210/UYVY file, <c>-</c>, <c>tcp://</c>, <c>ffmpeg:</c>,
/// <c>st2110://</c> or <c>pattern</c>) and prints, once a second, timecode, dropped and repeated frames and camera
/// metadata changes; with --json one report at the end.
/// </summary>
internal static class FeedVerb
{
    private static readonly Argument<string> Source = new("SOURCE")
    {
        Description = "pattern | PATH | - | tcp://HOST:PORT | ffmpeg:INPUT | st2110://GROUP-OR-HOST:PORT[?anc=PORT|none&interface=IP] (ST 2110-40 ANC defaults to PORT+2).",
    };

    private static readonly Option<string> PixelFormat = new("--format")
    {
        Description = "Raw frame packing: v210 (10-bit) or uyvy (8-bit).",
        DefaultValueFactory = _ => "v210",
    };

    private static readonly Option<int?> Width = new("--width") { Description = "Picture width in pixels (raw sources; default 1920)." };

    private static readonly Option<int?> Height = new("--height") { Description = "Active picture height in lines (raw sources; default 1080)." };

    private static readonly Option<string?> Fps = new("--fps") { Description = "Frame rate: 23.976, 24, 25, 29.97, 29.97DF, 50, 59.94, 60 … (default: from the source, else 25)." };

    private static readonly Option<int> VancLines = new("--vanc-lines") { Description = "VANC lines ahead of the active picture in each raw frame (DeckLink/AJA captures)." };

    private static readonly Option<long?> Frames = new("--frames") { Description = "Stop after this many frames." };

    private static readonly Option<string> Name = new("--name")
    {
        Description = "Feed name (camera letter) for the report.",
        DefaultValueFactory = _ => "A",
    };

    private static readonly Option<bool> RealTime = new("--realtime") { Description = "Read ffmpeg inputs at their frame rate (ffmpeg -re)." };

    private static readonly Option<bool> Fast = new("--fast") { Description = "Render the pattern as fast as possible instead of in real time." };

    private static readonly Option<string> Log = new("--log")
    {
        Description = "Transfer function of the feed for lighting analysis: logc3, logc4, slog3, log3g10, clog2, clog3, bmdfilm5, vlog, bt1886, srgb, linear.",
        DefaultValueFactory = _ => "bt1886",
    };

    private static readonly Option<string> GamutOption = new("--gamut")
    {
        Description = "Primaries of the feed for lighting analysis: awg3, awg4, sgamut3cine, rwg, rec709, rec2020.",
        DefaultValueFactory = _ => "rec709",
    };

    private static readonly Option<double?> WhiteBalance = new("--wb") { Description = "White balance the camera applied, kelvin (default: from RDD 18 metadata)." };

    private static readonly Option<bool> NoLighting = new("--no-lighting") { Description = "Skip the live lighting analysis." };

    public static Command Create() => Verb.Define(
        "feed",
        "Read a live feed (SDI capture as raw v210/UYVY, ffmpeg, SMPTE ST 2110 or the test pattern): timecode, drops, repeats, camera metadata and ANC.",
        command =>
        {
            command.Arguments.Add(Source);
            foreach (var option in new Option[] { PixelFormat, Width, Height, Fps, VancLines, Frames, Name, RealTime, Fast, Log, GamutOption, WhiteBalance, NoLighting })
            {
                command.Options.Add(option);
            }
        },
        async context =>
        {
            var source = context.Value(Source) ?? throw new UsageException("give a SOURCE");
            var options = ParseOptions(context, source);
            var name = context.Value(Name) ?? "A";
            var limit = context.Value(Frames);
            if (limit is <= 0)
            {
                throw new UsageException("--frames must be positive");
            }

            if (!LogCurves.TryParse(context.Value(Log), out var curve))
            {
                throw new UsageException($"--log {context.Value(Log)}: not a known curve");
            }

            if (!Gamuts.TryParse(context.Value(GamutOption), out var gamut))
            {
                throw new UsageException($"--gamut {context.Value(GamutOption)}: not a known gamut");
            }

            var frameSource = FeedSources.Open(source, options, name, context.Time);
            var feed = new Feed(name, frameSource, context.Time, new FeedOptions { AnalysisQueue = 8 });
            var monitor = new FeedMonitor(name, frameSource.Description);
            var wb = context.Value(WhiteBalance);
            var lighting = context.Value(NoLighting) ? null : new LiveLighting(() => LiveLighting.SettingsFor(curve, gamut, monitor.Format, monitor.Camera, wb));
            var events = new System.Collections.Concurrent.ConcurrentQueue<FeedEvent>();
            feed.Event += events.Enqueue;

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            var run = feed.RunAsync(stop.Token);
            var lastTick = context.Time.GetTimestamp();
            var malformed = 0;
            try
            {
                await foreach (var frame in feed.Frames.ReadAllAsync(stop.Token))
                {
                    using (frame)
                    {
                        monitor.Observe(frame);
                        lighting?.Analyze(frame);
                    }

                    malformed += Drain(context, events, monitor);
                    var elapsed = context.Time.GetElapsedTime(lastTick);
                    if (elapsed >= TimeSpan.FromSeconds(1))
                    {
                        lastTick = context.Time.GetTimestamp();
                        PrintTick(context, monitor.Tick(elapsed));
                        if (lighting?.Line() is { } line)
                        {
                            context.WriteLine($"{name}  light: {line}");
                        }
                    }

                    if (limit is { } n && monitor.Frames >= n)
                    {
                        await stop.CancelAsync();
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }

            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (Exception error) when (monitor.Frames > 0)
            {
                // The report below still says what was read before the source failed.
                context.Log.Warning("Feed {Feed} failed after {Frames} frames: {Error}", name, monitor.Frames, error.Message);
            }

            while (feed.Frames.TryRead(out var left))
            {
                left.Dispose();
            }

            malformed += Drain(context, events, monitor);
            var report = monitor.Report(feed.AncErrors, 0, feed.Status.FramesDroppedForAnalysis) with
            {
                Lighting = lighting?.Summary(frameSource.Description),
                St2110 = (frameSource as St2110Source)?.Statistics.Report(),
            };
            if (frameSource is St2110Source ip)
            {
                var s = ip.Statistics;
                context.Log.Information(
                    "ST 2110 {Feed}: {Packets} packets, {Lost} lost, {Reordered} reordered, {Malformed} malformed, {Complete} complete and {Incomplete} incomplete frames",
                    name, s.Packets, s.Lost, s.Reordered, s.Malformed, s.FramesComplete, s.FramesIncomplete);
            }

            if (context.Json)
            {
                context.WriteJson(report, FeedsJsonContext.Default.FeedReport);
            }
            else
            {
                PrintSummary(context, report);
            }

            if (report.Frames == 0 && malformed > 0)
            {
                return context.Fail(ExitCode.BadInput, $"{frameSource.Description}: no complete frame as {options.Pixel.ToString().ToLowerInvariant()} {options.Width ?? 1920}x{options.Height ?? 1080} with {options.VancLines} VANC lines");
            }

            return ExitCode.Success;
        });

    private static FeedSourceOptions ParseOptions(VerbContext context, string source)
    {
        var pixel = (context.Value(PixelFormat) ?? "v210").ToLowerInvariant() switch
        {
            "v210" => FramePixelFormat.V210,
            "uyvy" => FramePixelFormat.Uyvy,
            var other => throw new UsageException($"--format {other}: use v210 or uyvy"),
        };
        FrameRate? rate = null;
        if (context.Value(Fps) is { } fps)
        {
            rate = FrameRate.TryParse(fps, out var r) ? r : throw new UsageException($"--fps {fps}: not a frame rate (23.976, 25, 29.97DF …)");
        }

        var width = context.Value(Width);
        var height = context.Value(Height);
        if (width is <= 0 || height is <= 0)
        {
            throw new UsageException("--width and --height must be positive");
        }

        var vanc = context.Value(VancLines);
        if (vanc < 0)
        {
            throw new UsageException("--vanc-lines must not be negative");
        }

        var pattern = source.Equals("pattern", StringComparison.OrdinalIgnoreCase);
        return new FeedSourceOptions
        {
            Pixel = pixel,
            Width = width,
            Height = height,
            Rate = rate,
            VancLines = vanc,
            RealTime = pattern ? !context.Value(Fast) : context.Value(RealTime),
            Media = context.Media,
        };
    }

    private static int Drain(VerbContext context, System.Collections.Concurrent.ConcurrentQueue<FeedEvent> events, FeedMonitor monitor)
    {
        var malformed = 0;
        while (events.TryDequeue(out var e))
        {
            monitor.Note(e);
            malformed += e.Kind == FeedEventKind.Malformed ? 1 : 0;
            if (e.Kind is FeedEventKind.Error or FeedEventKind.Malformed or FeedEventKind.Stopped)
            {
                context.Log.Warning("Feed {Feed} {Kind}: {Message}", e.Feed, e.Kind, e.Message);
            }
            else
            {
                context.Log.Information("Feed {Feed} {Kind}: {Message}", e.Feed, e.Kind, e.Message);
            }

            context.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Feed}  {e.Kind.ToString().ToLowerInvariant()}: {e.Message}"));
        }

        return malformed;
    }

    private static void PrintTick(VerbContext context, FeedTick tick)
    {
        context.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{tick.Feed}  {tick.Timecode ?? "--:--:--:--"}  {tick.FramesPerSecond,6:0.00} fps  frames {tick.Frames}  dropped {tick.Dropped}  repeated {tick.Repeated}"));
        foreach (var change in tick.CameraChanges)
        {
            context.WriteLine($"{tick.Feed}  camera: {change}");
        }
    }

    private static void PrintSummary(VerbContext context, FeedReport r)
    {
        context.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Feed}  {r.Source}  {r.Format ?? "no signal"}"));
        context.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  frames {r.Frames}, dropped {r.Dropped}, repeated {r.Repeated}, skipped by analysis {r.AnalysisSkipped}"));
        context.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  timecode {r.Timecode.First ?? "none"} .. {r.Timecode.Last ?? "none"}, {r.Timecode.Discontinuities} discontinuities"));
        if (r.Camera is { } c)
        {
            context.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  camera {c.Camera.Make} {c.Camera.Model} {c.Camera.Serial}  ISO {c.Iso}  EI {c.ExposureIndex}  {c.WhiteBalanceK} K  {c.ShutterAngle}°  f/{c.Lens.FNumber:0.0}  {c.Lens.FocalLengthMm:0.#} mm"));
        }

        context.WriteLine("  anc " + (r.Anc.Count == 0 ? "none" : string.Join(", ", r.Anc.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Key}: {a.Value}")))));
        if (r.Lighting is { } l)
        {
            context.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  light {l.Light.Cct:0} K Duv {l.Light.Duv:+0.000;-0.000}, exposure {l.Exposure.AverageStops:+0.0;-0.0} stops, key az {l.Contrast.KeyAzimuthDeg:0}° el {l.Contrast.KeyElevationDeg:0}°, key/fill {l.Contrast.KeyFillStops:0.0} stops, flicker {(l.Flicker.Detected ? "yes" : "no")}"));
        }

        context.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  errors parity {r.Errors.Parity}, checksum {r.Errors.Checksum}, truncated {r.Errors.Truncated}"));
    }
}
