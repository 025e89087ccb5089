using InterPositive.Catalog.Offload;

namespace InterPositive.Catalog.Cards;

/// <summary>
/// Typed access to card records and offload jobs: what the offload engine, card ingest, the service and the API read and
/// write, so none of them reaches into the catalog's collections.
/// </summary>
public static class CardStore
{
    /// <summary>One card by id, or null.</summary>
    public static CardDocument? Find(CatalogDatabase catalog, string cardId) =>
        catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(cardId));

    /// <summary>One card by id inside the caller's transaction, or null.</summary>
    public static CardDocument? Find(CatalogTransaction tx, string cardId) =>
        tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(cardId);

    /// <summary>Every card, most recently changed first.</summary>
    public static IReadOnlyList<CardDocument> List(CatalogDatabase catalog) => catalog.Read(db =>
        db.GetCollection<CardDocument>(CatalogCollections.Cards).Query().OrderByDescending(c => c.UpdatedAt).ToList());

    /// <summary>Inserts or replaces a card record in the caller's transaction.</summary>
    public static void Upsert(CatalogTransaction tx, CardDocument card) =>
        tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards).Upsert(card);

    /// <summary>Records the camera family recognised from a verified copy; false when the card is unknown.</summary>
    public static bool SetCameraFamily(CatalogTransaction tx, string cardId, string? family)
    {
        var cards = tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards);
        if (cards.FindById(cardId) is not { } card)
        {
            return false;
        }

        card.CameraFamily = family;
        card.UpdatedAt = tx.Now;
        cards.Update(card);
        return true;
    }

    /// <summary>The root of the card's first verified copy (where clips are read from once the card may be gone), or null.</summary>
    public static string? VerifiedRoot(CardDocument card) =>
        card.Destinations.FirstOrDefault(d => d.Status == CardStatus.Verified)?.Path;

    /// <summary>
    /// Marks cards and offload jobs that a stopped or killed run left copying as interrupted (never shown as copying
    /// forever), and tells post in the same transaction; returns the card ids marked.
    /// </summary>
    public static IReadOnlyList<string> MarkInterrupted(CatalogDatabase catalog, string reason) => catalog.Write(tx =>
    {
        var cards = tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards);
        var marked = new List<string>();
        foreach (var card in cards.Find(c => c.Status == CardStatus.Copying || c.Status == CardStatus.Pending).ToList())
        {
            card.Status = CardStatus.Interrupted;
            foreach (var destination in card.Destinations.Where(d => d.Status is not (CardStatus.Verified or CardStatus.Failed)))
            {
                destination.Status = CardStatus.Interrupted;
                destination.Error ??= reason;
            }

            card.UpdatedAt = tx.Now;
            cards.Update(card);

            // Post holds the card as copying too: it hears of the interruption in the same transaction.
            Shots.ShotRecords.EnqueueCard(tx, card.Id);
            marked.Add(card.Id);
        }

        var jobs = tx.Database.GetCollection<OffloadJobDocument>(CatalogCollections.OffloadJobs);
        foreach (var job in jobs.Find(j => j.Status == "running").ToList())
        {
            job.Status = CardStatus.Interrupted;
            jobs.Update(job);
        }

        return (IReadOnlyList<string>)marked;
    });
}
