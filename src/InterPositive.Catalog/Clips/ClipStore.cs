using InterPositive.Formats.Clips;
using LiteDB;

namespace InterPositive.Catalog.Clips;

/// <summary>
/// Stores normalised clip records as <see cref="ClipDocument"/> rows (id = card id + "/" + clip name). Writes run inside
/// the caller's catalog transaction so the clip rows commit with the card and the shot messages the caller enqueues.
/// </summary>
public static class ClipStore
{
    /// <summary>The stable clip id: <c>CARD/CLIP</c> (e.g. <c>A002R2EC/A002C006_141024_R2EC</c>).</summary>
    public static string ClipId(string cardId, ClipRecord clip)
    {
        var name = clip.Clip ?? Path.GetFileNameWithoutExtension(clip.Path);
        return cardId + "/" + name;
    }

    /// <summary>Inserts or replaces the clip's row and returns it.</summary>
    public static ClipDocument Upsert(CatalogTransaction tx, string cardId, ClipRecord clip)
    {
        var collection = Collection(tx.Database);
        var document = new ClipDocument
        {
            Id = ClipId(cardId, clip),
            CardId = cardId,
            Path = clip.Path,
            Reel = clip.Reel,
            Scene = clip.Scene,
            Take = clip.Take,
            Camera = Describe(clip.Camera),
            ClipJson = clip.ToJson(),
            UpdatedAt = tx.Now,
        };
        collection.Upsert(document);
        return document;
    }

    /// <summary>Upserts every clip of a card in the caller's transaction.</summary>
    public static IReadOnlyList<ClipDocument> UpsertAll(CatalogTransaction tx, string cardId, IEnumerable<ClipRecord> clips) =>
        clips.Select(c => Upsert(tx, cardId, c)).ToList();

    /// <summary>The clips of a card, in path order.</summary>
    public static IReadOnlyList<ClipRecord> ForCard(CatalogDatabase catalog, string cardId) => catalog.Read(db =>
        Collection(db).Find(c => c.CardId == cardId).OrderBy(c => c.Path, StringComparer.Ordinal).Select(c => ClipRecord.FromJson(c.ClipJson)).ToList());

    /// <summary>One clip by id, or null.</summary>
    public static ClipRecord? Find(CatalogDatabase catalog, string clipId) => catalog.Read(db =>
        Collection(db).FindById(clipId) is { } doc ? ClipRecord.FromJson(doc.ClipJson) : null);

    private static ILiteCollection<ClipDocument> Collection(ILiteDatabase db)
    {
        var collection = db.GetCollection<ClipDocument>(CatalogCollections.Clips);
        collection.EnsureIndex(c => c.CardId);
        return collection;
    }

    private static string? Describe(CameraInfo camera)
    {
        var parts = new[] { camera.Make, camera.Model, camera.Serial is null ? null : "#" + camera.Serial }.Where(p => !string.IsNullOrEmpty(p));
        var text = string.Join(' ', parts);
        return text.Length == 0 ? null : text;
    }
}
