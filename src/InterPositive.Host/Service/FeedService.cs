using System.Collections.Concurrent;
using InterPositive.Feeds;
using InterPositive.Formats;
using InterPositive.Formats.Images;
using InterPositive.Lighting;
using InterPositive.Lighting.Colour;
using Microsoft.Extensions.Hosting;

namespace InterPositive.Host.Service;

/// <summary>What the dashboard's feed monitor shows of one feed.</summary>
public sealed record FeedLive(
    string Name,
    string Source,
    string State,
    string? Format,
    string? Timecode,
    long Frames,
    long Dropped,
    long Repeated,
    long Discontinuities,
    int Reconnects,
    string? LastError,
    string? Camera,
    double? ExposureStops,
    double? ClippedPct,
    double? Cct,
    double? Duv,
    bool? Flicker,
    double? FlickerHz,
    DateTimeOffset? ThumbnailAt);

/// <summary>
/// The live feeds (A, B, C camera; the test pattern when nothing is configured): each feed's frames are watched for
/// timecode, drops, repeats and camera-metadata changes, measured by the live lighting analysis, and turned into a
/// thumbnail (and a false-colour one) twice a second for the dashboard.
/// </summary>
public sealed class FeedService : BackgroundService
{
    private static readonly TimeSpan ThumbnailInterval = TimeSpan.FromMilliseconds(400);
    private readonly ApplianceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, FeedView> _views = new(StringComparer.OrdinalIgnoreCase);
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213", Justification = "A view of the manager ExecuteAsync owns and disposes.")]
    private FeedManager? _manager;

    public FeedService(ApplianceOptions options, TimeProvider time, ILogger log)
    {
        _options = options;
        _time = time;
        _log = log.ForContext<FeedService>();
    }

    public IReadOnlyList<FeedLive> Live() => [.. _views.Values.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => v.Snapshot(_manager?[v.Name]?.Status))];

    /// <summary>The latest thumbnail of a feed as PNG, normal or false colour; null before the first frame.</summary>
    public byte[]? Thumbnail(string name, bool falseColour) =>
        _views.TryGetValue(name, out var view) ? (falseColour ? view.FalseColourPng : view.Png) : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var manager = new FeedManager(_time, new FeedOptions { AnalysisQueue = 4 });
        _manager = manager;
        var runs = new List<Task>();
        foreach (var configured in _options.Feeds)
        {
            try
            {
                var options = new FeedSourceOptions
                {
                    Pixel = string.Equals(configured.Format, "uyvy", StringComparison.OrdinalIgnoreCase) ? FramePixelFormat.Uyvy : FramePixelFormat.V210,
                    Width = configured.Width,
                    Height = configured.Height,
                    Rate = configured.Fps is { } fps ? FrameRate.Parse(fps) : null,
                    VancLines = configured.VancLines,
                };
                var feed = await manager.StartAsync(new FeedDefinition(configured.Name, configured.Source, options), stoppingToken);
                // The test pattern is display-referred video; a camera feed is taken as LogC3/AWG3 unless configured.
                var isPattern = configured.Source.Equals("pattern", StringComparison.OrdinalIgnoreCase);
                var curve = LogCurves.TryParse(configured.Log, out var c) ? c : isPattern ? LogCurve.Bt1886 : LogCurve.LogC3;
                var gamut = Gamuts.TryParse(configured.Gamut, out var g) ? g : isPattern ? Gamut.Rec709 : Gamut.Awg3;
                var view = new FeedView(configured.Name, configured.Source, curve, gamut);
                _views[configured.Name] = view;
                runs.Add(ConsumeAsync(feed, view, stoppingToken));
                _log.Information("Feed {Feed} started from {Source}", configured.Name, configured.Source);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                _log.Error("Feed {Feed} ({Source}) not started: {Error}", configured.Name, configured.Source, error.Message);
            }
        }

        await Task.WhenAll(runs);
    }

    private async Task ConsumeAsync(Feed feed, FeedView view, CancellationToken stoppingToken)
    {
        var lastThumbnail = long.MinValue;
        try
        {
            await foreach (var frame in feed.Frames.ReadAllAsync(stoppingToken))
            {
                using (frame)
                {
                    view.Monitor.Observe(frame);
                    view.Lighting.Analyze(frame);
                    if (lastThumbnail == long.MinValue || _time.GetElapsedTime(lastThumbnail) >= ThumbnailInterval)
                    {
                        lastThumbnail = _time.GetTimestamp();
                        view.Png = Encode(FeedThumbnail.Render(frame, 480));
                        view.FalseColourPng = Encode(FeedThumbnail.Render(frame, 480, view.Curve));
                        view.ThumbnailAt = _time.GetUtcNow();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            _log.Error("Feed {Feed} analysis stopped: {Error}", view.Name, error.Message);
        }
    }

    private static byte[] Encode(RasterImage image)
    {
        using var stream = new MemoryStream();
        PngCodec.Write(stream, image);
        return stream.ToArray();
    }

    private sealed class FeedView
    {
        public FeedView(string name, string source, LogCurve curve, Gamut gamut)
        {
            Name = name;
            Source = source;
            Curve = curve;
            Monitor = new FeedMonitor(name, source);
            Lighting = new LiveLighting(() => LiveLighting.SettingsFor(curve, gamut, Monitor.Format, Monitor.Camera));
        }

        public string Name { get; }

        public string Source { get; }

        public LogCurve Curve { get; }

        public FeedMonitor Monitor { get; }

        public LiveLighting Lighting { get; }

        public byte[]? Png { get; set; }

        public byte[]? FalseColourPng { get; set; }

        public DateTimeOffset? ThumbnailAt { get; set; }

        public FeedLive Snapshot(FeedStatus? status)
        {
            LightingRecord? summary = null;
            try
            {
                summary = Lighting.Summary(Source);
            }
            catch (InvalidOperationException)
            {
                // No frame analysed yet.
            }

            var last = Lighting.Last;
            return new FeedLive(
                Name,
                Source,
                status?.State.ToString().ToLowerInvariant() ?? "starting",
                Monitor.Format?.ToString(),
                Monitor.Last?.ToString(),
                Monitor.Frames,
                Monitor.Dropped,
                Monitor.Repeated,
                Monitor.Discontinuities,
                status?.Reconnects ?? 0,
                status?.LastError,
                Monitor.Camera?.CameraAttributes,
                last?.AverageStops,
                last?.ClippedPct,
                summary?.Light.Cct,
                summary?.Light.Duv,
                summary?.Flicker.Detected,
                summary?.Flicker.FrequencyHz,
                ThumbnailAt);
        }
    }
}
