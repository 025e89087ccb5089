using System.Threading.Channels;

namespace InterPositive.Feeds;

/// <summary>The state of a feed as the dashboard shows it.</summary>
public enum FeedState
{
    Starting,
    Live,
    Stopped,
    Reconnecting,
    Ended,
    Failed,
}

/// <summary>Options for one feed.</summary>
public sealed record FeedOptions
{
    /// <summary>Frames held for analysis; the oldest is dropped (and disposed) when analysis falls behind.</summary>
    public int AnalysisQueue { get; init; } = 4;

    /// <summary>No frame for this long: the feed is reported stopped.</summary>
    public TimeSpan StallAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>First and longest wait before reconnecting a live source.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>A snapshot of a feed's health.</summary>
public sealed record FeedStatus(
    string Name,
    string Source,
    FeedState State,
    string? Format,
    long FramesCaptured,
    long FramesDroppedForAnalysis,
    int Reconnects,
    string? LastError,
    DateTimeOffset? LastFrame);

/// <summary>
/// A named live feed (A, B, C camera): runs its source, reconnecting live sources after they end or fail,
/// decodes ancillary data, watches for stalls and format changes, and hands frames to analysis through a bounded
/// channel that drops the oldest frame (disposing it) rather than ever blocking capture.
/// </summary>
public sealed class Feed : IFrameSink
{
    private readonly IFrameSource _source;
    private readonly TimeProvider _time;
    private readonly FeedOptions _options;
    private readonly Channel<VideoFrame> _frames;
    private readonly AncillaryDecoder _anc;
    private readonly Lock _gate = new();
    private FeedState _state = FeedState.Starting;
    private VideoFormat? _format;
    private long _captured;
    private long _droppedForAnalysis;
    private int _reconnects;
    private string? _lastError;
    private long _lastFrameTicks = -1;
    private bool _stalled;

    public Feed(string name, IFrameSource source, TimeProvider time, FeedOptions? options = null)
    {
        Name = name;
        _source = source;
        _time = time;
        _options = options ?? new FeedOptions();
        _anc = new AncillaryDecoder(name);
        _frames = Channel.CreateBounded<VideoFrame>(
            new BoundedChannelOptions(_options.AnalysisQueue)
            {
                FullMode = source.IsLive ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = true,
            },
            dropped =>
            {
                Interlocked.Increment(ref _droppedForAnalysis);
                dropped.Dispose();
            });
    }

    public string Name { get; }

    /// <summary>Frames for analysis; the reader owns (and disposes) every frame it takes.</summary>
    public ChannelReader<VideoFrame> Frames => _frames.Reader;

    /// <summary>Raised on the capture thread: keep handlers short.</summary>
    public event Action<FeedEvent>? Event;

    /// <summary>ANC errors counted so far (parity, checksum, truncated).</summary>
    public Formats.Sdi.AncErrorCounts AncErrors => _anc.Errors;

    public FeedStatus Status
    {
        get
        {
            lock (_gate)
            {
                var last = Interlocked.Read(ref _lastFrameTicks);
                return new FeedStatus(
                    Name,
                    _source.Description,
                    _state,
                    _format?.ToString(),
                    Interlocked.Read(ref _captured),
                    Interlocked.Read(ref _droppedForAnalysis),
                    _reconnects,
                    _lastError,
                    last < 0 ? null : new DateTimeOffset(last, TimeSpan.Zero));
            }
        }
    }

    /// <summary>Runs until cancelled, or until a non-live source ends; completes <see cref="Frames"/> either way.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Sources may deliver synchronously for a long time (a file, the pattern unpaced): never on the caller's thread.
        await Task.Yield();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watchdog = WatchAsync(stop.Token);
        var delay = _options.ReconnectDelay;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var before = Interlocked.Read(ref _captured);
                try
                {
                    await _source.RunAsync(this, cancellationToken);
                    if (!_source.IsLive)
                    {
                        SetState(FeedState.Ended);
                        Raise(FeedEventKind.Ended, "source ended");
                        return;
                    }

                    Raise(FeedEventKind.Stopped, "source ended; reconnecting");
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception error) when (_source.IsLive)
                {
                    lock (_gate)
                    {
                        _lastError = error.Message;
                    }

                    Raise(FeedEventKind.Error, error.Message);
                }
                catch (Exception error)
                {
                    lock (_gate)
                    {
                        _lastError = error.Message;
                        _state = FeedState.Failed;
                    }

                    Raise(FeedEventKind.Error, error.Message);
                    throw;
                }

                // A session that delivered frames starts the back-off again; one that did not doubles it.
                delay = Interlocked.Read(ref _captured) > before ? _options.ReconnectDelay : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
                SetState(FeedState.Reconnecting);
                lock (_gate)
                {
                    _reconnects++;
                }

                Raise(FeedEventKind.Reconnecting, FormattableString.Invariant($"reconnecting in {delay.TotalSeconds:0.#} s"));
                await Task.Delay(delay, _time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await watchdog;
            }
            catch (OperationCanceledException)
            {
            }

            _frames.Writer.TryComplete();
        }
    }

    async ValueTask IFrameSink.OnFrameAsync(VideoFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            _anc.Decode(frame);
        }
        catch
        {
            frame.Dispose();
            throw;
        }

        VideoFormat? previous;
        lock (_gate)
        {
            previous = _format;
            _format = frame.Format;
            _state = FeedState.Live;
        }

        if (previous is not null && (!previous.SameGeometry(frame.Format) || previous.Rate != frame.Format.Rate))
        {
            Raise(FeedEventKind.FormatChanged, FormattableString.Invariant($"{previous} -> {frame.Format}"));
        }

        frame.FeedIndex = Interlocked.Increment(ref _captured);
        Interlocked.Exchange(ref _lastFrameTicks, frame.CaptureTime.UtcTicks);
        if (_stalled)
        {
            _stalled = false;
            Raise(FeedEventKind.Resumed, "frames flowing again");
        }

        if (_source.IsLive)
        {
            if (!_frames.Writer.TryWrite(frame))
            {
                // Completed (shutting down): nobody will read it.
                frame.Dispose();
            }

            return;
        }

        try
        {
            await _frames.Writer.WriteAsync(frame, cancellationToken);
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    void IFrameSink.OnEvent(FeedEventKind kind, string message)
    {
        if (kind == FeedEventKind.FormatChanged)
        {
            lock (_gate)
            {
                _format = null;
            }
        }

        Raise(kind, message);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromTicks(Math.Max(_options.StallAfter.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks));
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(period, _time, cancellationToken);
            var last = Interlocked.Read(ref _lastFrameTicks);
            if (last >= 0 && !_stalled && _time.GetUtcNow().UtcTicks - last > _options.StallAfter.Ticks)
            {
                lock (_gate)
                {
                    // Only a live feed can stall; an ended or reconnecting one says so already.
                    if (_state != FeedState.Live)
                    {
                        continue;
                    }

                    _state = FeedState.Stopped;
                }

                _stalled = true;
                Raise(FeedEventKind.Stopped, FormattableString.Invariant($"no frame for {_options.StallAfter.TotalSeconds:0.#} s"));
            }
        }
    }

    private void SetState(FeedState state)
    {
        lock (_gate)
        {
            _state = state;
        }
    }

    private void Raise(FeedEventKind kind, string message) =>
        Event?.Invoke(new FeedEvent(Name, kind, message, _time.GetUtcNow()));
}
