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

namespace InterPositive.Sync.Tests;

/// <summary>Faults on the way to post, through a real Mosquitto. Each ends with the post store holding exactly the expected messages.</summary>
[Trait("Category", "Integration")]
public sealed class MosquittoFaultTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_broker_stopped_and_restarted_during_a_10000_message_drain_loses_and_duplicates_nothing()
    {
        using var folder = new TempFolder();
        await using var broker = await MosquittoBroker.StartPrivateAsync();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        SyncFixtures.AddCard(catalog, "A001R1AB", clips: 10);
        SyncFixtures.AddEvents(catalog, 10_000 - 11);
        await using var store = LiteDbPostStore.Open(folder.Combine("post.db"));
        using var stop = new CancellationTokenSource();
        await using var receiver = new PostReceiver(store, ReceiverOptions(broker.Url), TimeProvider.System, SyncFixtures.Log);
        var receiving = receiver.RunAsync(stop.Token);
        await receiver.Subscribed.WaitAsync(Bound);

        await using var publisher = new OutboxPublisher(catalog, PublisherOptions(broker.Url), TimeProvider.System, SyncFixtures.Log);
        var draining = publisher.RunAsync(untilEmpty: true, CancellationToken.None);
        await SyncFixtures.WaitUntilAsync(() => Task.FromResult(publisher.Delivered >= 2000 || draining.IsCompleted), Bound, () => Task.FromResult("drain did not start"));
        await broker.StopAsync();
        await Task.Delay(500);
        await broker.StartAsync();
        await draining.WaitAsync(Bound);

        await ExpectExactlyAsync(store, messages: 10_000, shots: 10, broker);
        await stop.CancelAsync();
        await receiving;
    }

    [Fact]
    public async Task The_uplink_cut_for_a_while_mid_drain_loses_and_duplicates_nothing()
    {
        using var folder = new TempFolder();
        await using var broker = await MosquittoBroker.StartPrivateAsync();
        await using var link = new CuttableLink(broker.Port);
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        SyncFixtures.AddCard(catalog, "A002R1AB", clips: 5);
        SyncFixtures.AddEvents(catalog, 5000);
        await using var store = LiteDbPostStore.Open(folder.Combine("post.db"));
        using var stop = new CancellationTokenSource();
        await using var receiver = new PostReceiver(store, ReceiverOptions(broker.Url), TimeProvider.System, SyncFixtures.Log);
        var receiving = receiver.RunAsync(stop.Token);
        await receiver.Subscribed.WaitAsync(Bound);

        await using var publisher = new OutboxPublisher(catalog, PublisherOptions(link.Url) with { MaxBackoff = TimeSpan.FromMilliseconds(500) }, TimeProvider.System, SyncFixtures.Log);
        var draining = publisher.RunAsync(untilEmpty: true, CancellationToken.None);
        await SyncFixtures.WaitUntilAsync(() => Task.FromResult(publisher.Delivered >= 1000 || draining.IsCompleted), Bound, () => Task.FromResult("drain did not start"));
        link.Cut();
        await Task.Delay(1500);
        Assert.False(draining.IsCompleted, "the drain finished before the cut: nothing was tested");
        Assert.True(publisher.Status().BacklogCount > 0);
        link.Restore();
        await draining.WaitAsync(Bound);

        Assert.True(link.Dropped > 0);
        await ExpectExactlyAsync(store, messages: 5006, shots: 5, broker);
        await stop.CancelAsync();
        await receiving;
    }

    [Fact]
    public async Task Injected_duplicates_corrupted_malformed_oversize_and_foreign_messages_are_dropped_or_rejected_and_counted()
    {
        using var folder = new TempFolder();
        await using var broker = await MosquittoBroker.StartPrivateAsync();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        SyncFixtures.AddCard(catalog, "A003R1AB", clips: 4);
        await using var store = LiteDbPostStore.Open(folder.Combine("post.db"));
        using var stop = new CancellationTokenSource();
        await using var receiver = new PostReceiver(store, ReceiverOptions(broker.Url) with { Production = "feature", MaxPayloadBytes = 64 * 1024 }, TimeProvider.System, SyncFixtures.Log);
        var receiving = receiver.RunAsync(stop.Token);
        await receiver.Subscribed.WaitAsync(Bound);

        await using (var publisher = new OutboxPublisher(catalog, PublisherOptions(broker.Url), TimeProvider.System, SyncFixtures.Log))
        {
            await publisher.RunAsync(untilEmpty: true, CancellationToken.None).WaitAsync(Bound);
        }

        // An injector replays real messages and sends bad ones on the same topics.
        var entries = catalog.Outbox.ReadAfter(0, 100);
        var identity = SyncFixtures.Identity;
        var factory = new MqttClientFactory();
        using var injector = factory.CreateMqttClient();
        await injector.ConnectAsync(BrokerEndpoint.Parse(broker.Url).CreateOptions("injector").Build());
        foreach (var entry in entries)
        {
            await injector.PublishAsync(Message(identity.Topic(entry.Kind, entry.Key), Envelope.ToBytes(identity, entry, DateTimeOffset.UnixEpoch)));
        }

        var shot = entries[1];
        var corrupted = Encoding.UTF8.GetString(Envelope.ToBytes(identity, shot, DateTimeOffset.UnixEpoch)).Replace("verified", "failed!!", StringComparison.Ordinal);
        await injector.PublishAsync(Message(identity.Topic(shot.Kind, shot.Key), Encoding.UTF8.GetBytes(corrupted)));
        await injector.PublishAsync(Message(identity.Topic("events", "offload-finished"), Encoding.UTF8.GetBytes("{not json")));
        await injector.PublishAsync(Message(identity.Topic("events", "offload-finished"), new byte[100 * 1024]));
        var foreign = new SyncIdentity("commercial", "main", "cart-z");
        var foreignEntry = new OutboxEntry { Sequence = 1, MessageId = Guid.CreateVersion7().ToString("D"), Kind = "events", Key = "offload-finished", Body = "{}", CreatedAt = DateTimeOffset.UnixEpoch };
        // Another production's message smuggled onto this production's topic.
        await injector.PublishAsync(Message(identity.Topic("events", "offload-finished"), Envelope.ToBytes(foreign, foreignEntry, DateTimeOffset.UnixEpoch)));
        // The same sequence again under a new message id: still a repeat of (appliance, sequence).
        var reused = new OutboxEntry { Sequence = 2, MessageId = Guid.CreateVersion7().ToString("D"), Kind = shot.Kind, Key = shot.Key, Body = shot.Body, Retained = true, CreatedAt = shot.CreatedAt };
        await injector.PublishAsync(Message(identity.Topic(shot.Kind, shot.Key), Envelope.ToBytes(identity, reused, DateTimeOffset.UnixEpoch)));

        await SyncFixtures.WaitUntilAsync(
            () => Task.FromResult(receiver.Duplicates >= entries.Count + 1 && receiver.Rejected >= 4),
            Bound,
            () => Task.FromResult($"duplicates {receiver.Duplicates}, rejected {receiver.Rejected}"));
        await ExpectExactlyAsync(store, messages: 5, shots: 4, broker);
        var rejects = (await store.RejectsAsync(CancellationToken.None)).ToDictionary(r => r.Reason, r => r.Count);
        Assert.Equal(1, rejects[RejectReason.Corrupted]);
        Assert.Equal(1, rejects[RejectReason.Malformed]);
        Assert.Equal(1, rejects[RejectReason.Oversize]);
        Assert.Equal(1, rejects[RejectReason.Foreign]);
        var stored = (await store.ShotsAsync(CancellationToken.None)).Single(s => s.ClipId == shot.Key);
        Assert.Equal(shot.MessageId, stored.MessageId);
        await stop.CancelAsync();
        await receiving;
    }

    internal static PostReceiverOptions ReceiverOptions(string url) => new()
    {
        Broker = BrokerEndpoint.Parse(url),
        ClientId = "post-" + Guid.NewGuid().ToString("N")[..8],
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromMilliseconds(500),
    };

    internal static PublisherOptions PublisherOptions(string url) => new()
    {
        Identity = SyncFixtures.Identity,
        Broker = BrokerEndpoint.Parse(url),
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(1),
    };

    internal static async Task ExpectExactlyAsync(IPostStore store, long messages, long shots, MosquittoBroker broker)
    {
        await SyncFixtures.WaitUntilAsync(
            async () => (await store.CountsAsync(CancellationToken.None)).Messages >= messages,
            Bound,
            async () => $"post store holds {(await store.CountsAsync(CancellationToken.None)).Messages} of {messages} messages; broker log: {broker.Log()}");
        var counts = await store.CountsAsync(CancellationToken.None);
        Assert.Equal(messages, counts.Messages);
        Assert.Equal(shots, counts.Shots);
        var appliance = Assert.Single(await store.SequencesAsync(CancellationToken.None));
        Assert.Equal((messages, messages, 0L), (appliance.Received, appliance.Highest, appliance.Missing));
        Assert.Empty(appliance.Gaps);
    }

    private static MqttApplicationMessage Message(string topic, byte[] payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(payload)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();
}
