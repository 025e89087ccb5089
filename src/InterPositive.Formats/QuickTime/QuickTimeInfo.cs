using System.Globalization;

namespace InterPositive.Formats.QuickTime;

/// <summary>A track of a QuickTime/MP4 movie, as far as clip metadata needs it.</summary>
public sealed record QuickTimeTrack
{
    public int TrackId { get; init; }

    /// <summary>Media handler: vide, soun, tmcd, meta (Sony rtmd), text.</summary>
    public string Handler { get; init; } = "";

    /// <summary>Sample description format (fourcc): apch, AVdh, avc1, hvc1, aprh, tmcd, rtmd.</summary>
    public string? Format { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    public int Timescale { get; init; }

    public long Duration { get; init; }

    public long SampleCount { get; init; }

    /// <summary>The sample duration of the first stts run (the frame duration for video and timecode).</summary>
    public long? SampleDelta { get; init; }

    /// <summary>Byte offset of the first chunk (stco/co64), where a tmcd track keeps its start frame number.</summary>
    public long? FirstChunkOffset { get; init; }

    /// <summary>Size of the first sample (stsz).</summary>
    public long? FirstSampleSize { get; init; }

    /// <summary>tmcd sample description: flags (bit 0 drop frame), timescale, frame duration, frames per second.</summary>
    public TimecodeDescription? Timecode { get; init; }

    /// <summary>Track ids this track references as its timecode (tref/tmcd).</summary>
    public IReadOnlyList<int> TimecodeReferences { get; init; } = [];
}

/// <summary>The tmcd sample description (QuickTime File Format, "Timecode sample description").</summary>
public sealed record TimecodeDescription(uint Flags, int Timescale, int FrameDuration, int NumberOfFrames)
{
    public bool DropFrame => (Flags & 1) != 0;
}

/// <summary>A metadata value from <c>ilst</c> (mdta keys) or <c>udta</c>, decoded by its well-known type.</summary>
public sealed record QuickTimeValue(int Type, string? Text, double? Number)
{
    public override string ToString() => Text ?? Number?.ToString(CultureInfo.InvariantCulture) ?? "";
}

/// <summary>What a movie's header says: brand, tracks, mdta metadata, udta strings, and the start timecode.</summary>
public sealed record QuickTimeInfo
{
    public string? MajorBrand { get; init; }

    public int MovieTimescale { get; init; }

    public long MovieDuration { get; init; }

    public List<QuickTimeTrack> Tracks { get; init; } = [];

    /// <summary><c>mdta</c> key → value (com.arri.camera.*, org.smpte.rdd18.*, com.apple.quicktime.*).</summary>
    public Dictionary<string, QuickTimeValue> Metadata { get; init; } = new(StringComparer.Ordinal);

    /// <summary><c>udta</c> text items by atom name (©mak, ©mod, ©swr, ...).</summary>
    public Dictionary<string, string> UserData { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The start timecode from the first tmcd track's first sample.</summary>
    public Timecode? StartTimecode { get; init; }

    /// <summary>RDD 18 sets from the first sample of a Sony <c>rtmd</c> (real-time metadata) track, when there is one.</summary>
    public List<Mxf.MxfAcquisitionSet> AcquisitionSets { get; init; } = [];

    /// <summary>Problems that did not stop the header being read (e.g. a file cut short after its movie atom).</summary>
    public List<string> Warnings { get; init; } = [];

    /// <summary>The DNxHD/DNxHR compression id from the first frame's header (AVdn/AVdh tracks), which names the profile.</summary>
    public int? DnxCid { get; init; }

    public QuickTimeTrack? Video => Tracks.FirstOrDefault(t => t.Handler == "vide");
}
