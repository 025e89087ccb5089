using System.Globalization;
using InterPositive.Formats;

namespace InterPositive.Media;

/// <summary>One stream as ffprobe reports it (<c>-show_streams</c>); null where ffprobe says nothing or "N/A".</summary>
public sealed record ProbeStream
{
    public int Index { get; init; }

    /// <summary>video, audio, data, subtitle.</summary>
    public string? CodecType { get; init; }

    /// <summary>ffmpeg's codec name: prores, dnxhd, h264, v210 …</summary>
    public string? CodecName { get; init; }

    public string? CodecLongName { get; init; }

    /// <summary>The codec profile (ProRes "HQ", DNxHR "DNXHR HQX").</summary>
    public string? Profile { get; init; }

    /// <summary>The container's FourCC (apch, AVdh, tmcd); "[0][0][0][0]" when the container has none (MXF).</summary>
    public string? CodecTag { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    public string? PixelFormat { get; init; }

    /// <summary>The stream's base rate as a fraction ("24000/1001").</summary>
    public string? RFrameRate { get; init; }

    public string? AvgFrameRate { get; init; }

    public long? Frames { get; init; }

    public double? DurationSeconds { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public bool IsVideo => CodecType == "video";

    /// <summary><see cref="RFrameRate"/> as a frame rate; null when it is 0/0 or not a fraction.</summary>
    public FrameRate? Rate => ParseRate(RFrameRate);

    internal static FrameRate? ParseRate(string? text)
    {
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0
            || !long.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var numerator)
            || !long.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var denominator)
            || numerator <= 0 || denominator <= 0)
        {
            return null;
        }

        try
        {
            return FrameRate.FromRational(numerator, denominator);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>The container as ffprobe reports it (<c>-show_format</c>).</summary>
public sealed record ProbeFormat
{
    /// <summary>ffmpeg's demuxer names: "mov,mp4,m4a,3gp,3g2,mj2", "mxf".</summary>
    public string? FormatName { get; init; }

    public double? DurationSeconds { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>What ffprobe says about an input: its streams and its container.</summary>
public sealed record ProbeResult(IReadOnlyList<ProbeStream> Streams, ProbeFormat? Format)
{
    /// <summary>The first video stream.</summary>
    public ProbeStream? Video => Streams.FirstOrDefault(s => s.IsVideo);

    /// <summary>
    /// The start timecode: the video stream's tag, any stream's (a QuickTime tmcd track), then the container's; counted
    /// at the video rate, drop frame when the label says so (a ';' before the frames).
    /// </summary>
    public Timecode? StartTimecode
    {
        get
        {
            var label = Video?.Tags.GetValueOrDefault("timecode")
                ?? Streams.Select(s => s.Tags.GetValueOrDefault("timecode")).FirstOrDefault(t => t is not null)
                ?? Format?.Tags.GetValueOrDefault("timecode");
            if (label is null || Video?.Rate is not { } rate)
            {
                return null;
            }

            var dropFrame = label.Contains(';', StringComparison.Ordinal) && rate.IsFractional && rate.Nominal is 30 or 60;
            var labelRate = dropFrame ? new FrameRate(rate.Numerator, rate.Denominator, dropFrame: true) : rate;
            return Timecode.TryParse(label.Replace(';', ':'), labelRate, out var parsed) ? parsed : null;
        }
    }
}
