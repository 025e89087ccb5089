using System.Globalization;
using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Lighting;
using InterPositive.Formats;
using InterPositive.Formats.Images;
using InterPositive.Lighting;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Media;

namespace InterPositive.Takes;

/// <summary>
/// The lighting of a take from its clip: decoded by ffmpeg to 16-bit RGB on a pipe (one frame in memory at a time),
/// measured per frame and per take, compared with the previous take of the scene, and stored with the clip so the shot
/// record, its continuity and flicker alerts go to post in one transaction. Used by the analyze verb, the service's
/// lighting stage and the demo. <paramref name="sensorsDuring"/> gives the light-sensor readings taken during a take.
/// </summary>
public sealed class ClipLighting(CatalogDatabase? catalog, ILogger log, Func<Formats.Clips.ClipRecord, LightingRecord, IReadOnlyList<SensorSample>>? sensorsDuring = null, MediaTools? media = null)
{
    private readonly MediaTools _media = media ?? MediaTools.Default;

    /// <summary>Analyses a clip file; <paramref name="size"/> scales the decode when given.</summary>
    public static async Task<LightingRecord> AnalyseClipAsync(string path, (int Width, int Height) size, bool scale, AnalysisSettings settings, int limit, CancellationToken cancellationToken, MediaTools? media = null)
    {
        var arguments = new List<string> { "-v", "error", "-nostdin", "-i", path, "-map", "0:v:0" };
        if (scale)
        {
            arguments.AddRange(["-vf", FormattableString.Invariant($"scale={size.Width}:{size.Height}")]);
        }

        arguments.AddRange(["-f", "rawvideo", "-pix_fmt", "rgb48le", "-"]);
        var take = new TakeAnalyzer(settings);
        await using (var process = (media ?? MediaTools.Default).StartFfmpeg(arguments, path))
        {
            using var reader = new Rgb48FrameReader(process.Stdout, size.Width, size.Height, path);
            while (take.FrameCount < limit && await reader.ReadAsync(cancellationToken))
            {
                take.AddFrame(reader.Samples, size.Width, size.Height, 3, 16);
            }

            if (take.FrameCount == 0)
            {
                await process.WaitForExitAsync(cancellationToken);
                var stderr = process.Errors.Trim();
                throw new MalformedInputException($"ffmpeg decoded no frames{(stderr.Length > 0 ? ": " + MediaProcess.LastLine(stderr) : "")}", path);
            }
        }

        return take.Build(path);
    }

    /// <summary>Picture size and frame rate of a clip, from ffprobe.</summary>
    public static async Task<(int Width, int Height, double? Fps)> ProbeAsync(string path, CancellationToken cancellationToken, MediaTools? media = null)
    {
        ProbeResult probe;
        try
        {
            probe = await (media ?? MediaTools.Default).ProbeAsync(path, cancellationToken);
        }
        catch (MalformedInputException e)
        {
            throw new MalformedInputException($"not a still ffmpeg can decode as video: {e.Cause}", path);
        }

        if (probe.Video is not { Width: { } width, Height: { } height } video)
        {
            throw new MalformedInputException("not a still ffmpeg can decode as video: no video stream with a size", path);
        }

        return (width, height, video.Rate?.FramesPerSecond);
    }

    /// <summary>The camera's default log curve and gamut from a catalogued clip's metadata (make, model, gamma).</summary>
    public static (LogCurve Curve, Gamut Gamut)? CameraDefaults(ClipDocument clip)
    {
        string? make = null, model = null, gamma = null;
        try
        {
            using var json = JsonDocument.Parse(clip.ClipJson);
            foreach (var (name, value) in Flatten(json.RootElement))
            {
                var key = name.ToUpperInvariant();
                if (key is "MAKE" or "MANUFACTURER" or "CAMERAMAKE" or "CAMERAMANUFACTURER")
                {
                    make ??= value;
                }
                else if (key is "MODEL" or "CAMERAMODEL")
                {
                    model ??= value;
                }
                else if (key.Contains("GAMMA", StringComparison.Ordinal) || key.Contains("TRANSFER", StringComparison.Ordinal) || key.Contains("COLORSPACE", StringComparison.Ordinal) || key.Contains("COLOURSPACE", StringComparison.Ordinal) || key.Contains("LOOK", StringComparison.Ordinal))
                {
                    gamma = gamma is null ? value : gamma + " " + value;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return Lighting.CameraDefaults.Lookup(make, model, gamma);
    }

    /// <summary>
    /// Analyses a catalogued clip from a copy of its card (<paramref name="cardRoot"/>), with the camera's curve, gamut,
    /// white balance and shutter from its metadata, and stores the record with its alerts.
    /// </summary>
    public async Task<(LightingRecord Record, List<LightingAlert> Alerts)> AnalyseAndStoreAsync(ClipDocument clip, string cardRoot, int limit, CancellationToken cancellationToken)
    {
        var record = await AnalyseAsync(clip, Path.Combine(cardRoot, clip.Path), limit, cancellationToken);
        return (record, Store(clip.Id, record));
    }

    /// <summary>
    /// Measures a catalogued clip's file with the camera's curve, gamut, white balance and shutter from its typed clip
    /// record (the same settings for the service and the analyze verb), and the light-sensor readings of the take.
    /// </summary>
    public async Task<LightingRecord> AnalyseAsync(ClipDocument clip, string path, int limit, CancellationToken cancellationToken)
    {
        var defaults = CameraDefaults(clip) ?? (LogCurve.Bt1886, Gamut.Rec709);
        var metadata = Formats.Clips.ClipRecord.FromJson(clip.ClipJson);
        var probe = await ProbeAsync(path, cancellationToken, _media);
        var settings = new AnalysisSettings(defaults.Curve, defaults.Gamut, metadata.WhiteBalanceK, metadata.Fps ?? probe.Fps ?? 24, null, metadata.ShutterAngle);
        var record = await AnalyseClipAsync(path, (probe.Width, probe.Height), false, settings, limit, cancellationToken, _media);
        if (sensorsDuring?.Invoke(metadata, record) is { Count: > 0 } readings)
        {
            record = record with { Sensors = [.. record.Sensors, .. readings] };
        }

        return record;
    }

    /// <summary>Compares with the scene's previous take, raises flicker and continuity alerts, and stores it all.</summary>
    public List<LightingAlert> Store(string clipId, LightingRecord record)
    {
        var store = catalog ?? throw new InvalidOperationException("no catalog to store the lighting record in");
        var alerts = new List<LightingAlert>();
        string? referenceClip = null;
        if (LightingStore.FindReference(store, clipId) is { } reference
            && JsonSerializer.Deserialize(reference.Lighting.LightingJson, LightingJsonContext.Default.LightingRecord) is { } previous)
        {
            referenceClip = reference.Clip.Id;
            alerts.AddRange(Continuity.Compare(previous, record, referenceClip));
        }

        if (record.Flicker.Detected && !alerts.Exists(a => a.Kind == "flicker"))
        {
            var f = record.Flicker.FrequencyHz ?? 0;
            alerts.Add(new LightingAlert("flicker", FormattableString.Invariant($"flicker at {f:0.#} Hz, {record.Flicker.DepthPct:0.#} % deep; safe shutters {string.Join("°, ", record.Flicker.SafeShutterAngles.Take(4))}°"), referenceClip, f, 0));
        }

        var events = alerts.Select(a => (
            a.Kind == "flicker" ? LightingStore.FlickerEvent : LightingStore.ContinuityEvent,
            $"{{\"clipId\":\"{JsonEncodedText.Encode(clipId)}\",\"kind\":\"{a.Kind}\",\"message\":\"{JsonEncodedText.Encode(a.Message)}\",\"referenceClip\":{(a.ReferenceClip is null ? "null" : $"\"{JsonEncodedText.Encode(a.ReferenceClip)}\"")},\"delta\":{a.Delta.ToString("R", CultureInfo.InvariantCulture)},\"threshold\":{a.Threshold.ToString("R", CultureInfo.InvariantCulture)}}}"))
            .ToList();
        LightingStore.Save(
            store,
            clipId,
            JsonSerializer.Serialize(record, LightingJsonContext.Default.LightingRecord),
            JsonSerializer.Serialize(alerts, LightingJsonContext.Default.ListLightingAlert),
            events);
        foreach (var alert in alerts)
        {
            log.Warning("Lighting alert on {Clip}: {Message}", clipId, alert.Message);
        }

        return alerts;
    }

    private static IEnumerable<(string Name, string Value)> Flatten(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                yield return (property.Name, property.Value.GetString()!);
            }
            else if (property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var inner in Flatten(property.Value))
                {
                    yield return inner;
                }
            }
        }
    }
}
