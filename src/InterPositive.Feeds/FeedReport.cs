using System.Text.Json.Serialization;
using System.Globalization;
using InterPositive.Formats.Clips;
using InterPositive.Formats.Rdd18;

namespace InterPositive.Feeds;

/// <summary>What <c>interpositive feed --json</c> prints at the end, and what the service reports per feed.</summary>
public sealed record FeedReport(
    string Feed,
    string Source,
    string? Format,
    long Frames,
    long Dropped,
    long Repeated,
    long AnalysisSkipped,
    FeedTimecodeReport Timecode,
    ClipRecord? Camera,
    SortedDictionary<string, long> Anc,
    FeedErrorReport Errors,
    IReadOnlyList<string> Events)
{
    /// <summary>The live lighting summary of the last analysis window (null when lighting analysis was off).</summary>
    public Lighting.LightingRecord? Lighting { get; init; }

    /// <summary>Packet-level counts of an ST 2110 receiver (null for other sources).</summary>
    public Sources.St2110Report? St2110 { get; init; }
}

public sealed record FeedTimecodeReport(string? First, string? Last, long Discontinuities);

public sealed record FeedErrorReport(long Parity, long Checksum, long Truncated, long Undecodable);

/// <summary>Camera metadata from a feed as the clip record that <c>clips --json</c> prints (same keys).</summary>
public static class FeedCamera
{
    /// <summary>
    /// The clip-record view of a feed's RDD 18 items, format and first timecode. Reel, clip, scene, take and duration
    /// stay null: a live feed does not say them. The RDD 18 values go on through the clip readers' own mapping, so a
    /// feed rounds and names them exactly as <c>clips</c> does (ND as optical density).
    /// </summary>
    public static ClipRecord From(string source, AcquisitionMetadata m, VideoFormat? format, Formats.Timecode? first) => Formats.Mxf.MxfClip.ApplyAcquisition(
        new ClipRecord
        {
            Path = source,
            Camera = ParseCameraAttributes(m.CameraAttributes),
            Timecode = first is { } tc ? TimecodeInfo.From(tc) : null,
            Fps = m.CaptureFrameRate ?? format?.Rate.FramesPerSecond,
            Width = format?.Width,
            Height = format?.Height,
            Codec = format?.Pixel.ToString().ToLowerInvariant(),
        },
        m);

    private static readonly string[] SerialMarkers = ["SN", "S/N", "SN:", "S/N:", "#"];

    /// <summary>
    /// RDD 18 CameraAttributes is free text ("ARRI ALEXA 35 SN 60123"): the first word is taken as the make, a word
    /// after "SN"/"S/N" as the serial, the rest as the model.
    /// </summary>
    public static CameraInfo ParseCameraAttributes(string? attributes)
    {
        if (string.IsNullOrWhiteSpace(attributes))
        {
            return new CameraInfo();
        }

        var words = attributes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        string? serial = null;
        var at = words.FindIndex(w => SerialMarkers.Contains(w, StringComparer.OrdinalIgnoreCase));
        if (at >= 0 && at + 1 < words.Count)
        {
            serial = words[at + 1];
            words.RemoveRange(at, 2);
        }

        return new CameraInfo
        {
            Make = words.Count > 1 ? words[0] : null,
            Model = words.Count > 1 ? string.Join(' ', words.Skip(1)) : words.FirstOrDefault(),
            Serial = serial,
        };
    }
}

/// <summary>A once-a-second line for the console and the dashboard.</summary>
public sealed record FeedTick(string Feed, string? Timecode, long Frames, long Dropped, long Repeated, double FramesPerSecond, IReadOnlyList<string> CameraChanges);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(FeedReport))]
[JsonSerializable(typeof(FeedStatus))]
[JsonSerializable(typeof(FeedTick))]
[JsonSerializable(typeof(FeedEvent))]
[JsonSerializable(typeof(List<FeedReport>))]
public sealed partial class FeedsJsonContext : JsonSerializerContext;
