using System.Text;

namespace InterPositive.Formats.QuickTime;

/// <summary>Where an atom body sits in the file, for errors that name the offset.</summary>
internal sealed record QuickTimeParseContext(string Source, long BaseOffset)
{
    // Shared by every copy made with 'with', so the limit counts atoms across the whole header.
    public int[] AtomCount { get; init; } = [0];
}

/// <summary>The movie header as the atoms fill it in, before it becomes a <see cref="QuickTimeInfo"/>.</summary>
internal sealed class QuickTimeHeaderBuilder
{
    public string? MajorBrand { get; set; }

    public int MovieTimescale { get; set; }

    public long MovieDuration { get; set; }

    public List<QuickTimeTrackBuilder> Tracks { get; } = [];

    public Dictionary<string, QuickTimeValue> Metadata { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> UserData { get; } = new(StringComparer.Ordinal);

    public List<string> Warnings { get; } = [];

    public List<string> Keys { get; set; } = [];
}

/// <summary>One track as its atoms fill it in.</summary>
internal sealed class QuickTimeTrackBuilder
{
    public int TrackId { get; set; }

    public string Handler { get; set; } = "";

    public string? Format { get; set; }

    public int? Width { get; set; }

    public int? Height { get; set; }

    public int Timescale { get; set; }

    public long Duration { get; set; }

    public long SampleCount { get; set; }

    public long? SampleDelta { get; set; }

    public long? FirstChunkOffset { get; set; }

    public long? FirstSampleSize { get; set; }

    public TimecodeDescription? Timecode { get; set; }

    public List<int> TimecodeReferences { get; } = [];

    public QuickTimeTrack Build() => new()
    {
        TrackId = TrackId,
        Handler = Handler,
        Format = Format,
        Width = Width,
        Height = Height,
        Timescale = Timescale,
        Duration = Duration,
        SampleCount = SampleCount,
        SampleDelta = SampleDelta,
        FirstChunkOffset = FirstChunkOffset,
        FirstSampleSize = FirstSampleSize,
        Timecode = Timecode,
        TimecodeReferences = TimecodeReferences,
    };
}

/// <summary>What every atom parser needs: a size check, an error naming the atom and its offset, and its four-character code.</summary>
internal static class QuickTimeAtom
{
    public static void Require(ReadOnlySpan<byte> body, int bytes, QuickTimeParseContext context, string type)
    {
        if (body.Length < bytes)
        {
            throw new MalformedInputException(FormattableString.Invariant($"'{type}' has {body.Length} bytes, needs {bytes}"), context.Source, context.BaseOffset, type);
        }
    }

    public static MalformedInputException Bad(QuickTimeParseContext context, int offset, string type, string cause) =>
        new(cause, context.Source, context.BaseOffset + offset, Printable(type));

    public static string FourCc(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static string Printable(string fourCc) =>
        string.Concat(fourCc.Select(c => c is >= ' ' and <= '~' or '\u00A9' ? c.ToString() : FormattableString.Invariant($"\\x{(int)c:X2}")));
}
