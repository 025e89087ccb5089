using System.Text.Json.Serialization;
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
    FeedCamera? Camera,
    SortedDictionary<string, long> Anc,
    FeedErrorReport Errors,
    IReadOnlyList<string> Events);

public sealed record FeedTimecodeReport(string? First, string? Last, long Discontinuities);

public sealed record FeedErrorReport(long Parity, long Checksum, long Truncated, long Undecodable);

/// <summary>
/// Camera metadata from a feed, with the keys of the clip record that <c>clips --json</c> prints (null where a live
/// feed cannot know them: reel, clip, scene, take, duration).
/// </summary>
public sealed record FeedCamera(
    string? Path,
    FeedCameraIdentity Camera,
    string? Reel,
    string? Clip,
    string? Scene,
    string? Take,
    FeedCameraTimecode? Timecode,
    double? Fps,
    int? Width,
    int? Height,
    string? Codec,
    long? DurationFrames,
    int? Iso,
    int? ExposureIndex,
    int? WhiteBalanceK,
    double? Tint,
    double? ShutterAngle,
    double? ShutterSeconds,
    double? Nd,
    FeedLens Lens)
{
    /// <summary>The clip-record view of RDD 18 items, the format and the first timecode of a feed.</summary>
    public static FeedCamera From(string source, AcquisitionMetadata m, VideoFormat? format, Formats.Timecode? first) => new(
        Path: source,
        Camera: FeedCameraIdentity.Parse(m.CameraAttributes),
        Reel: null,
        Clip: null,
        Scene: null,
        Take: null,
        Timecode: first is { } tc ? new FeedCameraTimecode(tc.ToString(), tc.Rate.ToDecimalString(), tc.Rate.DropFrame) : null,
        Fps: m.CaptureFrameRate ?? format?.Rate.FramesPerSecond,
        Width: format?.Width,
        Height: format?.Height,
        Codec: format?.Pixel.ToString().ToLowerInvariant(),
        DurationFrames: null,
        Iso: m.Iso,
        ExposureIndex: m.ExposureIndex,
        WhiteBalanceK: m.WhiteBalanceKelvin,
        Tint: null,
        ShutterAngle: m.ShutterAngleDegrees,
        ShutterSeconds: m.ShutterTimeSeconds,
        Nd: m.NdFilter,
        Lens: new FeedLens(m.LensAttributes, null, m.FocalLengthMm, m.IrisFNumber, m.IrisTNumber, m.FocusDistanceMetres));
}

public sealed record FeedCameraIdentity(string? Make, string? Model, string? Serial)
{
    private static readonly string[] SerialMarkers = ["SN", "S/N", "SN:", "S/N:", "#"];

    /// <summary>
    /// RDD 18 CameraAttributes is free text ("ARRI ALEXA 35 SN 60123"): the first word is taken as the make, a word
    /// after "SN"/"S/N" as the serial, the rest as the model.
    /// </summary>
    public static FeedCameraIdentity Parse(string? attributes)
    {
        if (string.IsNullOrWhiteSpace(attributes))
        {
            return new FeedCameraIdentity(null, null, null);
        }

        var words = attributes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        string? serial = null;
        var at = words.FindIndex(w => SerialMarkers.Contains(w, StringComparer.OrdinalIgnoreCase));
        if (at >= 0 && at + 1 < words.Count)
        {
            serial = words[at + 1];
            words.RemoveRange(at, 2);
        }

        var make = words.Count > 1 ? words[0] : null;
        var model = words.Count > 1 ? string.Join(' ', words.Skip(1)) : words.FirstOrDefault();
        return new FeedCameraIdentity(make, model, serial);
    }
}

public sealed record FeedCameraTimecode(string Start, string Rate, bool DropFrame);

public sealed record FeedLens(string? Model, string? Serial, double? FocalLengthMm, double? FNumber, double? TStop, double? FocusDistanceM);

/// <summary>A once-a-second line for the console and the dashboard.</summary>
public sealed record FeedTick(string Feed, string? Timecode, long Frames, long Dropped, long Repeated, double FramesPerSecond, IReadOnlyList<string> CameraChanges);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(FeedReport))]
[JsonSerializable(typeof(FeedStatus))]
[JsonSerializable(typeof(FeedTick))]
[JsonSerializable(typeof(FeedEvent))]
[JsonSerializable(typeof(List<FeedReport>))]
public sealed partial class FeedsJsonContext : JsonSerializerContext;
