using InterPositive.Catalog;
using InterPositive.Host.Service;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Post;
using InterPositive.Testing;
using InterPositive.Testing.Media;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace InterPositive.Host.Tests;

/// <summary>The appliance as a whole, booted in-process: a card dropped into a watched folder ends verified and at post.</summary>
[Trait("Category", "Integration")]
public sealed class ApplianceFlowTests
{
    [Fact]
    public async Task A_card_dropped_into_a_watched_folder_ends_verified_on_both_destinations_and_as_shots_at_post()
    {
        using var folder = new TempFolder();
        var cards = Directory.CreateDirectory(folder.Combine("cards")).FullName;
        using var announcements = new StringWriter();
        await using var app = TestAppliance.Build(folder, announcements, new Dictionary<string, string?>
        {
            ["Appliance:Production"] = "flowtest",
            ["Cards:MountRoots:0"] = cards,
            ["Cards:Destinations:0"] = folder.Combine("shuttle"),
            ["Cards:Destinations:1"] = folder.Combine("raid"),
            ["Cards:ScanInterval"] = "00:00:00.200",
            ["Cards:SettleTime"] = "00:00:00.400",
        });
        Directory.CreateDirectory(folder.Combine("shuttle"));
        Directory.CreateDirectory(folder.Combine("raid"));
        await app.StartAsync();
        var sync = app.Services.GetRequiredService<SyncStage>();
        using var log = new LoggerConfiguration().CreateLogger();
        await using var store = LiteDbPostStore.Open(folder.Combine("post.db"));
        await using var receiver = new PostReceiver(store, new PostReceiverOptions { Broker = BrokerEndpoint.Parse($"mqtt://127.0.0.1:{sync.BrokerPort}"), Production = "flowtest" }, TimeProvider.System, log);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var receiving = receiver.RunAsync(stop.Token);
        try
        {
            // The card is written elsewhere and moved in, as a mount appears: all at once.
            var staging = folder.Combine("staging", "A002R2EC");
            var clips = CardBuilder.ArriMov(staging, clips: 2);
            Directory.Move(staging, Path.Combine(cards, "A002R2EC"));

            var catalog = app.Services.GetRequiredService<CatalogDatabase>();
            CardDocument? card = null;
            while (!stop.IsCancellationRequested)
            {
                card = catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindAll().FirstOrDefault());
                var shots = await store.ShotsAsync(stop.Token);
                if (card is { SafeToFormat: true } && shots.Count >= clips.Count)
                {
                    break;
                }

                await Task.Delay(200, stop.Token);
            }

            Assert.NotNull(card);
            Assert.True(card.SafeToFormat, $"card status {card.Status}");
            Assert.Equal(2, card.Destinations.Count);
            Assert.All(card.Destinations, d => Assert.Equal(CardStatus.Verified, d.Status));
            Assert.True(File.Exists(Path.Combine(folder.Combine("shuttle"), "A002R2EC", Path.GetRelativePath(staging, clips[0]))));
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(folder.Combine("raid"), "A002R2EC", "ascmhl"), "*.mhl"));
            Assert.Equal("arri", card.CameraFamily);
            var received = await store.ShotsAsync(stop.Token);
            Assert.Equal(clips.Count, received.Count);
            Assert.All(received, s => Assert.Equal("flowtest", s.Production));
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await receiving;
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync();
        }
    }
}
