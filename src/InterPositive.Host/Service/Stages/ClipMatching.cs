using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Lighting;
using InterPositive.Catalog.Looks;
using InterPositive.Lighting;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;
using InterPositive.Relight.Passes;
using InterPositive.Takes;

namespace InterPositive.Host.Service.Stages;

/// <summary>A clip found in the catalog for matching: its file (a verified copy), its camera's decoding and its lighting record.</summary>
public sealed record CatalogTake(string ClipId, string File, RelightSettings Decoding, LightingRecord? Record);

/// <summary>
/// Matching takes against the catalog, one way for the match verb, the API and the dashboard: finds clips and their
/// lighting records, offers the match of a take with a continuity alert to the take it was compared with (rendered on
/// its first frames through <see cref="TakeMatcher"/>), and records the DIT's decision through <see cref="MatchStore"/>,
/// which sends an accepted match to post with the shot.
/// </summary>
public sealed class ClipMatching(CatalogDatabase catalog, string dataFolder, TimeProvider time, ILogger log)
{
    /// <summary>Frames of a clip rendered for an offer's preview.</summary>
    public const int PreviewFrames = 1;

    /// <summary>The clip with this id, or whose file is at <paramref name="idOrPath"/> (a verified copy's path); null when the catalog has neither.</summary>
    public CatalogTake? Find(string idOrPath)
    {
        var full = File.Exists(idOrPath) || Directory.Exists(idOrPath) ? Path.GetFullPath(idOrPath) : null;
        var found = catalog.Read(db =>
        {
            var clips = db.GetCollection<ClipDocument>(CatalogCollections.Clips);
            var cards = db.GetCollection<CardDocument>(CatalogCollections.Cards);
            if (clips.FindById(idOrPath) is { } byId)
            {
                return (byId, cards.FindById(byId.CardId));
            }

            if (full is null)
            {
                return ((ClipDocument, CardDocument?)?)null;
            }

            foreach (var clip in clips.FindAll())
            {
                var card = cards.FindById(clip.CardId);
                if (card?.Destinations.Any(d => string.Equals(Path.GetFullPath(Path.Combine(d.Path, clip.Path)), full, StringComparison.Ordinal)) == true)
                {
                    return (clip, card);
                }
            }

            return null;
        });
        if (found is not ({ } clipDocument, var cardDocument))
        {
            return null;
        }

        var file = full ?? cardDocument?.Destinations.Where(d => d.Status == CardStatus.Verified).Select(d => Path.Combine(d.Path, clipDocument.Path)).FirstOrDefault(File.Exists);
        if (file is null)
        {
            return null;
        }

        LightingRecord? record = null;
        if (LightingStore.Find(catalog, clipDocument.Id)?.LightingJson is { } json)
        {
            try
            {
                // A record of no frames (a document holding only alerts) is no measurement: the take is analysed instead.
                record = JsonSerializer.Deserialize(json, LightingJsonContext.Default.LightingRecord) is { Frames: > 0 } stored ? stored : null;
            }
            catch (JsonException error)
            {
                log.Warning("Lighting record of {Clip} does not parse, measuring afresh: {Error}", clipDocument.Id, error.Message);
            }
        }

        return new CatalogTake(clipDocument.Id, file, ClipPreviews.BaseSettings(clipDocument), record);
    }

    /// <summary>
    /// Offers the match of <paramref name="clipId"/> to the take its continuity alerts compared it with (or, with no
    /// alert, the scene's reference take): rendered on its first frames, stored as offered. Null when the clip, its
    /// reference or a verified copy of either is missing.
    /// </summary>
    public async Task<MatchDocument?> OfferAsync(string clipId, IRelightModel model, CancellationToken cancellationToken)
    {
        var take = Find(clipId);
        var referenceId = ReferenceOf(clipId);
        var reference = referenceId is null ? null : Find(referenceId);
        if (take is null || reference is null)
        {
            return null;
        }

        var folder = Path.Combine(dataFolder, "matches", string.Concat(clipId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')));
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var output = Path.Combine(folder, Relight.Media.Ffmpeg.IsClip(take.File) ? "match_%06d.png" : "match" + PreviewExtension(take.File));
        var request = new MatchRequest(take.File, reference.File, output, take.Decoding.InputCurve, take.Decoding.CameraGamut, take.Record, reference.Record, take.Decoding.CameraKelvin, MaxFrames: PreviewFrames);
        var report = await new TakeMatcher(model, time).RunAsync(request, cancellationToken);
        var adjustment = JsonSerializer.Serialize(report.Adjustment(reference.ClipId), PostToolsJsonContext.Default.MatchAdjustment);
        var preview = Path.GetRelativePath(dataFolder, output.Contains('%', StringComparison.Ordinal) ? Relight.Media.SequenceNames.Frame(output, 0) : output);
        log.Information("Match of {Clip} to {Reference} offered: exposure {Stops} stops, lamp {From} K to {To} K", clipId, reference.ClipId, report.Changes.ExposureStops, report.Changes.FromKelvin, report.Changes.ToKelvin);
        return MatchStore.Offer(catalog, clipId, reference.ClipId, adjustment, preview);
    }

    /// <summary>The DIT's decision; null when nothing was offered.</summary>
    public MatchDocument? Decide(string clipId, bool accept)
    {
        var decided = MatchStore.Decide(catalog, clipId, accept);
        if (decided is not null)
        {
            log.Information("Match of {Clip} to {Reference} {Decision}", clipId, decided.ReferenceClip, decided.Status);
        }

        return decided;
    }

    /// <summary>The take the clip's continuity alerts name, else the scene's reference take.</summary>
    private string? ReferenceOf(string clipId)
    {
        if (LightingStore.Find(catalog, clipId)?.AlertsJson is { } alertsJson)
        {
            try
            {
                var alerts = JsonSerializer.Deserialize(alertsJson, LightingJsonContext.Default.ListLightingAlert);
                if (alerts?.FirstOrDefault(a => a.Kind != "flicker" && a.ReferenceClip is not null)?.ReferenceClip is { } named)
                {
                    return named;
                }
            }
            catch (JsonException)
            {
            }
        }

        return LightingStore.FindReference(catalog, clipId)?.Clip.Id;
    }

    private static string PreviewExtension(string file) => Path.GetExtension(file).ToLowerInvariant() is ".dpx" ? ".dpx" : ".png";
}
