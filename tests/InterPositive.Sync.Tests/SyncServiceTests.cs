using System.Text;
using InterPositive.Catalog;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Post;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
using MQTTnet;
using MQTTnet.Protocol;

namespace InterPositive.Sync.Tests;

[Trait("Category", "Integration")]
public sealed class SyncServiceTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task The_service_serves_set_side_clients_locally_and_forwards_to_the_post_house_with_separate_checkpoints()
    {
        using var folder = new TempFolder();
        await using var postHouse = await MosquittoBroker.StartPrivateAsync();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        SyncFixtures.AddCard(catalog, "A001R1AB", clips: 2);
        await using var store = LiteDbPostStore.Open(folder.Combine("post.db"));
        using var stop = new CancellationTokenSource();
        await using var receiver = new PostReceiver(store, MosquittoFaultTests.ReceiverOptions(postHouse.Url), TimeProvider.System, SyncFixtures.Log);
        var receiving = receiver.RunAsync(stop.Token);
        await receiver.Subscribed.WaitAsync(Bound);

        var localPort = LoopbackPort.Free();
        await using var service = new SyncService(
            catalog,
            new SyncServiceOptions
            {
                Identity = SyncFixtures.Identity,
                Embedded = new EmbeddedBrokerOptions { Port = localPort, Accounts = [new BrokerAccount("video-village", "monitor", ["feature"])] },
                Upstream = BrokerEndpoint.Parse(postHouse.Url),
            },
            TimeProvider.System,
            SyncFixtures.Log);
        var running = service.RunAsync(stop.Token);
        await SyncFixtures.WaitForMessagesAsync(store, 3, Bound);

        // A set-side client subscribing late still gets each shot's latest state (retained, persistent broker).
        var factory = new MqttClientFactory();
        using var monitor = factory.CreateMqttClient();
        var shots = new List<string>();
        monitor.ApplicationMessageReceivedAsync += e =>
        {
            lock (shots)
            {
                shots.Add(e.ApplicationMessage.Topic);
            }

            return Task.CompletedTask;
        };
        await monitor.ConnectAsync(BrokerEndpoint.Parse($"mqtt://video-village:monitor@127.0.0.1:{localPort}").CreateOptions("monitor").Build());
        await monitor.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter("interpositive/v1/feature/+/+/shots/+", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await SyncFixtures.WaitUntilAsync(() => Task.FromResult(Count(shots) >= 2), Bound, () => Task.FromResult($"monitor saw {Count(shots)} shots"));

        await SyncFixtures.WaitUntilAsync(
            () => Task.FromResult(service.Status() is { Count: 2 } all && all.All(s => s.Checkpoint == 3)),
            Bound,
            () => Task.FromResult(string.Join(", ", service.Status())));
        Assert.Equal(["local", "upstream"], service.Status().Select(s => s.Sink).Order(StringComparer.Ordinal));
        Assert.Equal(3, catalog.Outbox.Checkpoint("local"));
        Assert.Equal(3, catalog.Outbox.Checkpoint("upstream"));
        await stop.CancelAsync();
        await running;
        await receiving;
    }

    private static int Count(List<string> items)
    {
        lock (items)
        {
            return items.Count;
        }
    }
}
