using InterPositive.Catalog.Cards;
using LiteDB;

namespace InterPositive.Catalog.Takes;

/// <summary>What the take work of one clip still needs, and the verified copy its file is read from.</summary>
public sealed record PendingTake(ClipDocument Clip, string CardRoot, bool NeedsLighting, bool NeedsPreviews);

/// <summary>Which part of a take's work failed.</summary>
public enum TakeWork
{
    Lighting,
    Previews,
}

/// <summary>
/// The take work the catalog is owed: clips of verified cards that have no lighting record or no preview set yet. The
/// catalog, not memory, is the work list: a take stage that starts, restarts after a crash or hears of a new card asks
/// here, so nothing queued in memory can be lost or dropped. A clip whose work failed (a file no decoder reads) is
/// recorded as such and not retried until its card is ingested again.
/// </summary>
public static class TakeStore
{
    private const string Failures = "take_failures";

    /// <summary>Clips owed lighting (and previews when <paramref name="previewsWanted"/>), oldest card first, clips in id order.</summary>
    public static IReadOnlyList<PendingTake> Pending(CatalogDatabase catalog, bool previewsWanted) => catalog.Read(db =>
    {
        var clips = db.GetCollection<ClipDocument>(CatalogCollections.Clips);
        clips.EnsureIndex(c => c.CardId);
        var lighting = db.GetCollection<LightingDocument>(CatalogCollections.Lighting);
        var looks = db.GetCollection<LookDocument>(CatalogCollections.Looks);
        var failures = db.GetCollection<TakeFailureDocument>(Failures);
        var pending = new List<PendingTake>();
        foreach (var card in db.GetCollection<CardDocument>(CatalogCollections.Cards).FindAll().OrderBy(c => c.CreatedAt).ThenBy(c => c.Id, StringComparer.Ordinal))
        {
            if (CardStore.VerifiedRoot(card) is not { } root)
            {
                continue;
            }

            var cardId = card.Id;
            foreach (var clip in clips.Find(c => c.CardId == cardId).OrderBy(c => c.Id, StringComparer.Ordinal))
            {
                var failed = failures.FindById(clip.Id);
                var needsLighting = failed?.LightingError is null && !lighting.Exists(Query.EQ("_id", clip.Id));
                var needsPreviews = previewsWanted && failed?.PreviewsError is null && !HasPreviews(looks.FindById(clip.Id));
                if (needsLighting || needsPreviews)
                {
                    pending.Add(new PendingTake(clip, root, needsLighting, needsPreviews));
                }
            }
        }

        return (IReadOnlyList<PendingTake>)pending;
    });

    /// <summary>Stores a clip's preview set (JSON array) beside its look and queues its shot update, in one transaction.</summary>
    public static void SavePreviews(CatalogDatabase catalog, string clipId, string previewsJson) => catalog.Write(tx =>
    {
        var looks = tx.Database.GetCollection<LookDocument>(CatalogCollections.Looks);
        var look = looks.FindById(clipId) ?? new LookDocument { ClipId = clipId };
        look.PreviewsJson = previewsJson;
        look.UpdatedAt = tx.Now;
        looks.Upsert(look);
        Shots.ShotRecords.Enqueue(tx, clipId);
    });

    /// <summary>Records that part of a clip's take work failed, so it is not retried until the card is ingested again.</summary>
    public static void RecordFailure(CatalogDatabase catalog, string clipId, TakeWork work, string error) => catalog.Write(tx =>
    {
        var failures = tx.Database.GetCollection<TakeFailureDocument>(Failures);
        var failure = failures.FindById(clipId) ?? new TakeFailureDocument { ClipId = clipId };
        if (work == TakeWork.Lighting)
        {
            failure.LightingError = error;
        }
        else
        {
            failure.PreviewsError = error;
        }

        failure.UpdatedAt = tx.Now;
        failures.Upsert(failure);
    });

    /// <summary>Why a clip's take work failed, or null when it did not.</summary>
    public static (string? Lighting, string? Previews)? Failure(CatalogDatabase catalog, string clipId) => catalog.Read(db =>
        db.GetCollection<TakeFailureDocument>(Failures).FindById(clipId) is { } f ? (f.LightingError, f.PreviewsError) : ((string?, string?)?)null);

    /// <summary>Forgets the failures of a card's clips (in the caller's transaction): a card ingested again is worked again.</summary>
    public static void ForgetFailures(CatalogTransaction tx, string cardId) =>
        tx.Database.GetCollection<TakeFailureDocument>(Failures).DeleteMany(Query.StartsWith("_id", cardId + "/"));

    private static bool HasPreviews(LookDocument? look) =>
        look is not null && !string.IsNullOrWhiteSpace(look.PreviewsJson) && look.PreviewsJson.Trim() != "[]";

    private sealed class TakeFailureDocument
    {
        [BsonId]
        public string ClipId { get; set; } = "";

        public string? LightingError { get; set; }

        public string? PreviewsError { get; set; }

        public DateTimeOffset UpdatedAt { get; set; }
    }
}
