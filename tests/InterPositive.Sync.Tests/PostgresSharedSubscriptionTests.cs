using InterPositive.Catalog;
using InterPositive.Sync.Post;
using InterPositive.Sync.Publishing;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;

namespace InterPositive.Sync.Tests;

[Trait("Category", "Integration")]
public sealed class PostgresSharedSubscriptionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Two_receivers_on_one_shared_subscription_through_mosquitto_hold_every_shot_exactly_once_in_one_postgresql()
    {
        using var folder = new TempFolder();
        await using var postgres = await PostgresServer.StartAsync();
        await using var broker = await MosquittoBroker.StartPrivateAsync();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        SyncFixtures.AddCard(catalog, "A001R1AB", clips: 20);
        SyncFixtures.AddCard(catalog, "B001R1AB", clips: 20);
        SyncFixtures.AddEvents(catalog, 2000);
        const long expected = 2000 + 42;

        await using var storeA = await PostStores.OpenAsync(postgres.Url, CancellationToken.None);
        await using var storeB = await PostStores.OpenAsync(postgres.Url, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var options = MosquittoFaultTests.ReceiverOptions(broker.Url) with { SharedGroup = "post", Production = "feature", BatchSize = 100 };
        await using var receiverA = new PostReceiver(storeA, options with { ClientId = "post-a" }, TimeProvider.System, SyncFixtures.Log);
        await using var receiverB = new PostReceiver(storeB, options with { ClientId = "post-b" }, TimeProvider.System, SyncFixtures.Log);
        var runA = receiverA.RunAsync(stop.Token);
        var runB = receiverB.RunAsync(stop.Token);
        await Task.WhenAll(receiverA.Subscribed, receiverB.Subscribed).WaitAsync(Bound);

        await using (var publisher = new OutboxPublisher(catalog, MosquittoFaultTests.PublisherOptions(broker.Url), TimeProvider.System, SyncFixtures.Log))
        {
            await publisher.RunAsync(untilEmpty: true, CancellationToken.None).WaitAsync(Bound);
        }

        // The same messages once more (a publisher that lost its checkpoint): both receivers see repeats, the store keeps one.
        catalog.Write(tx => tx.Database.GetCollection("outbox_state_checkpoints").DeleteAll());
        await using (var publisher = new OutboxPublisher(catalog, MosquittoFaultTests.PublisherOptions(broker.Url), TimeProvider.System, SyncFixtures.Log))
        {
            await publisher.RunAsync(untilEmpty: true, CancellationToken.None).WaitAsync(Bound);
        }

        await SyncFixtures.WaitUntilAsync(
            () => Task.FromResult(receiverA.Stored + receiverB.Stored + receiverA.Duplicates + receiverB.Duplicates >= 2 * expected),
            Bound,
            () => Task.FromResult($"A stored {receiverA.Stored} dup {receiverA.Duplicates}, B stored {receiverB.Stored} dup {receiverB.Duplicates}"));
        Assert.True(receiverA.Stored > 0 && receiverB.Stored > 0, $"the shared subscription did not share: A {receiverA.Stored}, B {receiverB.Stored}");
        Assert.Equal(expected, receiverA.Stored + receiverB.Stored);

        var counts = await storeA.CountsAsync(CancellationToken.None);
        Assert.Equal((40L, 2L, expected), (counts.Shots, counts.Cards, counts.Messages));
        var appliance = Assert.Single(await storeA.SequencesAsync(CancellationToken.None));
        Assert.Equal((expected, expected, 0L), (appliance.Received, appliance.Highest, appliance.Missing));
        var shots = await storeB.ShotsAsync(CancellationToken.None);
        Assert.Equal(40, shots.Select(s => s.ClipId).Distinct(StringComparer.Ordinal).Count());
        await stop.CancelAsync();
        await Task.WhenAll(runA, runB);
    }
}
