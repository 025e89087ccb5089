using InterPositive.Catalog;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Post;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
using Serilog;

namespace InterPositive.Host.Tests;

[Trait("Category", "Integration")]
public sealed class SyncKillTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_appliance_killed_mid_drain_and_restarted_delivers_everything_exactly_once()
    {
        using var folder = new TempFolder();
        await using var broker = await MosquittoBroker.StartPrivateAsync();
        var data = folder.Combine("appliance");
        const int events = 4_000;
        using (var catalog = CatalogDatabase.Open(Path.Combine(data, "interpositive.db"), TimeProvider.System))
        {
            SyncTestCatalog.AddCard(catalog, "A001R1AB", clips: 3);
            for (var done = 0; done < events; done += 2000)
            {
                var start = done;
                catalog.Write(tx =>
                {
                    for (var i = 0; i < 2000; i++)
                    {
                        tx.Enqueue(new OutboxMessage("events", "offload-finished", FormattableString.Invariant($$"""{"cardId":"LOAD{{start + i}}","status":"verified"}"""), Retained: false));
                    }
                });
            }
        }

        await using var store = LiteDbPostStore.Open(folder.Combine("post.db"));
        using var stop = new CancellationTokenSource();
        await using var receiver = new PostReceiver(
            store,
            new PostReceiverOptions { Broker = BrokerEndpoint.Parse(broker.Url), ClientId = "post-kill", Production = "feature" },
            TimeProvider.System,
            new LoggerConfiguration().CreateLogger());
        var receiving = receiver.RunAsync(stop.Token);
        await receiver.Subscribed.WaitAsync(Bound);

        // A small in-flight window keeps the child mid-drain long enough to be killed there.
        using (var child = SyncCli.Start(data, "sync", "--broker", broker.Url, "--max-in-flight", "4"))
        {
            var deadline = Environment.TickCount64 + (long)Bound.TotalMilliseconds;
            while (receiver.Stored < 500 && !child.HasExited && Environment.TickCount64 < deadline)
            {
                await Task.Delay(10);
            }

            if (child.HasExited)
            {
                Assert.Fail("sync ended before it could be killed: " + await child.StandardError.ReadToEndAsync());
            }

            child.Kill(); // SIGKILL: no checkpoint save, no offline status, no goodbye.
            await child.WaitForExitAsync();
        }

        // The continuous sync never exits by itself, so a kill that came after its drain would still test the restart;
        // the checkpoint it left tells how far it got.
        var killedAt = receiver.Stored;
        Assert.True(killedAt < events + 4, $"everything ({killedAt}) was delivered before the kill: nothing was tested");
        var rerun = await SyncCli.RunAsync(data, Bound, "sync", "--broker", broker.Url, "--once", "--json");
        Assert.True(rerun.Code == 0, rerun.Stderr);

        await SyncUntilAsync(store, events + 4);
        var counts = await store.CountsAsync(CancellationToken.None);
        Assert.Equal((3L, 1L, events + 4L), (counts.Shots, counts.Cards, counts.Messages));
        var appliance = Assert.Single(await store.SequencesAsync(CancellationToken.None));
        Assert.Equal(0, appliance.Missing);
        Assert.Equal(events + 4, appliance.Highest);
        await stop.CancelAsync();
        await receiving;
    }

    private static async Task SyncUntilAsync(IPostStore store, long messages)
    {
        var deadline = Environment.TickCount64 + (long)Bound.TotalMilliseconds;
        while ((await store.CountsAsync(CancellationToken.None)).Messages < messages)
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"post store holds {(await store.CountsAsync(CancellationToken.None)).Messages} of {messages}");
            }

            await Task.Delay(50);
        }
    }
}
