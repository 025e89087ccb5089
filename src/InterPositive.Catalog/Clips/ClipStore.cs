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
    public static string ClipId(string cardId, ClipRecord clip) => cardId + "/" + ClipName(clip);

    /// <summary>The clip's name as the camera gave it (else its file name): what a CDL's ColorCorrection id matches.</summary>
    public static string ClipName(ClipRecord clip) => clip.Clip ?? Path.GetFileNameWithoutExtension(clip.Path);

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

    /// <summary>One clip's catalog row by id, or null.</summary>
    public static ClipDocument? Document(CatalogDatabase catalog, string clipId) => catalog.Read(db => Collection(db).FindById(clipId));

    /// <summary>The clip rows of a card (every clip when <paramref name="cardId"/> is null), in id order.</summary>
    public static IReadOnlyList<ClipDocument> Documents(CatalogDatabase catalog, string? cardId = null) => catalog.Read(db =>
        (cardId is null ? Collection(db).FindAll() : Collection(db).Find(c => c.CardId == cardId)).OrderBy(c => c.Id, StringComparer.Ordinal).ToList());

    /// <summary>
    /// The catalogued clip a file belongs to, found from its path in a copy (or the source) of an offloaded card: the card
    /// whose destination or source folder holds the file, then the clip whose main file it is. Null when none matches.
    /// </summary>
    public static (ClipDocument Clip, CardDocument Card)? FindByFile(CatalogDatabase catalog, string file)
    {
        var full = System.IO.Path.GetFullPath(file);
        return catalog.Read(db =>
        {
            foreach (var card in db.GetCollection<CardDocument>(CatalogCollections.Cards).FindAll())
            {
                foreach (var root in card.Destinations.Select(d => d.Path).Append(card.SourcePath).Where(r => r.Length > 0))
                {
                    var relative = System.IO.Path.GetRelativePath(System.IO.Path.GetFullPath(root), full).Replace('\\', '/');
                    if (relative.StartsWith("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(relative))
                    {
                        continue;
                    }

                    var cardId = card.Id;
                    if (Collection(db).FindOne(c => c.CardId == cardId && c.Path == relative) is { } clip)
                    {
                        return ((ClipDocument, CardDocument)?)(clip, card);
                    }
                }
            }

            return null;
        });
    }

    /// <summary>A clip with what the catalog holds about its take: the read model behind the API and the dashboard.</summary>
    public static IReadOnlyList<ClipView> Views(CatalogDatabase catalog, string? cardId = null) => catalog.Read(db =>
        (cardId is null ? Collection(db).FindAll() : Collection(db).Find(c => c.CardId == cardId))
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .Select(c => View(db, c))
            .ToList());

    /// <summary>One clip's read model, or null.</summary>
    public static ClipView? View(CatalogDatabase catalog, string clipId) => catalog.Read(db =>
        Collection(db).FindById(clipId) is { } clip ? View(db, clip) : null);

    private static ClipView View(ILiteDatabase db, ClipDocument clip) => new(
        clip,
        db.GetCollection<LightingDocument>(CatalogCollections.Lighting).FindById(clip.Id),
        db.GetCollection<LookDocument>(CatalogCollections.Looks).FindById(clip.Id));

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

/// <summary>A clip row with its lighting record and look (each null when the take has none yet).</summary>
public sealed record ClipView(ClipDocument Clip, LightingDocument? Lighting, LookDocument? Look);
