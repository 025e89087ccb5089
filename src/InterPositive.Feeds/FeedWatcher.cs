using System.Globalization;
using InterPositive.Formats;
using InterPositive.Lighting.Analysis;

namespace InterPositive.Feeds;

/// <summary>
/// The analysis side of one feed for the service: takes every frame the feed hands over, keeps the
/// <see cref="FeedMonitor"/> and the <see cref="LiveLighting"/> up to date, and once a second raises
/// <see cref="Tick"/> (timecode, drops, repeats, camera changes, lighting line). <see cref="Report"/> is a
/// thread-safe snapshot for the API and dashboard. One per feed; run it from a BackgroundService.
/// </summary>
public sealed class FeedWatcher
{
    private readonly Feed _feed;
    private readonly FeedMonitor _monitor;
    private readonly LiveLighting? _lighting;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private FeedReport? _report;

    /// <summary>Watches <paramref name="feed"/>; <paramref name="settings"/> gives lighting settings for the current format and camera metadata (null: no lighting).</summary>
    public FeedWatcher(Feed feed, string source, TimeProvider time, Func<VideoFormat?, Formats.Rdd18.AcquisitionMetadata?, AnalysisSettings>? settings = null)
    {
        _feed = feed;
        _time = time;
        _monitor = new FeedMonitor(feed.Name, source);
        _lighting = settings is null ? null : new LiveLighting(() => settings(_monitor.Format, _monitor.Camera));
        feed.Event += e =>
        {
            lock (_gate)
            {
                _monitor.Note(e);
            }
        };
    }

    /// <summary>Once a second, on the analysis task: the tick and the lighting line (null without lighting).</summary>
    public event Action<FeedTick, string?>? Tick;

    /// <summary>Every frame, on the analysis task, before the frame goes back to its pool (thumbnails, recorders).</summary>
    public event Action<VideoFrame>? Frame;

    /// <summary>The latest report (frames, drops, timecode, camera, ANC, errors, lighting).</summary>
    public FeedReport Report()
    {
        lock (_gate)
        {
            return _report ??= Build();
        }
    }

    /// <summary>Reads the feed's frames until the feed completes or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var last = _time.GetTimestamp();
        try
        {
            await foreach (var frame in _feed.Frames.ReadAllAsync(cancellationToken))
            {
                using (frame)
                {
                    // ReadAllAsync only looks at the token when the channel is empty; a feed that outpaces the analysis
                    // never empties it, and the service's stop would wait out the host's shutdown timeout.
                    cancellationToken.ThrowIfCancellationRequested();

                    // The lighting take is read by Report() from other threads, so it changes under the same lock.
                    lock (_gate)
                    {
                        _monitor.Observe(frame);
                        _lighting?.Analyze(frame);
                        _report = null;
                    }

                    Frame?.Invoke(frame);
                }

                var elapsed = _time.GetElapsedTime(last);
                if (elapsed >= TimeSpan.FromSeconds(1))
                {
                    last = _time.GetTimestamp();
                    FeedTick tick;
                    lock (_gate)
                    {
                        tick = _monitor.Tick(elapsed);
                    }

                    string? line;
                    lock (_gate)
                    {
                        line = _lighting?.Line();
                    }

                    Tick?.Invoke(tick, line);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private FeedReport Build()
    {
        var report = _monitor.Report(_feed.AncErrors, 0, _feed.Status.FramesDroppedForAnalysis);
        return report with { Lighting = _lighting?.Summary(report.Source) };
    }

    /// <summary>Parses the service configuration's strings (format, fps) into source options.</summary>
    public static FeedSourceOptions Options(string? format, int? width, int? height, string? fps, int vancLines) => new()
    {
        Pixel = (format ?? "v210").ToLowerInvariant() switch
        {
            "v210" => FramePixelFormat.V210,
            "uyvy" => FramePixelFormat.Uyvy,
            var other => throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"feed format {other}: use v210 or uyvy")),
        },
        Width = width,
        Height = height,
        Rate = fps is null ? null : FrameRate.TryParse(fps, out var r) ? r : throw new ArgumentException($"feed fps {fps}: not a frame rate"),
        VancLines = vancLines,
    };
}
