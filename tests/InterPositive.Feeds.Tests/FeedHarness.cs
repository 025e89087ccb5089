using InterPositive.Feeds;

namespace InterPositive.Feeds.Tests;

/// <summary>Runs a real feed on a source and watches its frames, as the CLI does.</summary>
internal static class FeedHarness
{
    public static async Task<(FeedMonitor Monitor, List<FeedEvent> Events, Feed Feed)> RunAsync(
        IFrameSource source, Func<FeedMonitor, bool>? stopWhen = null, TimeSpan? timeout = null, FeedOptions? options = null, Action<VideoFrame>? inspect = null, Action<FeedEvent>? onEvent = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var feed = new Feed("A", source, TimeProvider.System, options ?? new FeedOptions { AnalysisQueue = 10_000, ReconnectDelay = TimeSpan.FromMilliseconds(50) });
        var events = new List<FeedEvent>();
        var monitor = new FeedMonitor("A", source.Description);
        feed.Event += e =>
        {
            lock (events)
            {
                events.Add(e);
            }

            onEvent?.Invoke(e);
        };
        var run = feed.RunAsync(cts.Token);
        try
        {
            await foreach (var frame in feed.Frames.ReadAllAsync(cts.Token))
            {
                using (frame)
                {
                    monitor.Observe(frame);
                    inspect?.Invoke(frame);
                }

                if (stopWhen?.Invoke(monitor) == true)
                {
                    await cts.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await run;
        lock (events)
        {
            return (monitor, events.ToList(), feed);
        }
    }
}
