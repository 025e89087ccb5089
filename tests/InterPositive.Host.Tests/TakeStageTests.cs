using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Clips;
using InterPositive.Catalog.Takes;
using InterPositive.Host.Service.Stages;
using InterPositive.Offload;
using InterPositive.Takes;
using InterPositive.Testing;
using InterPositive.Testing.Media;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace InterPositive.Host.Tests;

/// <summary>The service's take stage works from the catalog, so takes a stopped or crashed service owed are finished.</summary>
[Trait("Category", "Integration")]
public sealed class TakeStageTests
{
    [Fact]
    public async Task A_service_restarted_after_ingest_but_before_analysis_finishes_the_takes_and_queues_their_shots()
    {
        Assert.True(Ffmpeg.Available, "ffmpeg is needed to make decodable clips");
        using var folder = new TempFolder();
        var card = folder.Combine("A001R1AB");
        Directory.CreateDirectory(Path.Combine(card, "A001R1AB"));
        Ffmpeg.ProResMov(Path.Combine(card, "A001R1AB", "A001C001_261125_R1AB.mov"));
        Ffmpeg.ProResMov(Path.Combine(card, "A001R1AB", "A001C002_261125_R1AB.mov"));
        Directory.CreateDirectory(folder.Combine("raid"));

        // The first run: the card is ingested, then the process is gone before any take was measured.
        using var log = new LoggerConfiguration().CreateLogger();
        string cardId;
        using (var catalog = CatalogDatabase.Open(Path.Combine(folder.Combine("data"), "interpositive.db"), TimeProvider.System))
        {
            var ingested = await new CardIngest(catalog, TimeProvider.System, log).RunAsync(new OffloadRequest(card, [folder.Combine("raid")]), null, CancellationToken.None);
            Assert.Equal(OffloadFailureKind.None, ingested.Offload.Failure);
            cardId = ingested.Offload.CardId;
            Assert.Equal(2, TakeStore.Pending(catalog, previewsWanted: false).Count);
        }

        using var announcements = new StringWriter();
        await using var app = TestAppliance.Build(folder, announcements);
        await app.StartAsync();
        try
        {
            var catalog = app.Services.GetRequiredService<CatalogDatabase>();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (TakeStore.Pending(catalog, previewsWanted: false).Count > 0)
            {
                await Task.Delay(100, bound.Token);
            }

            var views = ClipStore.Views(catalog, cardId);
            Assert.Equal(2, views.Count);
            Assert.All(views, v => Assert.NotNull(v.Lighting));
            Assert.Equal(2, app.Services.GetRequiredService<TakeStage>().Processed);

            // Each measured take's shot update, with its lighting, waits in the outbox for post.
            var shots = catalog.Outbox.ReadAfter(0, 1000).Where(e => e.Kind == "shots").ToList();
            foreach (var view in views)
            {
                var latest = shots.Last(e => e.Key == view.Clip.Id);
                using var body = JsonDocument.Parse(latest.Body);
                Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("lighting").ValueKind);
            }
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
