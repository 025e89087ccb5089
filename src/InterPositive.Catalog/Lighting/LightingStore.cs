using LiteDB;

namespace InterPositive.Catalog.Lighting;

/// <summary>
/// Stores per-take lighting records and their alerts with the clip, and tells post in the same transaction. The record
/// and alerts arrive as JSON (the Lighting project's source-generated contract), so the catalog stays free of the
/// analysis code.
/// </summary>
public static class LightingStore
{
    /// <summary>Event kinds raised on the event stream for lighting alerts.</summary>
    public const string ContinuityEvent = "continuity-alert";

    public const string FlickerEvent = "flicker-alert";

    /// <summary>
    /// Upserts the clip's lighting record and alerts; when the clip is in the catalog, enqueues its retained shot record
    /// (which carries the lighting) and one event per alert (<paramref name="events"/>: event kind and JSON object), all
    /// in one transaction.
    /// </summary>
    public static LightingDocument Save(CatalogDatabase catalog, string clipId, string lightingJson, string alertsJson, IReadOnlyList<(string EventKind, string BodyJson)>? events = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clipId);
        return catalog.Write(tx =>
        {
            var document = new LightingDocument
            {
                ClipId = clipId,
                LightingJson = lightingJson,
                AlertsJson = alertsJson,
                UpdatedAt = tx.Now,
            };
            tx.Database.GetCollection<LightingDocument>(CatalogCollections.Lighting).Upsert(document);
            if (tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips).FindById(clipId) is not null)
            {
                Shots.ShotRecords.Enqueue(tx, clipId);
            }

            foreach (var (kind, body) in events ?? [])
            {
                Shots.ShotRecords.EnqueueEvent(tx, kind, body);
            }

            return document;
        });
    }

    public static LightingDocument? Find(CatalogDatabase catalog, string clipId) =>
        catalog.Read(db => db.GetCollection<LightingDocument>(CatalogCollections.Lighting).FindById(clipId));

    /// <summary>
    /// The take to compare <paramref name="clipId"/> with for continuity: the latest other clip of the same scene (and
    /// camera, when known) that already has a lighting record, preferring an earlier take number. Null when the clip is
    /// unknown, has no scene, or is the first of its scene.
    /// </summary>
    public static (ClipDocument Clip, LightingDocument Lighting)? FindReference(CatalogDatabase catalog, string clipId) => catalog.Read(db =>
    {
        var clips = db.GetCollection<ClipDocument>(CatalogCollections.Clips);
        var clip = clips.FindById(clipId);
        if (clip?.Scene is not { Length: > 0 } scene)
        {
            return ((ClipDocument, LightingDocument)?)null;
        }

        var lighting = db.GetCollection<LightingDocument>(CatalogCollections.Lighting);
        var candidates = clips.Find(Query.EQ(nameof(ClipDocument.Scene), scene))
            .Where(c => c.Id != clipId && (clip.Camera is null || c.Camera is null || c.Camera == clip.Camera))
            .Select(c => (Clip: c, Lighting: lighting.FindById(c.Id)))
            .Where(p => p.Lighting is not null)
            .OrderBy(p => TakeNumber(p.Clip.Take) < TakeNumber(clip.Take) ? 0 : 1)
            .ThenByDescending(p => TakeNumber(p.Clip.Take))
            .ThenByDescending(p => p.Lighting.UpdatedAt)
            .ToList();
        return candidates.Count == 0 ? null : (candidates[0].Clip, candidates[0].Lighting);
    });

    private static int TakeNumber(string? take) =>
        int.TryParse(new string((take ?? "").Where(char.IsAsciiDigit).ToArray()), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
}
