using InterPositive.Catalog;
using InterPositive.Catalog.Shots;
using InterPositive.Formats.Clips;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using RelightColour = InterPositive.Relight.Colour;

namespace InterPositive.Host.Service.Stages;

/// <summary>
/// A clip's relight preview set: every preset the DIT configured, made with the take's parameters (not per frame, so
/// previews do not flicker), stored beside the clip (LookDocument.PreviewsJson) with its shot message in one transaction.
/// </summary>
public sealed class ClipPreviews(CatalogDatabase catalog, IRelightModel model, TimeProvider time, ILogger log, InterPositive.Media.MediaTools? media = null)
{
    private readonly PreviewSetMaker _maker = new(model, time, media: media);

    /// <summary>The presets from configuration in the relight library's terms.</summary>
    public static List<RelightPreset> Presets(IEnumerable<RelightPresetOptions> configured) =>
        [.. configured.Select(p => new RelightPreset(
            p.Name,
            p.Cct,
            p.Tint,
            p.Exposure,
            string.IsNullOrWhiteSpace(p.Key) ? null : KeyChange.Parse(p.Key)))];

    /// <summary>How a clip is decoded for relighting: its camera's curve, gamut and white balance from its metadata.</summary>
    public static RelightSettings BaseSettings(ClipDocument clip)
    {
        var metadata = ClipRecord.FromJson(clip.ClipJson);
        var (curve, gamut) = ClipLighting.CameraDefaults(clip) ?? (LogCurve.Bt1886, Gamut.Rec709);
        return new RelightSettings
        {
            InputCurve = RelightColour.TransferCurve.From(curve),
            CameraGamut = gamut,
            CameraKelvin = metadata.WhiteBalanceK ?? 5600,
            CameraTint = metadata.Tint ?? 0,
        };
    }

    public async Task<PreviewSetRecord> MakeAsync(ClipDocument clip, string cardRoot, IReadOnlyList<RelightPreset> presets, string dataFolder, long previewFrames, CancellationToken cancellationToken)
    {
        var settings = BaseSettings(clip);
        var record = await _maker.MakeAsync(Path.Combine(cardRoot, clip.Path), clip.Id, settings, presets, dataFolder, previewFrames, cancellationToken);
        catalog.Write(tx =>
        {
            var looks = tx.Database.GetCollection<LookDocument>(CatalogCollections.Looks);
            var look = looks.FindById(clip.Id) ?? new LookDocument { ClipId = clip.Id };
            look.PreviewsJson = record.ToJson();
            look.UpdatedAt = tx.Now;
            looks.Upsert(look);
            ShotRecords.Enqueue(tx, clip.Id);
        });
        log.Information("Previews for {Clip}: {Count} presets with {Model}", clip.Id, record.Previews.Count, record.Model);
        return record;
    }
}
