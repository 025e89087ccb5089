using System.Text.Json;
using InterPositive.Catalog.Cards;
using InterPositive.Catalog.Clips;
using InterPositive.Catalog.Looks;
using InterPositive.Formats.Cdl;
using InterPositive.Formats.Clips;
using InterPositive.Testing;

namespace InterPositive.Catalog.Tests;

[Trait("Category", "Unit")]
public sealed class TypedStoreTests
{
    [Fact]
    public void A_look_set_on_a_clip_goes_to_post_in_its_shot_record_at_full_precision_and_clearing_it_sends_null()
    {
        using var folder = new TempFolder();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        var clipId = AddCard(catalog, "A001R1AB");

        LookStore.Set(catalog, clipId, new Cdl("A001C001", new CdlTriple(0.00001, 1, 1.2), new CdlTriple(-0.0123456789, 0, 0), new CdlTriple(1, 1, 1), 0.85), "test");
        using (var shot = JsonDocument.Parse(catalog.Outbox.ReadAfter(0, 100)[^1].Body))
        {
            var cdl = shot.RootElement.GetProperty("look").GetProperty("cdl");
            Assert.Equal("A001C001", cdl.GetProperty("id").GetString());
            Assert.Equal(0.00001, cdl.GetProperty("slope")[0].GetDouble());
            Assert.Equal(-0.0123456789, cdl.GetProperty("offset")[0].GetDouble());
            Assert.Equal(0.85, cdl.GetProperty("saturation").GetDouble());
        }

        LookStore.Set(catalog, clipId, null, null);
        using (var shot = JsonDocument.Parse(catalog.Outbox.ReadAfter(0, 100)[^1].Body))
        {
            Assert.Equal(JsonValueKind.Null, shot.RootElement.GetProperty("look").ValueKind);
        }

        Assert.False(LookStore.Set(catalog, "A001R1AB/none", Cdl.Identity, "test"));
    }

    [Fact]
    public void Cards_left_copying_are_marked_interrupted_with_their_card_record_queued_in_the_same_transaction()
    {
        using var folder = new TempFolder();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        AddCard(catalog, "A001R1AB", CardStatus.Copying);
        AddCard(catalog, "A002R1AB");
        var before = catalog.Outbox.LastSequence();

        Assert.Equal(["A001R1AB"], CardStore.MarkInterrupted(catalog, "stopped"));

        var card = CardStore.Find(catalog, "A001R1AB")!;
        Assert.Equal(CardStatus.Interrupted, card.Status);
        Assert.Equal("stopped", Assert.Single(card.Destinations).Error);
        var sent = Assert.Single(catalog.Outbox.ReadAfter(before, 10));
        Assert.Equal(("cards", "A001R1AB"), (sent.Kind, sent.Key));
        Assert.Equal(CardStatus.Verified, CardStore.Find(catalog, "A002R1AB")!.Status);
        Assert.Equal(["A001R1AB/A001C001", "A002R1AB/A001C001"], ClipStore.Views(catalog).Select(v => v.Clip.Id));
    }

    private static string AddCard(CatalogDatabase catalog, string cardId, string status = CardStatus.Verified) => catalog.Write(tx =>
    {
        CardStore.Upsert(tx, new CardDocument
        {
            Id = cardId,
            Name = cardId,
            Status = status,
            Destinations = [new CardDestination { Path = "/raid/" + cardId, Status = status }],
            CreatedAt = tx.Now,
            UpdatedAt = tx.Now,
        });
        var clip = ClipStore.Upsert(tx, cardId, new ClipRecord { Path = "A001C001.mov", Clip = "A001C001" });
        return clip.Id;
    });
}
