using System.Buffers;
using System.Threading.Channels;
using InterPositive.Formats;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Publishing;
using MQTTnet;
using MQTTnet.Protocol;
using Serilog;

namespace InterPositive.Sync.Post;

/// <summary>How a post receiver subscribes and what it accepts.</summary>
public sealed record PostReceiverOptions
{
    public required BrokerEndpoint Broker { get; init; }

    /// <summary>Persistent-session client id: a receiver that comes back gets what was queued for it.</summary>
    public string ClientId { get; init; } = "interpositive-post";

    public string TopicRoot { get; init; } = SyncIdentity.DefaultRoot;

    /// <summary>Only this production is accepted (and subscribed to); others are rejected as foreign. Null: all.</summary>
    public string? Production { get; init; }

    /// <summary>MQTT 5 shared subscription group: receivers in one group share the load (<c>$share/{group}/…</c>).</summary>
    public string? SharedGroup { get; init; }

    public int MaxPayloadBytes { get; init; } = Envelope.DefaultMaxPayloadBytes;

    /// <summary>Messages per store transaction (the PUBACKs follow the commit).</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>How long the broker keeps the session while the receiver is away.</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromDays(7);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The post-house receiver: subscribes at QoS 1 with a persistent session, checks each message (size, a known contract
/// version, the contract's JSON Schemas for envelope and body, topic, hash, production), stores it idempotently in
/// batches and only then acknowledges it, so a receiver killed mid-batch gets the unacknowledged messages again and the
/// store drops the repeats: every shot exactly once. Refused messages go to the store's quarantine with their reason
/// and payload, are counted, acknowledged and never retried: an invalid message is never stored as a shot.
/// </summary>
public sealed class PostReceiver : IAsyncDisposable, IDisposable
{
    private readonly IPostStore _store;
    private readonly PostReceiverOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<Incoming> _incoming = Channel.CreateBounded<Incoming>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private readonly MqttClientFactory _factory = new();
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213", Justification = "Disposed through DropClient (swapped out atomically), which Dispose calls.")]
    private IMqttClient? _client;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _stored;
    private long _duplicates;
    private long _rejected;

    public PostReceiver(IPostStore store, PostReceiverOptions options, TimeProvider time, ILogger log)
    {
        _store = store;
        _options = options;
        _time = time;
        _log = log.ForContext<PostReceiver>();
    }

    /// <summary>Completes once the first connection holds its subscription.</summary>
    public Task Subscribed => _subscribed.Task;

    /// <summary>Messages stored as new since start.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Raised after each committed batch (for status pages and tests that wait for a count).</summary>
    public event EventHandler? Committed;

    /// <summary>The subscription filter: <c>[$share/group/]{root}/{production|+}/+/+/#</c>.</summary>
    public string Filter => (_options.SharedGroup is { } group ? $"$share/{group}/" : "") + $"{_options.TopicRoot.Trim('/')}/{_options.Production ?? "+"}/+/+/#";

    /// <summary>Receives until cancelled, reconnecting with backoff.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var writer = Task.Run(() => WriteLoopAsync(cancellationToken), CancellationToken.None);
        var backoff = _options.InitialBackoff;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (_client is not { IsConnected: true })
                    {
                        await ConnectAsync(cancellationToken);
                        backoff = _options.InitialBackoff;
                    }

                    // MQTTnet 5 has no managed client: watch the link from here, not from its Disconnected handler.
                    await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception error)
                {
                    _log.Warning("Post receiver link to {Broker} failed ({Error}); retrying in {Backoff}", _options.Broker.ToString(), error.Message, backoff);
                    DropClient();
                    await Task.Delay(backoff, _time, cancellationToken).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                }
            }
        }
        finally
        {
            _incoming.Writer.TryComplete();
            await writer.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            if (_client is { IsConnected: true } client)
            {
                try
                {
                    await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    _log.Debug("Post receiver disconnect was not clean: {Error}", error.Message);
                }
            }

            DropClient();
        }
    }

    /// <summary>The receiver's state, read from the store.</summary>
    public async Task<PostReport> ReportAsync(IReadOnlyList<string> exported, CancellationToken cancellationToken)
    {
        var (shots, cards, messages) = await _store.CountsAsync(cancellationToken);
        return new PostReport(shots, cards, messages, Stored, Duplicates, await _store.RejectsAsync(cancellationToken), await _store.SequencesAsync(cancellationToken), exported);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        DropClient();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        DropClient();
        var client = _factory.CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client = client;
        var options = _options.Broker.CreateOptions(_options.ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithMaximumPacketSize((uint)(_options.MaxPayloadBytes + 64 * 1024))
            .Build();
        var result = await client.ConnectAsync(options, cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new IOException($"broker refused the connection: {result.ResultCode}");
        }

        if (!result.IsSessionPresent)
        {
            var subscribe = _factory.CreateSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(Filter).WithAtLeastOnceQoS())
                .Build();
            var subscribed = await client.SubscribeAsync(subscribe, cancellationToken);
            var code = subscribed.Items.First().ResultCode;
            if (code > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new IOException($"broker refused the subscription to {Filter}: {code}");
            }
        }

        _subscribed.TrySetResult();
        _log.Information("Post receiver connected to {Broker} as {ClientId}, subscribed to {Filter} (session resumed: {Resumed})", _options.Broker.ToString(), _options.ClientId, Filter, result.IsSessionPresent);
    }

    private void DropClient()
    {
        var client = Interlocked.Exchange(ref _client, null);
        if (client is not null)
        {
            client.ApplicationMessageReceivedAsync -= OnMessageAsync;
            client.Dispose();
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // Acknowledge after the store commits, not before: that is what makes a crash lose nothing.
        e.AutoAcknowledge = false;
        var payload = e.ApplicationMessage.Payload;
        var copy = payload.Length > _options.MaxPayloadBytes ? null : payload.ToArray();
        await _incoming.Writer.WriteAsync(new Incoming(e.ApplicationMessage.Topic, copy, payload.Length, e), CancellationToken.None);
    }

    private async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        var batch = new List<Incoming>(_options.BatchSize);
        var accepted = new List<MessageEnvelope>(_options.BatchSize);
        var acceptedFrom = new List<Incoming>(_options.BatchSize);
        var reader = _incoming.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            accepted.Clear();
            acceptedFrom.Clear();
            while (batch.Count < _options.BatchSize && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            var now = _time.GetUtcNow();
            foreach (var item in batch)
            {
                var envelope = await CheckAsync(item, now, cancellationToken);
                if (envelope is not null)
                {
                    accepted.Add(envelope);
                    acceptedFrom.Add(item);
                }
            }

            if (accepted.Count > 0)
            {
                IReadOnlyList<bool> fresh;
                try
                {
                    fresh = await _store.StoreAsync(accepted, now, cancellationToken);
                }
                catch (Exception error) when (!cancellationToken.IsCancellationRequested)
                {
                    // Not acknowledged: the broker redelivers after the reconnect this forces.
                    _log.Error("Post store failed on a batch of {Count}: {Error}; the messages will be redelivered", accepted.Count, error.Message);
                    DropClient();
                    continue;
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                var stored = fresh.Count(f => f);
                Interlocked.Add(ref _stored, stored);
                Interlocked.Add(ref _duplicates, fresh.Count - stored);
                SyncMetrics.Received.Add(stored);
                SyncMetrics.Duplicates.Add(fresh.Count - stored);
            }

            foreach (var item in batch)
            {
                try
                {
                    await item.Event.AcknowledgeAsync(CancellationToken.None);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // The link went away: the broker redelivers, the store drops the repeat.
                    _log.Debug("PUBACK for {Topic} not sent: {Error}", item.Topic, error.Message);
                }
            }

            Committed?.Invoke(this, EventArgs.Empty);
        }
    }

    private async Task<MessageEnvelope?> CheckAsync(Incoming item, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (item.Topic.EndsWith("/status", StringComparison.Ordinal))
        {
            // The retained online/offline record: not an outbox message.
            return null;
        }

        string reason;
        string detail;
        try
        {
            if (item.Payload is null)
            {
                throw new OversizeMessageException($"payload of {item.Length} bytes is over the {_options.MaxPayloadBytes}-byte limit", item.Topic);
            }

            var envelope = Envelope.Read(item.Payload, item.Topic, _options.TopicRoot, _options.MaxPayloadBytes);
            if (_options.Production is { } production && envelope.Production != production)
            {
                reason = RejectReason.Foreign;
                detail = $"{item.Topic}: production {envelope.Production} is not {production}";
            }
            else
            {
                return envelope;
            }
        }
        catch (MalformedInputException error)
        {
            reason = RejectReason.Malformed;
            detail = error.Message;
        }
        catch (IntegrityException error)
        {
            reason = RejectReason.Corrupted;
            detail = error.Message;
        }
        catch (OversizeMessageException error)
        {
            reason = RejectReason.Oversize;
            detail = error.Message;
        }
        catch (ForeignProductionException error)
        {
            reason = RejectReason.Foreign;
            detail = error.Message;
        }
        catch (UnknownVersionException error)
        {
            reason = RejectReason.UnknownVersion;
            detail = error.Message;
        }

        Interlocked.Increment(ref _rejected);
        SyncMetrics.Rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
        _log.Warning("Quarantined message ({Reason}): {Detail}", reason, detail);
        try
        {
            // Kept with its payload and acknowledged: a bad message is set aside, never retried, never blocks the stream.
            var payload = item.Payload is null ? null : System.Text.Encoding.UTF8.GetString(item.Payload);
            await _store.QuarantineAsync(new QuarantinedMessage(reason, item.Topic, detail, now, payload), cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            _log.Error("Could not record a rejected message: {Error}", error.Message);
        }

        return null;
    }

    private sealed record Incoming(string Topic, byte[]? Payload, long Length, MqttApplicationMessageReceivedEventArgs Event);
}
