namespace InterPositive.Feeds;

/// <summary>What happened to a feed, for the log and the dashboard.</summary>
public enum FeedEventKind
{
    Connected,
    Stopped,
    Resumed,
    Reconnecting,
    FormatChanged,
    Ended,
    Error,
    Malformed,
}

/// <summary>One thing that happened to a feed (the source, the connection or the signal).</summary>
public sealed record FeedEvent(string Feed, FeedEventKind Kind, string Message, DateTimeOffset Time);

/// <summary>Where a source delivers frames and reports events. Must never block: capture cannot wait.</summary>
public interface IFrameSink
{
    /// <summary>Takes ownership of <paramref name="frame"/>.</summary>
    void OnFrame(VideoFrame frame);

    void OnEvent(FeedEventKind kind, string message);
}

/// <summary>
/// A frame source. <see cref="RunAsync"/> is one session (one connection, one file read, one child process): it
/// delivers frames until the stream ends (returns) or fails (throws). Live sources are run again by <see cref="Feed"/>.
/// </summary>
public interface IFrameSource
{
    /// <summary>The source as the user wrote it (for logs and reports).</summary>
    string Description { get; }

    /// <summary>True when the source should be reconnected after it ends or fails (TCP, ST 2110, ffmpeg on a live input, pattern).</summary>
    bool IsLive { get; }

    Task RunAsync(IFrameSink sink, CancellationToken cancellationToken);
}
