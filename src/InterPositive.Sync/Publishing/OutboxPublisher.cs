using System.Diagnostics;
using InterPositive.Catalog;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Contract;
using MQTTnet;
using MQTTnet.Protocol;
using Serilog;

namespace InterPositive.Sync.Publishing;

/// <summary>How a publisher drains the outbox to one sink.</summary>
public sealed record PublisherOptions
{
    public required SyncIdentity Identity { get; init; }

    public required BrokerEndpoint Broker { get; init; }

    /// <summary>The checkpoint name: each sink (the local broker, the post house) advances its own.</summary>
    public string Sink { get; init; } = "post";

    /// <summary>MQTT client id; defaults to <c>interpositive-{production}-{unit}-{appliance}-{sink}</c>.</summary>
    public string? ClientId { get; init; }

    /// <summary>Publishes awaiting PUBACK at once. Many in flight is what makes QoS 1 fast on a real link.</summary>
    public int MaxInFlight { get; init; } = 1000;

    /// <summary>The checkpoint is written once per this many acknowledgements (and whenever the pipe runs empty).</summary>
    public int CheckpointEvery { get; init; } = 2000;

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the backlog is logged while there is one.</summary>
    public TimeSpan BacklogLogInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for new entries before looking again without a signal (another process may write).</summary>
    public TimeSpan IdlePoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Publish the retained online/offline status and set the offline last will.</summary>
    public bool PublishStatus { get; init; } = true;
}

/// <summary>Where a publisher stands: for status pages, logs and <c>sync --json</c>.</summary>
public sealed record PublisherStatus(
    string Sink,
    string Broker,
    bool Connected,
    long Checkpoint,
    long LastSequence,
    int BacklogCount,
    DateTimeOffset? BacklogOldest,
    long Delivered,
    int Reconnects,
    string? LastError);

/// <summary>
/// Drains the catalog's outbox to a broker at QoS 1, in sequence order, with many publishes in flight. The sink's
/// checkpoint advances only over a contiguous run of PUBACKs, so after any failure (broker gone, process killed) the
/// publisher resends from the checkpoint: at-least-once, and receivers drop repeats by messageId and sequence.
/// Nothing is ever dropped by age. MQTTnet 5 has no managed client, so reconnection with backoff is this loop's job.
/// </summary>
public sealed class OutboxPublisher : IAsyncDisposable, IDisposable
{
    private readonly CatalogDatabase _catalog;
    private readonly PublisherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _appended = new(0, 1);
    private readonly MqttClientFactory _factory = new();
    private readonly string _clientId;
    private IMqttClient? _client;
    private long _delivered;
    private long _checkpoint;
    private int _reconnects;
    private string? _lastError;
    private DateTimeOffset _lastBacklogLog;

    public OutboxPublisher(CatalogDatabase catalog, PublisherOptions options, TimeProvider time, ILogger log)
    {
        _catalog = catalog;
        _options = options;
        _time = time;
        _log = log.ForContext<OutboxPublisher>().ForContext(nameof(Sink), options.Sink);
        _clientId = options.ClientId ?? $"interpositive-{options.Identity.Production}-{options.Identity.Unit}-{options.Identity.Appliance}-{options.Sink}";
        _catalog.Outbox.Appended += OnAppended;
        _checkpoint = _catalog.Outbox.Checkpoint(options.Sink);
        SyncMetrics.Register(this);
    }

    public string Sink => _options.Sink;

    /// <summary>Messages acknowledged by the broker since this publisher started.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>The current state, with the backlog read from the catalog.</summary>
    public PublisherStatus Status()
    {
        var backlog = _catalog.Outbox.Backlog(_options.Sink);
        return new PublisherStatus(
            _options.Sink,
            _options.Broker.ToString(),
            _client?.IsConnected ?? false,
            _catalog.Outbox.Checkpoint(_options.Sink),
            _catalog.Outbox.LastSequence(),
            backlog.Count,
            backlog.Oldest,
            Delivered,
            _reconnects,
            _lastError);
    }

    /// <summary>
    /// Publishes until cancelled; with <paramref name="untilEmpty"/>, returns once everything written before and during
    /// the drain is acknowledged. Connection failures are retried with exponential backoff for as long as it takes.
    /// </summary>
    public async Task<long> RunAsync(bool untilEmpty, CancellationToken cancellationToken)
    {
        var backoff = _options.InitialBackoff;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await ConnectAsync(cancellationToken);
                backoff = _options.InitialBackoff;
                if (await PumpAsync(untilEmpty, cancellationToken))
                {
                    await DisconnectAsync(cancellationToken);
                    return Delivered;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await DisconnectAsync(CancellationToken.None);
                throw;
            }
            catch (Exception error)
            {
                _lastError = error.Message;
                SyncMetrics.PublishFailures.Add(1, new KeyValuePair<string, object?>("sink", _options.Sink));
                var backlog = _catalog.Outbox.Backlog(_options.Sink);
                _log.Warning(
                    "Link to {Broker} failed ({Error}); {Backlog} messages waiting, oldest from {Oldest}; retrying in {Backoff}",
                    _options.Broker.ToString(), error.Message, backlog.Count, backlog.Oldest, backoff);
                await DropClientAsync();
                var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Max(1, backoff.TotalMilliseconds / 4)));
                await Task.Delay(backoff + jitter, _time, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        _catalog.Outbox.Appended -= OnAppended;
        SyncMetrics.Unregister(this);
        _client?.Dispose();
        _client = null;
        _appended.Dispose();
    }

    internal (long Count, double OldestAgeSeconds) BacklogForMetrics()
    {
        var backlog = _catalog.Outbox.Backlog(_options.Sink);
        var age = backlog.Oldest is { } oldest ? Math.Max(0, (_time.GetUtcNow() - oldest).TotalSeconds) : 0;
        return (backlog.Count, age);
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true })
        {
            return;
        }

        await DropClientAsync();
        var builder = _options.Broker.CreateOptions(_clientId).WithCleanStart(true);
        if (_options.PublishStatus)
        {
            builder = builder
                .WithWillTopic(_options.Identity.StatusTopic)
                .WithWillPayload(StatusPayload("offline", since: null))
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithWillRetain(true)
                .WithWillContentType("application/json");
        }

        var client = _factory.CreateMqttClient();
        _client = client;
        var result = await client.ConnectAsync(builder.Build(), cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new IOException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        _reconnects++;
        SyncMetrics.Connects.Add(1, new KeyValuePair<string, object?>("sink", _options.Sink));
        _checkpoint = _catalog.Outbox.Checkpoint(_options.Sink);
        var backlog = _catalog.Outbox.Backlog(_options.Sink);
        _log.Information(
            "Connected to {Broker} as {ClientId}; resuming after sequence {Checkpoint} with {Backlog} messages waiting",
            _options.Broker.ToString(), _clientId, _checkpoint, backlog.Count);
        if (_options.PublishStatus)
        {
            var online = new MqttApplicationMessageBuilder()
                .WithTopic(_options.Identity.StatusTopic)
                .WithPayload(StatusPayload("online", _time.GetUtcNow()))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(true)
                .WithContentType("application/json")
                .Build();
            await client.PublishAsync(online, cancellationToken);
        }
    }

    private async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        var client = _client;
        if (client is { IsConnected: true })
        {
            try
            {
                if (_options.PublishStatus)
                {
                    var offline = new MqttApplicationMessageBuilder()
                        .WithTopic(_options.Identity.StatusTopic)
                        .WithPayload(StatusPayload("offline", _time.GetUtcNow()))
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                        .WithRetainFlag(true)
                        .WithContentType("application/json")
                        .Build();
                    await client.PublishAsync(offline, cancellationToken);
                }

                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                _log.Debug("Disconnect from {Broker} was not clean: {Error}", _options.Broker.ToString(), error.Message);
            }
        }

        await DropClientAsync();
    }

    private Task DropClientAsync()
    {
        var client = Interlocked.Exchange(ref _client, null);
        client?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Returns true when drained (only with <paramref name="untilEmpty"/>); throws when the link fails.</summary>
    private async Task<bool> PumpAsync(bool untilEmpty, CancellationToken cancellationToken)
    {
        var client = _client ?? throw new InvalidOperationException("not connected");
        var outbox = _catalog.Outbox;
        var acked = outbox.Checkpoint(_options.Sink);
        var saved = acked;
        var readTo = acked;
        var inFlight = new Queue<(long Sequence, Task<MqttClientPublishResult> Publish)>(_options.MaxInFlight);
        var sinkTag = new KeyValuePair<string, object?>("sink", _options.Sink);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (inFlight.Count <= _options.MaxInFlight / 2)
                {
                    var batch = outbox.ReadAfter(readTo, _options.MaxInFlight - inFlight.Count);
                    var sentAt = _time.GetUtcNow();
                    foreach (var entry in batch)
                    {
                        inFlight.Enqueue((entry.Sequence, client.PublishAsync(ToMessage(entry, sentAt), cancellationToken)));
                        readTo = entry.Sequence;
                    }
                }

                if (inFlight.Count == 0)
                {
                    if (acked > saved)
                    {
                        outbox.Acknowledge(_options.Sink, acked);
                        saved = acked;
                        _checkpoint = acked;
                    }

                    if (untilEmpty)
                    {
                        return true;
                    }

                    await WaitForAppendAsync(cancellationToken);
                    continue;
                }

                var (sequence, publish) = inFlight.Dequeue();
                var result = await publish;
                if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
                {
                    throw new IOException($"broker refused sequence {sequence}: {result.ReasonCode} {result.ReasonString}");
                }

                acked = sequence;
                Interlocked.Increment(ref _delivered);
                SyncMetrics.Published.Add(1, sinkTag);
                if (acked - saved >= _options.CheckpointEvery)
                {
                    outbox.Acknowledge(_options.Sink, acked);
                    saved = acked;
                    _checkpoint = acked;
                }

                LogBacklogNow(acked);
            }
        }
        finally
        {
            // Whatever was acknowledged in order is delivered, even if the link died behind it.
            if (acked > saved)
            {
                outbox.Acknowledge(_options.Sink, acked);
                _checkpoint = acked;
            }

            foreach (var (_, publish) in inFlight)
            {
                _ = publish.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }

    private void LogBacklogNow(long acked)
    {
        var now = _time.GetUtcNow();
        if (now - _lastBacklogLog < _options.BacklogLogInterval)
        {
            return;
        }

        _lastBacklogLog = now;
        var backlog = _catalog.Outbox.Backlog(_options.Sink);
        _log.Information("Draining to {Broker}: delivered through {Sequence}, {Backlog} waiting, oldest from {Oldest}", _options.Broker.ToString(), acked, backlog.Count, backlog.Oldest);
    }

    private async Task WaitForAppendAsync(CancellationToken cancellationToken)
    {
        using var poll = new CancellationTokenSource(_options.IdlePoll, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, poll.Token);
        try
        {
            await _appended.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The idle poll: look again even without a signal.
        }
    }

    private void OnAppended(object? sender, EventArgs e)
    {
        try
        {
            _appended.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private MqttApplicationMessage ToMessage(OutboxEntry entry, DateTimeOffset sentAt) => new MqttApplicationMessageBuilder()
        .WithTopic(_options.Identity.Topic(entry.Kind, entry.Key))
        .WithPayload(Envelope.ToBytes(_options.Identity, entry, sentAt))
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithRetainFlag(entry.Retained)
        .WithContentType("application/json")
        .Build();

    private byte[] StatusPayload(string state, DateTimeOffset? since)
    {
        var identity = _options.Identity;
        var status = new ApplianceStatus(Envelope.SchemaVersion, identity.Production, identity.Unit, identity.Appliance, state, since);
        return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(status, SyncJsonContext.Default.ApplianceStatus);
    }
}
