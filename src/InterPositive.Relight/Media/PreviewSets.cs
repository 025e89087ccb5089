using System.Text.Json;
using InterPositive.Media;
using InterPositive.Relight.Models;

namespace InterPositive.Relight.Media;

/// <summary>A clip's relight previews: one entry per preset, paths relative to the data folder.</summary>
public sealed record PreviewSetRecord(string ClipId, string Model, string ModelVersion, DateTimeOffset MadeAt, List<PreviewEntry> Previews)
{
    /// <summary>The JSON the catalog keeps (LookDocument.PreviewsJson).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, RelightJsonContext.Default.PreviewSetRecord);
}

/// <summary>One preset's preview of a clip: a poster still and, when asked, an H.264 preview clip.</summary>
public sealed record PreviewEntry(string Preset, string Poster, string? Clip, RelightReport Report);

/// <summary>
/// Makes a clip's preview set from the presets the DIT configured: the service calls this for every new clip and
/// stores the record beside the clip (LookDocument.PreviewsJson) in the same catalog transaction as its outbox message.
/// Every preset runs with the take's parameters prepared once, so the preview clips do not flicker.
/// </summary>
public sealed class PreviewSetMaker
{
    private readonly Relighter _relighter;
    private readonly IRelightModel _model;
    private readonly TimeProvider _time;

    public PreviewSetMaker(IRelightModel model, TimeProvider time, BuiltInModel? before = null, MediaTools? media = null)
    {
        _model = model;
        _time = time;
        _relighter = new Relighter(model, time, before, media);
    }

    /// <param name="clipPath">The clip on the destination drive.</param>
    /// <param name="clipId">The catalog's clip id (card id + clip name).</param>
    /// <param name="baseSettings">The take's decoding and grade: curve, gamut, camera white balance, CDL, output.</param>
    /// <param name="presets">The DIT's presets.</param>
    /// <param name="dataFolder">The appliance's data folder; previews go under <c>previews/&lt;clip id&gt;/</c> in it.</param>
    /// <param name="previewFrames">Frames per preview clip; 0 for posters only.</param>
    /// <param name="cancellationToken">Stops the set between and inside presets.</param>
    public async Task<PreviewSetRecord> MakeAsync(string clipPath, string clipId, RelightSettings baseSettings, IReadOnlyList<RelightPreset> presets, string dataFolder, long previewFrames, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(dataFolder, "previews", Safe(clipId));
        Directory.CreateDirectory(folder);
        var entries = new List<PreviewEntry>(presets.Count);
        foreach (var preset in presets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var settings = baseSettings.With(preset) with { Output = OutputKind.Display };
            var stem = Path.Combine(folder, Safe(preset.Name));
            var isClip = Ffmpeg.IsClip(clipPath);
            var posterPattern = stem + "_poster_%01d.jpg";
            var report = await _relighter.RunAsync(
                new RelightRequest(clipPath, isClip ? posterPattern : stem + "_poster.jpg", settings, MaxFrames: 1), cancellationToken);
            var poster = isClip ? SequenceNames.Frame(posterPattern, 0) : stem + "_poster.jpg";
            string? clip = null;
            if (isClip && previewFrames > 0)
            {
                clip = stem + ".mp4";
                report = await _relighter.RunAsync(new RelightRequest(clipPath, clip, settings, MaxFrames: previewFrames), cancellationToken);
            }

            entries.Add(new PreviewEntry(preset.Name, Path.GetRelativePath(dataFolder, poster), clip is null ? null : Path.GetRelativePath(dataFolder, clip), report));
        }

        return new PreviewSetRecord(clipId, _model.Name, _model.Version, _time.GetUtcNow(), entries);
    }

    /// <summary>Reads the presets file the DIT edits (a JSON array of presets).</summary>
    public static List<RelightPreset> ReadPresets(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, RelightJsonContext.Default.ListRelightPreset)
                ?? throw new InterPositive.Formats.MalformedInputException("presets file is empty", source);
        }
        catch (JsonException error)
        {
            throw new InterPositive.Formats.MalformedInputException($"presets are not valid JSON: {error.Message}", source, error.BytePositionInLine, error.Path, error);
        }
    }

    private static string Safe(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
