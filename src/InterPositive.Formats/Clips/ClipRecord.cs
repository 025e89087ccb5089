using System.Text.Json;
using System.Text.Json.Serialization;

namespace InterPositive.Formats.Clips;

/// <summary>
/// The normalised clip record, the same for every camera: what <c>interpositive clips --json</c> prints, what the
/// catalog stores and what post receives. Every value is null when the media does not say; <see cref="Errors"/>
/// lists what could not be read. Readers fill a partial record each; <see cref="OverlaidWith"/> lets a sidecar win.
/// </summary>
public sealed record ClipRecord
{
    /// <summary>The clip's main file, relative to the card root (forward slashes).</summary>
    public string Path { get; init; } = "";

    public CameraInfo Camera { get; init; } = new();

    /// <summary>Camera roll / reel name (e.g. A002, A_0076_1CTJ).</summary>
    public string? Reel { get; init; }

    /// <summary>Clip name as the camera writes it (e.g. A002C006_141024_R2EC).</summary>
    public string? Clip { get; init; }

    public string? Scene { get; init; }

    public string? Take { get; init; }

    public TimecodeInfo? Timecode { get; init; }

    /// <summary>Project (playback) frame rate in frames per second.</summary>
    public double? Fps { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    /// <summary>Essence codec as the trade names it ("Apple ProRes 422 HQ", "Avid DNxHR HQX", "Sony XAVC Intra", "REDCODE RAW"); see <see cref="CodecNames"/>.</summary>
    public string? Codec { get; init; }

    /// <summary>The codec as the media identifies it: QuickTime FourCC (apch), MXF essence coding label, Sony videoCodec, R3D.</summary>
    public string? CodecId { get; init; }

    public long? DurationFrames { get; init; }

    /// <summary>Sensor ISO (native sensitivity setting).</summary>
    public int? Iso { get; init; }

    /// <summary>Exposure index (ASA) rated by the camera when it differs in meaning from ISO (ARRI EI).</summary>
    public int? ExposureIndex { get; init; }

    public int? WhiteBalanceK { get; init; }

    /// <summary>Green–magenta tint (CC), camera units.</summary>
    public double? Tint { get; init; }

    /// <summary>Shutter angle in degrees.</summary>
    public double? ShutterAngle { get; init; }

    /// <summary>Exposure time in seconds.</summary>
    public double? ShutterSeconds { get; init; }

    /// <summary>Neutral density in use, as the camera states it (optical density "0.6", or a filter setting).</summary>
    public string? Nd { get; init; }

    public LensInfo Lens { get; init; } = new();

    /// <summary>What could not be read, one line each, naming the file.</summary>
    public List<string> Errors { get; init; } = [];

    /// <summary>This record with every non-null value of <paramref name="over"/> written on top (sidecars override essence).</summary>
    public ClipRecord OverlaidWith(ClipRecord over) => new()
    {
        Path = string.IsNullOrEmpty(Path) ? over.Path : Path,
        Camera = Camera.OverlaidWith(over.Camera),
        Reel = over.Reel ?? Reel,
        Clip = over.Clip ?? Clip,
        Scene = over.Scene ?? Scene,
        Take = over.Take ?? Take,
        Timecode = over.Timecode ?? Timecode,
        Fps = over.Fps ?? Fps,
        Width = over.Width ?? Width,
        Height = over.Height ?? Height,
        Codec = over.Codec ?? Codec,
        CodecId = over.Codec is null && over.CodecId is null ? CodecId : over.CodecId,
        DurationFrames = over.DurationFrames ?? DurationFrames,
        Iso = over.Iso ?? Iso,
        ExposureIndex = over.ExposureIndex ?? ExposureIndex,
        WhiteBalanceK = over.WhiteBalanceK ?? WhiteBalanceK,
        Tint = over.Tint ?? Tint,
        ShutterAngle = over.ShutterAngle ?? ShutterAngle,
        ShutterSeconds = over.ShutterSeconds ?? ShutterSeconds,
        Nd = over.Nd ?? Nd,
        Lens = Lens.OverlaidWith(over.Lens),
        Errors = [.. Errors, .. over.Errors],
    };

    /// <summary>Fills values this record lacks from <paramref name="under"/> (e.g. the first segment fills a spanned clip).</summary>
    public ClipRecord FilledFrom(ClipRecord under) => under.OverlaidWith(this) with { Path = Path, Errors = [.. Errors, .. under.Errors] };

    /// <summary>The record as the JSON contract (camelCase, nulls kept).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ClipJsonContext.Default.ClipRecord);

    public static ClipRecord FromJson(string json) =>
        JsonSerializer.Deserialize(json, ClipJsonContext.Default.ClipRecord) ?? throw new MalformedInputException("clip JSON is null", field: "clip");

    public bool Equals(ClipRecord? other) => other is not null && ToJson() == other.ToJson();

    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);
}

public sealed record CameraInfo
{
    public string? Make { get; init; }

    public string? Model { get; init; }

    public string? Serial { get; init; }

    public CameraInfo OverlaidWith(CameraInfo over) => new()
    {
        Make = over.Make ?? Make,
        Model = over.Model ?? Model,
        Serial = over.Serial ?? Serial,
    };
}

public sealed record LensInfo
{
    public string? Model { get; init; }

    public string? Serial { get; init; }

    public double? FocalLengthMm { get; init; }

    public double? FNumber { get; init; }

    public double? TStop { get; init; }

    public double? FocusDistanceM { get; init; }

    public LensInfo OverlaidWith(LensInfo over) => new()
    {
        Model = over.Model ?? Model,
        Serial = over.Serial ?? Serial,
        FocalLengthMm = over.FocalLengthMm ?? FocalLengthMm,
        FNumber = over.FNumber ?? FNumber,
        TStop = over.TStop ?? TStop,
        FocusDistanceM = over.FocusDistanceM ?? FocusDistanceM,
    };
}

/// <summary>Start timecode: the label (<c>;</c> before the frames when drop frame), the rate as "23.976", and the drop-frame flag.</summary>
public sealed record TimecodeInfo(string Start, string Rate, bool DropFrame)
{
    public static TimecodeInfo From(Timecode timecode) =>
        new(timecode.ToString(), timecode.Rate.ToDecimalString(), timecode.Rate.DropFrame);

    /// <summary>The start as a <see cref="Formats.Timecode"/>, when the strings parse.</summary>
    public Timecode? ToTimecode()
    {
        if (!FrameRate.TryParse(Rate, out var rate))
        {
            return null;
        }

        if (DropFrame && rate.Nominal is 30 or 60)
        {
            rate = new FrameRate(rate.Numerator, rate.Denominator, dropFrame: true);
        }

        return Formats.Timecode.TryParse(Start, rate, out var tc) ? tc : null;
    }
}

/// <summary>What <c>clips --json</c> prints: <c>{"clips":[...]}</c>.</summary>
public sealed record ClipList(List<ClipRecord> Clips);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ClipRecord))]
[JsonSerializable(typeof(ClipList))]
public sealed partial class ClipJsonContext : JsonSerializerContext;
