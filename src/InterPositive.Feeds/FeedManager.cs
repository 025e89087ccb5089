using System.Collections.Concurrent;

namespace InterPositive.Feeds;

/// <summary>A feed as configured: its camera letter and its source.</summary>
public sealed record FeedDefinition(string Name, string Source, FeedSourceOptions? Options = null);

/// <summary>
/// The feeds the service runs at once (A, B and C camera), each named by its camera letter. Each feed runs on
/// its own until stopped; analysis reads <see cref="Feed.Frames"/> of each. Host this from a BackgroundService.
/// </summary>
public sealed class FeedManager(TimeProvider time, FeedOptions? options = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (Feed Feed, Task Run, CancellationTokenSource Stop)> _feeds = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every feed's events, on the capture threads.</summary>
    public event Action<FeedEvent>? Event;

    public IReadOnlyCollection<Feed> Feeds => _feeds.Values.Select(f => f.Feed).ToList();

    public Feed? this[string name] => _feeds.TryGetValue(name, out var f) ? f.Feed : null;

    public IReadOnlyList<FeedStatus> Status() => [.. _feeds.Values.Select(f => f.Feed.Status).OrderBy(s => s.Name, StringComparer.Ordinal)];

    /// <summary>Starts a feed (replacing a running one of the same name).</summary>
    public async Task<Feed> StartAsync(FeedDefinition definition, CancellationToken cancellationToken = default)
    {
        await StopAsync(definition.Name);
        var source = FeedSources.Open(definition.Source, definition.Options ?? new FeedSourceOptions(), definition.Name, time);
        return Start(definition.Name, source);
    }

    /// <summary>Starts a feed on a source built elsewhere (tests, a capture card's SDK).</summary>
    public Feed Start(string name, IFrameSource source)
    {
        var feed = new Feed(name, source, time, options);
        feed.Event += e => Event?.Invoke(e);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => feed.RunAsync(stop.Token), CancellationToken.None);
        if (!_feeds.TryAdd(name, (feed, run, stop)))
        {
            stop.Cancel();
            stop.Dispose();
            throw new InvalidOperationException($"feed {name} is already running");
        }

        return feed;
    }

    public async Task StopAsync(string name)
    {
        if (_feeds.TryRemove(name, out var f))
        {
            await f.Stop.CancelAsync();
            try
            {
                await f.Run;
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception)
            {
                // The feed reported its failure as an event already.
            }

            f.Stop.Dispose();

            // Frames left in the channel are owned by nobody now.
            while (f.Feed.Frames.TryRead(out var frame))
            {
                frame.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _feeds.Keys.ToList())
        {
            await StopAsync(name);
        }
    }
}
