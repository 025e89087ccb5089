using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Lighting;
using InterPositive.Catalog.Looks;
using InterPositive.Catalog.Takes;
using InterPositive.Formats.Clips;
using InterPositive.Lighting;
using InterPositive.Lighting.Colour;
using InterPositive.Media;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using RelightColour = InterPositive.Relight.Colour;

namespace InterPositive.Takes;

/// <summary>
/// A clip's relight preview set: every preset the DIT configured, made with the take's parameters (not per frame, so
/// previews do not flicker), stored beside the clip (LookDocument.PreviewsJson) with its shot message in one transaction.
/// </summary>
public sealed class ClipPreviews(CatalogDatabase catalog, IRelightModel model, TimeProvider time, ILogger log, MediaTools? media = null)
{
    private readonly PreviewSetMaker _maker = new(model, time, media: media);

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

    /// <summary>
    /// The take's source lamp from its stored lighting record, in the same white-balance terms as <paramref name="settings"/>;
    /// null when there is none to use (the relighter then measures the frames it relights).
    /// </summary>
    public static SourceLamp? StoredLamp(CatalogDatabase catalog, string clipId, RelightSettings settings)
    {
        if (LightingStore.Find(catalog, clipId) is not { } document)
        {
            return null;
        }

        LightingRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(document.LightingJson, LightingJsonContext.Default.LightingRecord);
        }
        catch (JsonException)
        {
            return null;
        }

        // A record measured without the camera's white balance describes the picture, not the light.
        if (record?.Light.Cct is null || record.WhiteBalanceK is not { } wb || Math.Abs(wb - settings.CameraKelvin) > 1)
        {
            return null;
        }

        return SourceLamps.FromLight(record.Light, settings, "lighting record");
    }

    /// <summary>The take's decoding and its source lamp (stored, or measured by the relighter).</summary>
    public RelightSettings SettingsFor(ClipDocument clip)
    {
        var settings = BaseSettings(clip);
        return settings with { SourceLamp = StoredLamp(catalog, clip.Id, settings) };
    }

    public async Task<PreviewSetRecord> MakeAsync(ClipDocument clip, string cardRoot, IReadOnlyList<RelightPreset> presets, string dataFolder, long previewFrames, CancellationToken cancellationToken)
    {
        var settings = SettingsFor(clip);
        // The DIT's look is part of what the previews show: the graph applies the clip's ASC CDL before display.
        if (LookStore.Find(catalog, clip.Id) is { } look)
        {
            settings = settings with { Cdl = CdlBridge.ToValues(look) };
        }

        var record = await _maker.MakeAsync(Path.Combine(cardRoot, clip.Path), clip.Id, settings, presets, dataFolder, previewFrames, cancellationToken);
        TakeStore.SavePreviews(catalog, clip.Id, record.ToJson());
        log.Information("Previews for {Clip}: {Count} presets with {Model}", clip.Id, record.Previews.Count, record.Model);
        return record;
    }
}
