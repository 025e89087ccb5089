using System.Diagnostics;
using System.Globalization;
using System.Text;
using InterPositive.Catalog;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Post;
using InterPositive.Sync.Publishing;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
using MQTTnet;
using MQTTnet.Protocol;
using Serilog;

namespace InterPositive.Benchmarks;

/// <summary>
/// <c>sync [embedded|mosquitto] [drainCount] [backlogCount]</c>: outbox drain rate to a local broker against a plain
/// MQTTnet publish loop (same payloads, same QoS 1 window) in the same run; catch-up of a large backlog; end-to-end
/// latency from a catalog write to the post store's commit, against plain publish-to-receive latency.
/// </summary>
public sealed class SyncBenchmark : IEndToEndBenchmark
{
    private static readonly SyncIdentity Identity = new("bench", "main", "cart-a");
    private static readonly ILogger Log = new LoggerConfiguration().CreateLogger();
    private static readonly BrokerAccount BenchAccount = new("cart-a", "bench", [Identity.Production]) { PublishAs = Identity.ApplianceKey, MaxPublishesPerSecond = 0 };

    public string Name => "sync";

    public string Description => "Outbox drain rate, 100k backlog catch-up and write-to-post-commit latency vs a plain MQTTnet publish loop";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var useMosquitto = args.Contains("mosquitto", StringComparer.OrdinalIgnoreCase);
        var numbers = args.Where(a => int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out _)).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        var drainCount = numbers.Length > 0 ? numbers[0] : 20_000;
        var backlogCount = numbers.Length > 1 ? numbers[1] : 100_000;
        var body = ShotLikeBody();
        if (args.Contains("fill", StringComparer.Ordinal))
        {
            // Where enqueue time goes: the appends themselves, and the commit (LiteDB log write and checkpoint).
            using var fillFolder = new TempFolder("bench-fill");
            using var catalog = CatalogDatabase.Open(fillFolder.Combine("fill.db"), TimeProvider.System);
            foreach (var size in new[] { 1000, 10_000 })
            {
                var appends = TimeSpan.Zero;
                var clock = Stopwatch.StartNew();
                catalog.Write(tx =>
                {
                    var start = Stopwatch.GetTimestamp();
                    for (var i = 0; i < size; i++)
                    {
                        tx.Enqueue(new OutboxMessage("shots", "A001R1AB/A001C001_261125_R1AB", body, Retained: true));
                    }

                    appends = Stopwatch.GetElapsedTime(start);
                });
                Console.WriteLine($"enqueue {size:N0} shots in one transaction: {appends.TotalMicroseconds / size:F1} us per append, {(clock.Elapsed - appends).TotalMilliseconds:F0} ms commit, {size / clock.Elapsed.TotalSeconds:N0} msg/s overall");
            }

            return 0;
        }

        Console.WriteLine($"sync benchmark: broker {(useMosquitto ? "mosquitto (separate process)" : "embedded MQTTnet (in process)")}, body {body.Length} bytes, {Environment.ProcessorCount} cores");

        await using var mosquitto = useMosquitto ? await MosquittoBroker.StartPrivateAsync() : null;
        var port = mosquitto?.Port ?? LoopbackPort.Free();
        await using var embedded = useMosquitto ? null : new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, Accounts = [BenchAccount] }, Log);
        if (embedded is not null)
        {
            await embedded.StartAsync();
        }

        // The embedded broker lets only an appliance's own account publish; Mosquitto's private test broker is open.
        var endpoint = useMosquitto ? BrokerEndpoint.Parse($"mqtt://127.0.0.1:{port}") : BrokerEndpoint.Parse($"mqtt://127.0.0.1:{port}", BenchAccount.Username, BenchAccount.Password);
        using var folder = new TempFolder("bench-sync");

        // Warm-up of both paths (JIT, connections).
        await PlainPublishAsync(endpoint, body, 2000, cancellationToken);
        using (var warm = CatalogDatabase.Open(folder.Combine("warm.db"), TimeProvider.System))
        {
            Fill(warm, body, 2000);
            await DrainAsync(warm, endpoint, "warm", cancellationToken);
        }

        // 1. Drain rate vs plain publish loop.
        var plain = await PlainPublishAsync(endpoint, body, drainCount, cancellationToken);
        double drainRate;
        using (var catalog = CatalogDatabase.Open(folder.Combine("drain.db"), TimeProvider.System))
        {
            Fill(catalog, body, drainCount);
            var elapsed = await DrainAsync(catalog, endpoint, "drain", cancellationToken);
            drainRate = drainCount / elapsed.TotalSeconds;
        }

        var plainRate = drainCount / plain.TotalSeconds;
        Console.WriteLine($"drain {drainCount:N0} msgs: outbox {drainRate:N0} msg/s, plain MQTTnet loop {plainRate:N0} msg/s, ratio outbox/plain {drainRate / plainRate:F2} (target >= 20,000 msg/s)");

        // 2. Catch-up of a backlog.
        using (var catalog = CatalogDatabase.Open(folder.Combine("backlog.db"), TimeProvider.System))
        {
            var fill = Stopwatch.StartNew();
            Fill(catalog, body, backlogCount);
            fill.Stop();
            var elapsed = await DrainAsync(catalog, endpoint, "catchup", cancellationToken);
            var plainBacklog = await PlainPublishAsync(endpoint, body, backlogCount, cancellationToken);
            Console.WriteLine($"catch-up of {backlogCount:N0}: {elapsed.TotalSeconds:F2} s ({backlogCount / elapsed.TotalSeconds:N0} msg/s; target <= 10 s); plain loop {plainBacklog.TotalSeconds:F2} s, ratio {elapsed.TotalSeconds / plainBacklog.TotalSeconds:F2}; enqueue took {fill.Elapsed.TotalSeconds:F2} s");
        }

        // 3. Latency: catalog write -> outbox -> broker -> post receiver -> store commit.
        var (outbox, baseline) = await LatencyAsync(endpoint, folder, body, 1000, cancellationToken);
        Console.WriteLine($"latency write->post commit (n={outbox.Length}): p50 {P(outbox, 50):F1} ms, p95 {P(outbox, 95):F1} ms, p99 {P(outbox, 99):F1} ms (target p99 <= 50 ms)");
        Console.WriteLine($"latency plain publish->receive (n={baseline.Length}): p50 {P(baseline, 50):F1} ms, p95 {P(baseline, 95):F1} ms, p99 {P(baseline, 99):F1} ms; p99 ratio {P(outbox, 99) / Math.Max(0.001, P(baseline, 99)):F1}");
        return 0;
    }

    internal static string ShotLikeBody()
    {
        // A shot record of typical size: clip record, card state, lighting, look, previews.
        var clip = new StringBuilder("""{"clipId":"A001R1AB/A001C001_261125_R1AB","cardId":"A001R1AB","path":"A001C001_261125_R1AB.mxf","reel":"A001","scene":"12A","take":"3","camera":"A","clip":{"path":"A001C001_261125_R1AB.mxf","clip":"A001C001_261125_R1AB","codec":"ARRIRAW","width":4448,"height":3096,"fps":23.976,"timecode":{"start":"01:00:00:00","rate":"23.976","dropFrame":false},"durationFrames":240,"lens":{"model":"Signature Prime 47mm","tStop":2.8},"exposureIndex":800,"whiteBalanceK":5600,"shutterAngle":172.8}""");
        clip.Append(""","offload":{"cardId":"A001R1AB","name":"A001R1AB","cameraFamily":"arri","status":"verified","safeToFormat":true,"fileCount":12,"totalBytes":123456789012,"destinations":[{"path":"/raid/A001R1AB","status":"verified","filesVerified":12,"bytesVerified":123456789012,"mhlManifest":"ascmhl/0001_A001R1AB.mhl","error":null}],"updatedAt":"2026-11-25T09:00:00+00:00"}""");
        clip.Append(""","lighting":{"exposure":{"averageStops":0.3},"light":{"cct":5600,"duv":0.002},"contrast":{"keyFillStops":1.5},"flicker":{"detected":false}},"look":{"cdl":{"id":"look1","slope":[1.1,1.0,0.9],"offset":[0.01,0.0,-0.01],"power":[1.0,1.0,1.0],"saturation":0.9}},"previews":[{"preset":"key","poster":"previews/relight/A001C001_key.jpg"}],"alerts":[],"updatedAt":"2026-11-25T09:00:00+00:00"}""");
        return clip.ToString();
    }

    private static void Fill(CatalogDatabase catalog, string body, int count, int perTransaction = 10_000)
    {
        for (var done = 0; done < count;)
        {
            var n = Math.Min(perTransaction, count - done);
            catalog.Write(tx =>
            {
                for (var i = 0; i < n; i++)
                {
                    tx.Enqueue(new OutboxMessage("shots", "A001R1AB/A001C001_261125_R1AB", body, Retained: false));
                }
            });
            done += n;
        }
    }

    private static async Task<TimeSpan> DrainAsync(CatalogDatabase catalog, BrokerEndpoint endpoint, string sink, CancellationToken cancellationToken)
    {
        await using var publisher = new OutboxPublisher(catalog, new PublisherOptions { Identity = Identity, Broker = endpoint, Sink = sink, PublishStatus = false }, TimeProvider.System, Log);
        var clock = Stopwatch.StartNew();
        await publisher.RunAsync(untilEmpty: true, cancellationToken);
        return clock.Elapsed;
    }

    /// <summary>The baseline: the same envelopes published from memory with the same QoS 1 window, no outbox.</summary>
    private static async Task<TimeSpan> PlainPublishAsync(BrokerEndpoint endpoint, string body, int count, CancellationToken cancellationToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(endpoint.CreateOptions("bench-plain").Build(), cancellationToken);
        var entry = new OutboxEntry { Sequence = 1, MessageId = Guid.CreateVersion7().ToString("D"), Kind = "shots", Key = "A001", Body = body, CreatedAt = DateTimeOffset.UnixEpoch };
        var payload = Envelope.ToBytes(Identity, entry, DateTimeOffset.UnixEpoch);
        var topic = Identity.Topic("shots", "A001");
        var window = new Queue<Task<MqttClientPublishResult>>(1000);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            if (window.Count >= 1000)
            {
                await window.Dequeue();
            }

            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            window.Enqueue(client.PublishAsync(message, cancellationToken));
        }

        while (window.Count > 0)
        {
            await window.Dequeue();
        }

        clock.Stop();
        await client.DisconnectAsync(cancellationToken: cancellationToken);
        return clock.Elapsed;
    }

    private static async Task<(double[] Outbox, double[] Plain)> LatencyAsync(BrokerEndpoint endpoint, TempFolder folder, string body, int samples, CancellationToken cancellationToken)
    {
        var written = new Dictionary<long, long>();
        var committed = new Dictionary<long, long>();
        await using var inner = LiteDbPostStore.Open(folder.Combine("latency-post.db"));
        await using var store = new TimingStore(inner, committed);
        using var catalog = CatalogDatabase.Open(folder.Combine("latency.db"), TimeProvider.System);
        using var stop = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancellationToken);
        await using var receiver = new PostReceiver(store, new PostReceiverOptions { Broker = endpoint, ClientId = "bench-post", BatchSize = 200 }, TimeProvider.System, Log);
        var receiving = receiver.RunAsync(linked.Token);
        await receiver.Subscribed.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        await using var publisher = new OutboxPublisher(catalog, new PublisherOptions { Identity = Identity, Broker = endpoint, Sink = "latency", PublishStatus = false }, TimeProvider.System, Log);
        var publishing = publisher.RunAsync(untilEmpty: false, linked.Token);

        // State changes at a steady 200 per second, as a busy set might produce in a burst.
        for (var i = 0; i < samples; i++)
        {
            var entry = catalog.Write(tx => tx.Enqueue(new OutboxMessage("shots", "A001R1AB/C" + i.ToString(CultureInfo.InvariantCulture), body, Retained: true)));
            lock (written)
            {
                written[entry.Sequence] = Stopwatch.GetTimestamp();
            }

            await Task.Delay(5, cancellationToken);
        }

        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
        while (Count(committed) < samples && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20, cancellationToken);
        }

        await stop.CancelAsync();
        try
        {
            await publishing;
        }
        catch (OperationCanceledException)
        {
        }

        await receiving;
        double[] outbox;
        lock (committed)
        {
            outbox = written.Where(w => committed.ContainsKey(w.Key)).Select(w => Stopwatch.GetElapsedTime(w.Value, committed[w.Key]).TotalMilliseconds).Order().ToArray();
        }

        return (outbox, await PlainLatencyAsync(endpoint, body, samples, cancellationToken));
    }

    private static int Count(Dictionary<long, long> committed)
    {
        lock (committed)
        {
            return committed.Count;
        }
    }

    private static async Task<double[]> PlainLatencyAsync(BrokerEndpoint endpoint, string body, int samples, CancellationToken cancellationToken)
    {
        var factory = new MqttClientFactory();
        using var subscriber = factory.CreateMqttClient();
        using var publisher = factory.CreateMqttClient();
        var received = new double[samples];
        var sent = new long[samples];
        var count = 0;
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            var index = BitConverter.ToInt32(e.ApplicationMessage.Payload.FirstSpan[..4]);
            received[index] = Stopwatch.GetElapsedTime(sent[index]).TotalMilliseconds;
            Interlocked.Increment(ref count);
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(endpoint.CreateOptions("bench-plain-sub").Build(), cancellationToken);
        await subscriber.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter("bench/plain", MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
        await publisher.ConnectAsync(endpoint.CreateOptions("bench-plain-pub").Build(), cancellationToken);
        var payload = new byte[4 + Encoding.UTF8.GetByteCount(body)];
        Encoding.UTF8.GetBytes(body, payload.AsSpan(4));
        for (var i = 0; i < samples; i++)
        {
            var copy = (byte[])payload.Clone();
            BitConverter.TryWriteBytes(copy, i);
            sent[i] = Stopwatch.GetTimestamp();
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("bench/plain").WithPayload(copy).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
            await Task.Delay(5, cancellationToken);
        }

        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        while (Volatile.Read(ref count) < samples && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20, cancellationToken);
        }

        return received.Where(r => r > 0).Order().ToArray();
    }

    private static double P(double[] sorted, double percentile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1)];

    /// <summary>Records when each message's batch committed.</summary>
    private sealed class TimingStore(IPostStore inner, Dictionary<long, long> committed) : IPostStore
    {
        public async Task<IReadOnlyList<bool>> StoreAsync(IReadOnlyList<MessageEnvelope> batch, DateTimeOffset receivedAt, CancellationToken cancellationToken)
        {
            var result = await inner.StoreAsync(batch, receivedAt, cancellationToken);
            var now = Stopwatch.GetTimestamp();
            lock (committed)
            {
                foreach (var envelope in batch)
                {
                    committed.TryAdd(envelope.Sequence, now);
                }
            }

            return result;
        }

        public Task QuarantineAsync(QuarantinedMessage message, CancellationToken cancellationToken) => inner.QuarantineAsync(message, cancellationToken);

        public Task<IReadOnlyList<QuarantinedMessage>> QuarantinedAsync(int limit, CancellationToken cancellationToken) => inner.QuarantinedAsync(limit, cancellationToken);

        public Task<IReadOnlyList<PostShot>> ShotsAsync(CancellationToken cancellationToken) => inner.ShotsAsync(cancellationToken);

        public Task<IReadOnlyList<ApplianceSequences>> SequencesAsync(CancellationToken cancellationToken) => inner.SequencesAsync(cancellationToken);

        public Task<IReadOnlyList<RejectCount>> RejectsAsync(CancellationToken cancellationToken) => inner.RejectsAsync(cancellationToken);

        public Task<(long Shots, long Cards, long Messages)> CountsAsync(CancellationToken cancellationToken) => inner.CountsAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
