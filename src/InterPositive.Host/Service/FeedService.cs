using System.Collections.Concurrent;
using InterPositive.Feeds;
using InterPositive.Formats.Images;
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
/// The live feeds (A, B, C camera; the test pattern when nothing is configured), each run by the feeds library's
/// <see cref="FeedWatcher"/> (timecode, drops, repeats, camera metadata, live lighting); this stage adds the thumbnail
/// and its false-colour twin, refreshed more than twice a second, for the dashboard.
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
                var options = FeedWatcher.Options(configured.Format, configured.Width, configured.Height, configured.Fps, configured.VancLines) with { Media = new InterPositive.Media.MediaTools(_options.Media) };
                var feed = await manager.StartAsync(new FeedDefinition(configured.Name, configured.Source, options), stoppingToken);

                // The test pattern is display-referred video; a camera feed is taken as LogC3/AWG3 unless configured.
                var isPattern = configured.Source.Equals("pattern", StringComparison.OrdinalIgnoreCase);
                var curve = LogCurves.TryParse(configured.Log, out var c) ? c : isPattern ? LogCurve.Bt1886 : LogCurve.LogC3;
                var gamut = Gamuts.TryParse(configured.Gamut, out var g) ? g : isPattern ? Gamut.Rec709 : Gamut.Awg3;
                var watcher = new FeedWatcher(feed, configured.Source, _time, (format, camera) => LiveLighting.SettingsFor(curve, gamut, format, camera));
                var view = new FeedView(configured.Name, watcher, curve);
                watcher.Frame += frame => view.OnFrame(frame, _time);
                _views[configured.Name] = view;
                runs.Add(RunAsync(view, watcher, stoppingToken));
                _log.Information("Feed {Feed} started from {Source}", configured.Name, configured.Source);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                _log.Error("Feed {Feed} ({Source}) not started: {Error}", configured.Name, configured.Source, error.Message);
            }
        }

        await Task.WhenAll(runs);
    }

    private async Task RunAsync(FeedView view, FeedWatcher watcher, CancellationToken stoppingToken)
    {
        try
        {
            await watcher.RunAsync(stoppingToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            _log.Error("Feed {Feed} analysis stopped: {Error}", view.Name, error.Message);
        }
    }

    private sealed class FeedView(string name, FeedWatcher watcher, LogCurve curve)
    {
        private long _lastThumbnail = long.MinValue;

        public string Name { get; } = name;

        public byte[]? Png { get; private set; }

        public byte[]? FalseColourPng { get; private set; }

        public DateTimeOffset? ThumbnailAt { get; private set; }

        public void OnFrame(VideoFrame frame, TimeProvider time)
        {
            if (_lastThumbnail != long.MinValue && time.GetElapsedTime(_lastThumbnail) < ThumbnailInterval)
            {
                return;
            }

            _lastThumbnail = time.GetTimestamp();
            Png = Encode(FeedThumbnail.Render(frame, 480));
            FalseColourPng = Encode(FeedThumbnail.Render(frame, 480, curve));
            ThumbnailAt = time.GetUtcNow();
        }

        public FeedLive Snapshot(FeedStatus? status)
        {
            var report = watcher.Report();
            var lighting = report.Lighting;
            return new FeedLive(
                Name,
                report.Source,
                status?.State.ToString().ToLowerInvariant() ?? "starting",
                report.Format,
                report.Timecode.Last,
                report.Frames,
                report.Dropped,
                report.Repeated,
                report.Timecode.Discontinuities,
                status?.Reconnects ?? 0,
                status?.LastError,
                report.Camera is { } camera ? string.Join(' ', new[] { camera.Camera.Make, camera.Camera.Model, camera.Camera.Serial }.Where(p => p is not null)) : null,
                lighting?.Exposure.AverageStops,
                lighting?.Exposure.ClippedPct,
                lighting?.Light.Cct,
                lighting?.Light.Duv,
                lighting?.Flicker.Detected,
                lighting?.Flicker.FrequencyHz,
                ThumbnailAt);
        }

        private static byte[] Encode(RasterImage image)
        {
            using var stream = new MemoryStream();
            PngCodec.Write(stream, image);
            return stream.ToArray();
        }
    }
}
