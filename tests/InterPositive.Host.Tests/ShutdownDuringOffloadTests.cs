using InterPositive.Catalog;
using InterPositive.Host.Service.Ingest;
using InterPositive.Testing;
using InterPositive.Testing.Cards;
using Microsoft.Extensions.DependencyInjection;

namespace InterPositive.Host.Tests;

/// <summary>The service stopped in the middle of an offload: the copy is parked, never left copying, and resumes later.</summary>
[Trait("Category", "Integration")]
public sealed class ShutdownDuringOffloadTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_stop_mid_copy_parks_the_offload_the_next_start_marks_the_card_interrupted_and_the_card_inserted_again_resumes_to_verified()
    {
        using var folder = new TempFolder();
        var cards = Directory.CreateDirectory(folder.Combine("cards")).FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Cards:MountRoots:0"] = cards,
            ["Cards:Destinations:0"] = Directory.CreateDirectory(folder.Combine("shuttle")).FullName,
            ["Cards:Destinations:1"] = Directory.CreateDirectory(folder.Combine("raid")).FullName,
            ["Cards:ScanInterval"] = "00:00:00.100",
            ["Cards:SettleTime"] = "00:00:00.200",
        };

        // Enough data that the stop lands mid-copy: 48 clips of 4 MiB.
        var staging = folder.Combine("staging", "A007R1CD");
        var card = new SyntheticCard(staging);
        for (var i = 0; i < 48; i++)
        {
            card.File(FormattableString.Invariant($"Clips/A007C{i + 1:D3}_261125_R1CD.mov"), 4 * 1024 * 1024, seed: i);
        }

        var inReader = Path.Combine(cards, "A007R1CD");
        using var stop = new CancellationTokenSource(Bound);
        string cardId;
        using (var announcements = new StringWriter())
        {
            await using var first = TestAppliance.Build(folder, announcements, settings);
            await first.StartAsync(stop.Token);
            var queue = first.Services.GetRequiredService<OffloadQueue>();
            Directory.Move(staging, inReader);
            while (!queue.Jobs.Any(j => j.State == "copying" && j.BytesDone > 0))
            {
                Assert.DoesNotContain(queue.Jobs, j => j.State is "verified" or "failed");
                await Task.Delay(5, stop.Token);
            }

            // What systemd's SIGTERM does to the service.
            await first.StopAsync(stop.Token);
            var job = Assert.Single(queue.Jobs);
            Assert.True(job.State == "parked", $"the offload was {job.State} at the stop, not in flight: nothing was tested");
            var catalog = first.Services.GetRequiredService<CatalogDatabase>();
            var left = catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindAll().Single());
            Assert.Equal(CardStatus.Copying, left.Status);
            cardId = left.Id;
        }

        // The card leaves the reader while the box is off; at the next start it is not shown as copying.
        Directory.Move(inReader, staging);
        using (var announcements = new StringWriter())
        {
            await using var second = TestAppliance.Build(folder, announcements, settings);
            await second.StartAsync(stop.Token);
            try
            {
                var catalog = second.Services.GetRequiredService<CatalogDatabase>();
                var interrupted = catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(cardId));
                Assert.Equal(CardStatus.Interrupted, interrupted.Status);
                Assert.All(interrupted.Destinations, d => Assert.NotEqual(CardStatus.Copying, d.Status));
                Assert.Contains(interrupted.Destinations, d => d.Status == CardStatus.Interrupted && d.Error is not null);
                Assert.False(interrupted.SafeToFormat);

                // Back in the reader: offloaded again, resumed, verified on both destinations.
                Directory.Move(staging, inReader);
                CardDocument? now = null;
                while (now is not { SafeToFormat: true })
                {
                    await Task.Delay(100, stop.Token);
                    now = catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(cardId));
                    Assert.NotEqual(CardStatus.Failed, now.Status);
                }

                Assert.Equal(CardStatus.Verified, now.Status);
                Assert.All(now.Destinations, d => Assert.Equal(CardStatus.Verified, d.Status));
                Assert.All(now.Destinations, d => Assert.Equal(48, d.FilesVerified));
            }
            finally
            {
                await second.StopAsync(CancellationToken.None);
            }
        }
    }
}
