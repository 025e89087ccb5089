using LiteDB;

namespace InterPositive.Catalog.Looks;

/// <summary>
/// A match of a clip to its continuity reference, offered by the appliance and decided by the DIT. The adjustment
/// (the changes and the difference before and after, the match verb's JSON less paths and timings) is stored as JSON,
/// so the catalog stays free of the relight code.
/// </summary>
public sealed class MatchDocument
{
    [BsonId]
    public string ClipId { get; set; } = "";

    public string ReferenceClip { get; set; } = "";

    /// <summary>One of <see cref="MatchStatus"/>.</summary>
    public string Status { get; set; } = MatchStatus.Offered;

    /// <summary>The adjustment as a JSON object.</summary>
    public string AdjustmentJson { get; set; } = "{}";

    /// <summary>The matched preview (a path under the data folder), when one was rendered.</summary>
    public string? Preview { get; set; }

    public DateTimeOffset OfferedAt { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }
}

/// <summary>Where a match stands.</summary>
public static class MatchStatus
{
    public const string Offered = "offered";
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
}

/// <summary>
/// Match offers and the DIT's decisions. An accepted match is the clip's look adjustment: the decision and the shot
/// record that carries it to post commit in one transaction; an offer tells post nothing until it is accepted.
/// </summary>
public static class MatchStore
{
    public const string Collection = "matches";

    /// <summary>Stores (or replaces) the offer for a clip; a new offer resets an earlier decision.</summary>
    public static MatchDocument Offer(CatalogDatabase catalog, string clipId, string referenceClip, string adjustmentJson, string? preview)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clipId);
        using (System.Text.Json.JsonDocument.Parse(adjustmentJson))
        {
        }

        return catalog.Write(tx =>
        {
            var previous = tx.Database.GetCollection<MatchDocument>(Collection).FindById(clipId);
            var document = new MatchDocument { ClipId = clipId, ReferenceClip = referenceClip, AdjustmentJson = adjustmentJson, Preview = preview, OfferedAt = tx.Now };
            tx.Database.GetCollection<MatchDocument>(Collection).Upsert(document);
            if (previous?.Status == MatchStatus.Accepted && tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips).FindById(clipId) is not null)
            {
                // Post held the old adjustment: tell it the clip has none until this one is decided.
                Shots.ShotRecords.Enqueue(tx, clipId);
            }

            return document;
        });
    }

    /// <summary>The DIT's decision on the clip's offer; null when there is no offer. Accepting enqueues the shot record with the match.</summary>
    public static MatchDocument? Decide(CatalogDatabase catalog, string clipId, bool accept) => catalog.Write(tx =>
    {
        var matches = tx.Database.GetCollection<MatchDocument>(Collection);
        var document = matches.FindById(clipId);
        if (document is null)
        {
            return null;
        }

        var wasAccepted = document.Status == MatchStatus.Accepted;
        document.Status = accept ? MatchStatus.Accepted : MatchStatus.Rejected;
        document.DecidedAt = tx.Now;
        matches.Update(document);
        if ((accept || wasAccepted) && tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips).FindById(clipId) is not null)
        {
            Shots.ShotRecords.Enqueue(tx, clipId);
        }

        return document;
    });

    public static MatchDocument? Find(CatalogDatabase catalog, string clipId) =>
        catalog.Read(db => db.GetCollection<MatchDocument>(Collection).FindById(clipId));

    /// <summary>The clip's accepted match inside a transaction or read (what the shot record carries).</summary>
    public static MatchDocument? Accepted(ILiteDatabase db, string clipId) =>
        db.GetCollection<MatchDocument>(Collection).FindById(clipId) is { Status: MatchStatus.Accepted } accepted ? accepted : null;
}
