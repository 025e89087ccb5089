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

/// <summary>Where a source delivers frames and reports events.</summary>
public interface IFrameSink
{
    /// <summary>
    /// Takes ownership of <paramref name="frame"/>. For live sources this completes at once, always: capture never
    /// waits, the oldest frame waiting for analysis is dropped instead. Non-live sources (a file, a pipe) are held
    /// back until analysis takes the frame, so every frame of a recording is seen.
    /// </summary>
    ValueTask OnFrameAsync(VideoFrame frame, CancellationToken cancellationToken);

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
