using System.Text;
using InterPositive.Catalog;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Post;
using InterPositive.Sync.Publishing;
using InterPositive.Testing;
using MQTTnet;
using MQTTnet.Protocol;

namespace InterPositive.Sync.Tests;

[Trait("Category", "Integration")]
public sealed class EmbeddedBrokerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_offloaded_card_reaches_the_post_store_complete_and_once()
    {
        using var folder = new TempFolder();
        await using var broker = await SyncFixtures.StartEmbeddedAsync();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        SyncFixtures.AddCard(catalog, "A001R1AB", clips: 5);
        await using var store = LiteDbPostStore.Open(folder.Combine("post.db"));
        using var stop = new CancellationTokenSource();
        await using var receiver = new PostReceiver(store, Receiver(broker), TimeProvider.System, SyncFixtures.Log);
        var receiving = receiver.RunAsync(stop.Token);
        await WaitSubscribedAsync(receiver);

        await using (var publisher = new OutboxPublisher(catalog, Publisher(broker), TimeProvider.System, SyncFixtures.Log))
        {
            Assert.Equal(6, await publisher.RunAsync(untilEmpty: true, CancellationToken.None));
            var status = publisher.Status();
            Assert.Equal(6, status.Checkpoint);
            Assert.Equal(0, status.BacklogCount);
        }

        await SyncFixtures.WaitForMessagesAsync(store, 6, Bound);
        var shots = await store.ShotsAsync(CancellationToken.None);
        Assert.Equal(5, shots.Count);
        Assert.All(shots, s => Assert.Equal("verified", s.Shot.GetProperty("offload").GetProperty("status").GetString()));
        Assert.Equal("A001R1AB/A001C001_261125_R1AB", shots[0].ClipId);
        var sequences = Assert.Single(await store.SequencesAsync(CancellationToken.None));
        Assert.Equal((6L, 6L, 0L), (sequences.Received, sequences.Highest, sequences.Missing));

        // A second drain with nothing new sends nothing; a changed shot goes out once more and replaces the old record.
        catalog.Write(tx => InterPositive.Catalog.Shots.ShotRecords.Enqueue(tx, "A001R1AB/A001C001_261125_R1AB"));
        await using (var publisher = new OutboxPublisher(catalog, Publisher(broker), TimeProvider.System, SyncFixtures.Log))
        {
            Assert.Equal(1, await publisher.RunAsync(untilEmpty: true, CancellationToken.None));
        }

        await SyncFixtures.WaitForMessagesAsync(store, 7, Bound);
        shots = await store.ShotsAsync(CancellationToken.None);
        Assert.Equal(5, shots.Count);
        Assert.Equal(7, shots[0].Sequence);
        await stop.CancelAsync();
        await receiving;
    }

    [Fact]
    public async Task A_publisher_resends_from_its_checkpoint_after_a_restart_and_the_store_drops_the_repeats()
    {
        using var folder = new TempFolder();
        await using var broker = await SyncFixtures.StartEmbeddedAsync();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        SyncFixtures.AddEvents(catalog, 3000);
        await using var store = LiteDbPostStore.Open(folder.Combine("post.db"));
        using var stop = new CancellationTokenSource();
        await using var receiver = new PostReceiver(store, Receiver(broker), TimeProvider.System, SyncFixtures.Log);
        var receiving = receiver.RunAsync(stop.Token);
        await WaitSubscribedAsync(receiver);

        await using (var publisher = new OutboxPublisher(catalog, Publisher(broker), TimeProvider.System, SyncFixtures.Log))
        {
            await publisher.RunAsync(untilEmpty: true, CancellationToken.None);
        }

        // As if the PUBACKs of the last 1,000 had been lost with the process: the checkpoint is rewound.
        catalog.Write(tx => tx.Database.GetCollection("outbox_state_checkpoints").Update(new LiteDB.BsonDocument { ["_id"] = "post", ["Delivered"] = 2000L, ["UpdatedAt"] = tx.Now.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }));
        Assert.Equal(2000, catalog.Outbox.Checkpoint("post"));
        await using (var publisher = new OutboxPublisher(catalog, Publisher(broker), TimeProvider.System, SyncFixtures.Log))
        {
            Assert.Equal(1000, await publisher.RunAsync(untilEmpty: true, CancellationToken.None));
        }

        await SyncFixtures.WaitUntilAsync(async () => receiver.Stored + receiver.Duplicates >= 4000, Bound, async () => $"stored {receiver.Stored}, duplicates {receiver.Duplicates}");
        var sequences = Assert.Single(await store.SequencesAsync(CancellationToken.None));
        Assert.Equal((3000L, 3000L, 0L), (sequences.Received, sequences.Highest, sequences.Missing));
        Assert.Equal(1000, receiver.Duplicates);
        await stop.CancelAsync();
        await receiving;
    }

    [Fact]
    public async Task A_client_of_one_production_can_neither_read_nor_write_another_production()
    {
        await using var broker = await SyncFixtures.StartEmbeddedAsync(
            [new BrokerAccount("feature-dit", "s3cret", ["feature"]) { PublishAs = "feature/main/cart-a" }, new BrokerAccount("commercial-dit", "other", ["commercial"]) { PublishAs = "commercial/main/cart-b" }],
            anonymous: []);
        var factory = new MqttClientFactory();
        using var client = factory.CreateMqttClient();
        var endpoint = BrokerEndpoint.Parse($"mqtt://feature-dit:s3cret@127.0.0.1:{broker.Port}");
        await client.ConnectAsync(endpoint.CreateOptions("feature-client").Build());

        var own = await client.PublishAsync(Message("interpositive/v1/feature/main/cart-a/events/test"));
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, own.ReasonCode);
        var foreign = await client.PublishAsync(Message("interpositive/v1/commercial/main/cart-b/events/test"));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreign.ReasonCode);

        var subscribe = await client.SubscribeAsync(factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter("interpositive/v1/commercial/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("interpositive/v1/+/main/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("interpositive/v1/feature/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        Assert.Equal(
            [MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.GrantedQoS1],
            subscribe.Items.Select(i => i.ResultCode));
        Assert.Equal(1, broker.RefusedPublishes);

        using var intruder = factory.CreateMqttClient();
        var result = await intruder.ConnectAsync(BrokerEndpoint.Parse($"mqtt://feature-dit:wrong@127.0.0.1:{broker.Port}").CreateOptions("intruder").Build());
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
        Assert.False(intruder.IsConnected);
        Assert.Equal(1, broker.RefusedConnections);
    }

    [Fact]
    public async Task A_publisher_waits_out_a_missing_broker_and_delivers_when_it_appears()
    {
        using var folder = new TempFolder();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        SyncFixtures.AddEvents(catalog, 50);
        var port = InterPositive.Testing.Brokers.LoopbackPort.Free();
        var options = new PublisherOptions
        {
            Identity = SyncFixtures.Identity,
            Broker = BrokerEndpoint.Parse($"mqtt://127.0.0.1:{port}", SyncFixtures.ApplianceAccount.Username, SyncFixtures.ApplianceAccount.Password),
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(200),
        };
        await using var publisher = new OutboxPublisher(catalog, options, TimeProvider.System, SyncFixtures.Log);
        var draining = publisher.RunAsync(untilEmpty: true, CancellationToken.None);
        await SyncFixtures.WaitUntilAsync(() => Task.FromResult(publisher.Status().LastError is not null), Bound, () => Task.FromResult("no connection failure seen"));
        Assert.False(draining.IsCompleted);
        Assert.Equal(50, publisher.Status().BacklogCount);

        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, Accounts = [SyncFixtures.ApplianceAccount] }, SyncFixtures.Log);
        await broker.StartAsync();
        Assert.Equal(50, await draining);
        Assert.Equal(0, publisher.Status().BacklogCount);
    }

    internal static PostReceiverOptions Receiver(EmbeddedBroker broker, string? production = null) => new()
    {
        Broker = BrokerEndpoint.Parse($"mqtt://127.0.0.1:{broker.Port}"),
        ClientId = "post-test-" + Guid.NewGuid().ToString("N")[..8],
        // Anonymous clients read one named production at most: never a '+' at the production level.
        Production = production ?? SyncFixtures.Identity.Production,
    };

    internal static PublisherOptions Publisher(EmbeddedBroker broker) => new()
    {
        Identity = SyncFixtures.Identity,
        Broker = BrokerEndpoint.Parse($"mqtt://127.0.0.1:{broker.Port}", SyncFixtures.ApplianceAccount.Username, SyncFixtures.ApplianceAccount.Password),
    };

    internal static Task WaitSubscribedAsync(PostReceiver receiver) => receiver.Subscribed.WaitAsync(Bound);

    private static MqttApplicationMessage Message(string topic) => new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(Encoding.UTF8.GetBytes("{}"))
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();
}
