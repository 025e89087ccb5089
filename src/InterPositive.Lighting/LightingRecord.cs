using System.Text.Json.Serialization;

namespace InterPositive.Lighting;

/// <summary>
/// The per-take lighting record: what <c>interpositive analyze --json</c> prints, what the catalog stores as
/// <c>LightingDocument.LightingJson</c>, and what goes to post with the shot.
/// </summary>
public sealed record LightingRecord
{
    /// <summary>Contract version of this record.</summary>
    public int Version { get; init; } = 1;

    public string? Source { get; init; }

    public int Frames { get; init; }

    public double Fps { get; init; }

    public int Width { get; init; }

    public int Height { get; init; }

    /// <summary>The curve the code values were decoded with (<c>--log</c> name).</summary>
    public string Log { get; init; } = "linear";

    /// <summary>The gamut (<c>--gamut</c> name).</summary>
    public string Gamut { get; init; } = "rec709";

    /// <summary>The camera white balance that was undone, in kelvin, when known.</summary>
    public double? WhiteBalanceK { get; init; }

    public ExposureSummary Exposure { get; init; } = new();

    public LightColour Light { get; init; } = new();

    public ContrastSummary Contrast { get; init; } = new();

    public FlickerSummary Flicker { get; init; } = new();

    /// <summary>Light-sensor readings taken during the take (empty when no sensor is fitted).</summary>
    public List<SensorSample> Sensors { get; init; } = [];

    /// <summary>One sample per second of the take.</summary>
    public List<SecondSample> Samples { get; init; } = [];
}

/// <summary>Exposure of the take.</summary>
public sealed record ExposureSummary
{
    /// <summary>Log-average scene luminance relative to 18 % grey, in stops (what a reflected meter reads).</summary>
    public double AverageStops { get; init; }

    public double ClippedPct { get; init; }

    public double CrushedPct { get; init; }

    /// <summary>Luminance distribution in whole stops from grey (percent of the picture per stop).</summary>
    public List<HistogramBin> HistogramStops { get; init; } = [];

    /// <summary>Share of the picture per false-colour zone (percent), by zone name.</summary>
    public Dictionary<string, double> FalseColour { get; init; } = [];
}

/// <summary>One stop-wide histogram bin: luminance from <c>Stops − ½</c> to <c>Stops + ½</c> relative to grey.</summary>
public sealed record HistogramBin(int Stops, double Pct);

/// <summary>The colour of the light itself (camera white balance undone).</summary>
public sealed record LightColour
{
    public double? Cct { get; init; }

    public double? Duv { get; init; }

    /// <summary>Green–magenta in CC units, magenta positive.</summary>
    public double? Tint { get; init; }

    /// <summary>0–1.</summary>
    public double Confidence { get; init; }

    /// <summary>CIE 1931 chromaticity of the light.</summary>
    public double? X { get; init; }

    public double? Y { get; init; }
}

/// <summary>Contrast and key direction.</summary>
public sealed record ContrastSummary
{
    public double? KeyFillStops { get; init; }

    /// <summary>0° = from camera right, 90° = from above (image space, as the camera sees it).</summary>
    public double? KeyAzimuthDeg { get; init; }

    /// <summary>0° = in the image plane (side/top light), 90° = from the lens axis (frontal).</summary>
    public double? KeyElevationDeg { get; init; }
}

/// <summary>Flicker found in the take.</summary>
public sealed record FlickerSummary
{
    public bool Detected { get; init; }

    public double? FrequencyHz { get; init; }

    public double DepthPct { get; init; }

    /// <summary>How fast bands roll or the level pulses, in hertz.</summary>
    public double? BeatHz { get; init; }

    public bool Banding { get; init; }

    public List<double> SafeShutterAngles { get; init; } = [];

    /// <summary>Modulation depth against frequency, for the dashboard's flicker plot (empty when not measured).</summary>
    public List<SpectrumBin> Spectrum { get; init; } = [];
}

/// <summary>One bin of the flicker spectrum: light modulation at <c>Hz</c>, as a percentage of the mean level.</summary>
public sealed record SpectrumBin(double Hz, double DepthPct);

/// <summary>A light-sensor reading, time-stamped and tied to timecode when the take has one.</summary>
public sealed record SensorSample(string Sensor, DateTimeOffset At, string? Timecode, double Lux, double? Cct);

/// <summary>One second of the take.</summary>
public sealed record SecondSample
{
    public int Second { get; init; }

    public int Frames { get; init; }

    public double AverageStops { get; init; }

    public double ClippedPct { get; init; }

    public double? Cct { get; init; }

    public double? Duv { get; init; }

    public double? KeyFillStops { get; init; }

    public double? KeyAzimuthDeg { get; init; }

    public double? KeyElevationDeg { get; init; }
}

/// <summary>A continuity or flicker alert raised for a take (stored as <c>LightingDocument.AlertsJson</c>).</summary>
/// <param name="Kind"><c>cct</c>, <c>duv</c>, <c>exposure</c>, <c>keyDirection</c>, <c>flicker</c>.</param>
/// <param name="Message">One line a DIT can read.</param>
/// <param name="ReferenceClip">The earlier take compared with.</param>
/// <param name="Delta">The change measured, in the kind's unit (K, Duv, stops, degrees, Hz).</param>
/// <param name="Threshold">The threshold it crossed.</param>
public sealed record LightingAlert(string Kind, string Message, string? ReferenceClip, double Delta, double Threshold);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LightingRecord))]
[JsonSerializable(typeof(List<LightingAlert>))]
[JsonSerializable(typeof(SensorSample))]
public sealed partial class LightingJsonContext : JsonSerializerContext;
