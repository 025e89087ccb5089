using System.Buffers.Binary;
using System.Globalization;
using System.Text;

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

/// <summary>
/// Reads a QuickTime/MP4 movie's header from a seekable stream: walks the top-level atoms, seeks over mdat,
/// loads only moov (bounded) and the 4-byte tmcd sample. Never reads essence.
/// </summary>
public static class QuickTimeReader
{
    /// <summary>The largest movie atom read into memory; camera clips have moov of a few hundred KB to a few MB.</summary>
    public const int MaxMovieAtomBytes = 64 * 1024 * 1024;

    private const int MaxTopLevelAtoms = 4096;
    private const long MaxRealTimeMetadataSample = 256 * 1024;
    private const int MaxDepth = 12;

    public static QuickTimeInfo Read(Stream stream, string source)
    {
        try
        {
            return ReadMovie(stream, source);
        }
        catch (EndOfStreamException e)
        {
            throw new MalformedInputException("file ends inside an atom", source, stream.Position, innerException: e);
        }
    }

    private static QuickTimeInfo ReadMovie(Stream stream, string source)
    {
        if (!stream.CanSeek)
        {
            throw new ArgumentException("the QuickTime reader needs a seekable stream", nameof(stream));
        }

        var length = stream.Length;
        if (length < 8)
        {
            throw new MalformedInputException(length == 0 ? "empty file" : "too short for a QuickTime atom", source, 0);
        }

        var info = new Builder();
        var header = new byte[16];
        long position = 0;
        var count = 0;
        byte[]? moov = null;
        long moovOffset = 0;
        while (position + 8 <= length)
        {
            if (++count > MaxTopLevelAtoms)
            {
                throw new MalformedInputException(FormattableString.Invariant($"more than {MaxTopLevelAtoms} top-level atoms"), source, position);
            }

            stream.Position = position;
            stream.ReadExactly(header, 0, 8);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = FourCc(header.AsSpan(4, 4));
            var headerSize = 8;
            if (size == 1)
            {
                if (position + 16 > length)
                {
                    throw new MalformedInputException("64-bit atom size cut off", source, position, type);
                }

                stream.ReadExactly(header, 8, 8);
                var large = BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
                size = large > long.MaxValue ? long.MaxValue : (long)large;
                headerSize = 16;
            }
            else if (size == 0)
            {
                size = length - position;
            }

            if (count == 1 && !IsKnownTopLevel(type))
            {
                throw new MalformedInputException($"'{Printable(type)}' is not a QuickTime/MP4 atom", source, 0, "first atom");
            }

            if (size < headerSize)
            {
                throw new MalformedInputException(FormattableString.Invariant($"atom size {size} is smaller than its header"), source, position, type);
            }

            var end = position + size;
            var truncated = size > length - position;
            if (type == "moov")
            {
                if (truncated)
                {
                    throw new MalformedInputException(FormattableString.Invariant($"movie atom claims {size} bytes, {length - position} remain (file cut short)"), source, position, "moov");
                }

                if (size - headerSize > MaxMovieAtomBytes)
                {
                    throw new MalformedInputException(FormattableString.Invariant($"movie atom of {size} bytes exceeds the {MaxMovieAtomBytes}-byte limit"), source, position, "moov");
                }

                moov = new byte[size - headerSize];
                stream.Position = position + headerSize;
                stream.ReadExactly(moov);
                moovOffset = position + headerSize;
            }
            else if (type == "ftyp" && !truncated && size - headerSize >= 4)
            {
                stream.Position = position + headerSize;
                stream.ReadExactly(header, 0, 4);
                info.MajorBrand = FourCc(header.AsSpan(0, 4)).TrimEnd();
            }
            else if (truncated)
            {
                // Essence cut short (a card pulled mid-write): the header may still be whole.
                info.Warnings.Add(FormattableString.Invariant($"{source}: '{Printable(type)}' atom at offset {position} claims {size} bytes, {length - position} remain (file cut short)"));
                break;
            }

            position = end;
        }

        if (moov is null)
        {
            throw new MalformedInputException("no movie (moov) atom: not a finished QuickTime/MP4 file", source);
        }

        var context = new ParseContext(source, moovOffset);
        ParseContainer(moov, 0, context, info, "moov", null);
        var tracks = info.Tracks.Select(t => t.Build()).ToList();
        Timecode? start = null;
        var tmcd = tracks.FirstOrDefault(t => t.Handler == "tmcd" && t.Timecode is not null);
        if (tmcd is { Timecode: { } tcd, FirstChunkOffset: { } at })
        {
            start = ReadStartTimecode(stream, source, tcd, at, info.Warnings);
        }

        var acquisition = new List<Mxf.MxfAcquisitionSet>();
        var rtmd = tracks.FirstOrDefault(t => t.Format == "rtmd" && t.FirstChunkOffset is not null && t.FirstSampleSize is > 0 and <= MaxRealTimeMetadataSample);
        if (rtmd is { FirstChunkOffset: { } sampleAt, FirstSampleSize: { } sampleSize })
        {
            if (sampleAt >= 0 && sampleAt + sampleSize <= stream.Length)
            {
                var sample = new byte[sampleSize];
                stream.Position = sampleAt;
                stream.ReadExactly(sample);
                Mxf.MxfReader.FindEmbeddedSets(sample, sampleAt, acquisition);
            }
            else
            {
                info.Warnings.Add(FormattableString.Invariant($"{source}: rtmd sample at offset {sampleAt} lies past the end of the file"));
            }
        }

        // DNxHR's profile (HQX, HQ, SQ, LB) is only in each frame's header: 44 bytes of the first frame, bounded like the tmcd sample.
        int? dnxCid = null;
        if (tracks.FirstOrDefault(t => t.Handler == "vide") is { Format: "AVdh" or "AVdn", FirstChunkOffset: { } frameAt } && frameAt >= 0 && frameAt + 0x2C <= stream.Length)
        {
            var frameHeader = new byte[0x2C];
            stream.Position = frameAt;
            stream.ReadExactly(frameHeader);
            dnxCid = Clips.CodecNames.DnxCid(frameHeader);
        }

        return new QuickTimeInfo
        {
            DnxCid = dnxCid,
            AcquisitionSets = acquisition,
            MajorBrand = info.MajorBrand,
            MovieTimescale = info.MovieTimescale,
            MovieDuration = info.MovieDuration,
            Tracks = tracks,
            Metadata = info.Metadata,
            UserData = info.UserData,
            StartTimecode = start,
            Warnings = info.Warnings,
        };
    }

    private static Timecode? ReadStartTimecode(Stream stream, string source, TimecodeDescription tcd, long offset, List<string> warnings)
    {
        if (offset < 0 || offset + 4 > stream.Length)
        {
            warnings.Add(FormattableString.Invariant($"{source}: timecode sample at offset {offset} lies past the end of the file"));
            return null;
        }

        if (tcd.Timescale <= 0 || tcd.FrameDuration <= 0)
        {
            warnings.Add(FormattableString.Invariant($"{source}: timecode track has rate {tcd.Timescale}/{tcd.FrameDuration}"));
            return null;
        }

        Span<byte> sample = stackalloc byte[4];
        stream.Position = offset;
        stream.ReadExactly(sample);
        var frame = BinaryPrimitives.ReadUInt32BigEndian(sample);
        FrameRate rate;
        try
        {
            rate = FrameRate.FromRational(tcd.Timescale, tcd.FrameDuration, tcd.DropFrame);
        }
        catch (ArgumentException e)
        {
            warnings.Add($"{source}: timecode rate: {e.Message}");
            return null;
        }

        return Timecode.FromFrames(frame, rate);
    }

    private sealed record ParseContext(string Source, long BaseOffset)
    {
        // Shared by every copy made with 'with', so the limit counts atoms across the whole header.
        public int[] AtomCount { get; init; } = [0];
    }

    private sealed class Builder
    {
        public string? MajorBrand { get; set; }

        public int MovieTimescale { get; set; }

        public long MovieDuration { get; set; }

        public List<TrackBuilder> Tracks { get; } = [];

        public Dictionary<string, QuickTimeValue> Metadata { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> UserData { get; } = new(StringComparer.Ordinal);

        public List<string> Warnings { get; } = [];

        public List<string> Keys { get; set; } = [];
    }

    private sealed class TrackBuilder
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

    private static void ParseContainer(ReadOnlySpan<byte> data, int depth, ParseContext context, Builder info, string parent, TrackBuilder? track)
    {
        if (depth > MaxDepth)
        {
            throw new MalformedInputException(FormattableString.Invariant($"atoms nested deeper than {MaxDepth}"), context.Source, field: parent);
        }

        var offset = 0;
        while (offset + 8 <= data.Length)
        {
            if (++context.AtomCount[0] > 1_000_000)
            {
                throw new MalformedInputException("more than a million atoms in the movie header", context.Source, field: parent);
            }

            long size = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            var type = FourCc(data.Slice(offset + 4, 4));
            var headerSize = 8;
            if (size == 1)
            {
                if (offset + 16 > data.Length)
                {
                    throw Bad(context, offset, type, "64-bit atom size cut off");
                }

                var large = BinaryPrimitives.ReadUInt64BigEndian(data[(offset + 8)..]);
                size = large > int.MaxValue ? long.MaxValue : (long)large;
                headerSize = 16;
            }
            else if (size == 0)
            {
                size = data.Length - offset;
            }

            if (size < headerSize || size > data.Length - offset)
            {
                throw Bad(context, offset, type, FormattableString.Invariant($"atom size {size} does not fit in its parent '{parent}' ({data.Length - offset} bytes left)"));
            }

            var body = data.Slice(offset + headerSize, (int)size - headerSize);
            var bodyOffset = offset + headerSize;
            ParseAtom(type, body, depth, context with { BaseOffset = context.BaseOffset + bodyOffset }, info, parent, ref track);
            offset += (int)size;
        }
    }

    private static void ParseAtom(string type, ReadOnlySpan<byte> body, int depth, ParseContext context, Builder info, string parent, ref TrackBuilder? track)
    {
        switch (type)
        {
            case "trak":
                var newTrack = new TrackBuilder();
                info.Tracks.Add(newTrack);
                ParseContainer(body, depth + 1, context, info, type, newTrack);
                break;
            case "mdia" or "minf" or "stbl" or "edts" or "dinf" when track is not null:
                ParseContainer(body, depth + 1, context, info, type, track);
                break;
            case "udta":
                ParseUserData(body, depth, context, info);
                break;
            case "meta":
                ParseMeta(body, depth, context, info);
                break;
            case "mvhd":
                Require(body, 20, context, type);
                if (body[0] == 1)
                {
                    Require(body, 32, context, type);
                    info.MovieTimescale = (int)BinaryPrimitives.ReadUInt32BigEndian(body[20..]);
                    info.MovieDuration = (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(body[24..]), long.MaxValue);
                }
                else
                {
                    info.MovieTimescale = (int)BinaryPrimitives.ReadUInt32BigEndian(body[12..]);
                    info.MovieDuration = BinaryPrimitives.ReadUInt32BigEndian(body[16..]);
                }

                break;
            case "tkhd" when track is not null:
                Require(body, 84, context, type);
                var v1 = body[0] == 1;
                track.TrackId = (int)BinaryPrimitives.ReadUInt32BigEndian(body[(v1 ? 20 : 12)..]);
                var dims = v1 ? 88 : 76;
                if (body.Length >= dims + 8)
                {
                    var w = BinaryPrimitives.ReadUInt32BigEndian(body[dims..]) >> 16;
                    var h = BinaryPrimitives.ReadUInt32BigEndian(body[(dims + 4)..]) >> 16;
                    if (w > 0 && h > 0)
                    {
                        track.Width ??= (int)w;
                        track.Height ??= (int)h;
                    }
                }

                break;
            case "tref" when track is not null:
                ParseTrackReferences(body, context, track);
                break;
            case "mdhd" when track is not null:
                Require(body, 20, context, type);
                if (body[0] == 1)
                {
                    Require(body, 32, context, type);
                    track.Timescale = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(body[20..]), int.MaxValue);
                    track.Duration = (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(body[24..]), long.MaxValue);
                }
                else
                {
                    track.Timescale = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(body[12..]), int.MaxValue);
                    track.Duration = BinaryPrimitives.ReadUInt32BigEndian(body[16..]);
                }

                break;
            case "hdlr" when track is not null && parent == "mdia":
                Require(body, 12, context, type);
                track.Handler = FourCc(body.Slice(8, 4));
                break;
            case "stsd" when track is not null:
                ParseSampleDescription(body, context, track);
                break;
            case "stts" when track is not null:
                Require(body, 8, context, type);
                var runs = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                if (runs > (uint)(body.Length - 8) / 8)
                {
                    throw Bad(context, 4, type, FormattableString.Invariant($"{runs} time-to-sample entries do not fit in {body.Length} bytes"));
                }

                long samples = 0;
                for (var i = 0; i < (int)runs; i++)
                {
                    var n = BinaryPrimitives.ReadUInt32BigEndian(body[(8 + (i * 8))..]);
                    var delta = BinaryPrimitives.ReadUInt32BigEndian(body[(12 + (i * 8))..]);
                    samples += n;
                    if (i == 0)
                    {
                        track.SampleDelta = delta;
                    }
                }

                track.SampleCount = samples;
                break;
            case "stsz" when track is not null:
                Require(body, 12, context, type);
                var fixedSize = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                var sizes = BinaryPrimitives.ReadUInt32BigEndian(body[8..]);
                if (fixedSize != 0)
                {
                    track.FirstSampleSize = fixedSize;
                }
                else if (sizes > 0 && body.Length >= 16)
                {
                    track.FirstSampleSize = BinaryPrimitives.ReadUInt32BigEndian(body[12..]);
                }

                break;
            case "stco" when track is not null:
                Require(body, 8, context, type);
                if (BinaryPrimitives.ReadUInt32BigEndian(body[4..]) > 0 && body.Length >= 12)
                {
                    track.FirstChunkOffset = BinaryPrimitives.ReadUInt32BigEndian(body[8..]);
                }

                break;
            case "co64" when track is not null:
                Require(body, 8, context, type);
                if (BinaryPrimitives.ReadUInt32BigEndian(body[4..]) > 0 && body.Length >= 16)
                {
                    track.FirstChunkOffset = (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(body[8..]), long.MaxValue);
                }

                break;
            default:
                break;
        }
    }

    private static void ParseTrackReferences(ReadOnlySpan<byte> body, ParseContext context, TrackBuilder track)
    {
        var offset = 0;
        while (offset + 8 <= body.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(body[offset..]);
            var type = FourCc(body.Slice(offset + 4, 4));
            if (size < 8 || size > body.Length - offset)
            {
                throw Bad(context, offset, type, FormattableString.Invariant($"track reference size {size} does not fit"));
            }

            if (type == "tmcd")
            {
                for (var i = offset + 8; i + 4 <= offset + size; i += 4)
                {
                    track.TimecodeReferences.Add((int)BinaryPrimitives.ReadUInt32BigEndian(body[i..]));
                }
            }

            offset += (int)size;
        }
    }

    private static void ParseSampleDescription(ReadOnlySpan<byte> body, ParseContext context, TrackBuilder track)
    {
        Require(body, 8, context, "stsd");
        var entries = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        if (entries == 0 || body.Length < 16)
        {
            return;
        }

        // Only the first sample description matters for clip metadata.
        var size = BinaryPrimitives.ReadUInt32BigEndian(body[8..]);
        if (size < 16 || size > body.Length - 8)
        {
            throw Bad(context, 8, "stsd", FormattableString.Invariant($"sample description size {size} does not fit in {body.Length - 8} bytes"));
        }

        var entry = body.Slice(8, (int)size);
        track.Format = FourCc(entry.Slice(4, 4));
        if (track.Handler == "tmcd" || track.Format == "tmcd")
        {
            // reserved(6) dataRefIndex(2) reserved(4) flags(4) timescale(4) frameDuration(4) numberOfFrames(1)
            if (entry.Length >= 8 + 8 + 4 + 4 + 4 + 4 + 1)
            {
                var flags = BinaryPrimitives.ReadUInt32BigEndian(entry[20..]);
                var timescale = BinaryPrimitives.ReadUInt32BigEndian(entry[24..]);
                var duration = BinaryPrimitives.ReadUInt32BigEndian(entry[28..]);
                var frames = entry[32];
                track.Timecode = new TimecodeDescription(flags, (int)Math.Min(timescale, int.MaxValue), (int)Math.Min(duration, int.MaxValue), frames);
            }
        }
        else if (track.Handler == "vide" && entry.Length >= 8 + 8 + 20)
        {
            // Visual sample entry: reserved(6) dataRefIndex(2) version(2) revision(2) vendor(4) temporal(4) spatial(4) width(2) height(2)
            var w = BinaryPrimitives.ReadUInt16BigEndian(entry[32..]);
            var h = BinaryPrimitives.ReadUInt16BigEndian(entry[34..]);
            if (w > 0 && h > 0)
            {
                track.Width = w;
                track.Height = h;
            }
        }
    }

    private static void ParseMeta(ReadOnlySpan<byte> body, int depth, ParseContext context, Builder info)
    {
        // QuickTime 'meta' holds atoms directly; ISO/MP4 'meta' is a full box (version/flags first).
        var start = body.Length >= 12 && FourCc(body.Slice(4, 4)) is "hdlr" or "keys" or "ilst" ? 0 : 4;
        if (body.Length < start)
        {
            return;
        }

        var data = body[start..];
        var offset = 0;
        var keys = new List<string>();
        var sawKeys = false;
        while (offset + 8 <= data.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            var type = FourCc(data.Slice(offset + 4, 4));
            if (size < 8 || size > data.Length - offset)
            {
                throw Bad(context, offset, type, FormattableString.Invariant($"metadata atom size {size} does not fit in 'meta'"));
            }

            var atom = data.Slice(offset + 8, (int)size - 8);
            if (type == "keys")
            {
                keys = ParseKeys(atom, context);
                sawKeys = true;
            }
            else if (type == "ilst")
            {
                ParseItemList(atom, context, sawKeys ? keys : null, info);
            }

            offset += (int)size;
        }

        _ = depth;
    }

    private static List<string> ParseKeys(ReadOnlySpan<byte> body, ParseContext context)
    {
        Require(body, 8, context, "keys");
        var count = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        if (count > (uint)(body.Length - 8) / 8)
        {
            throw Bad(context, 4, "keys", FormattableString.Invariant($"{count} keys do not fit in {body.Length} bytes"));
        }

        var keys = new List<string>((int)count);
        var offset = 8;
        for (var i = 0; i < count; i++)
        {
            if (offset + 8 > body.Length)
            {
                throw Bad(context, offset, "keys", FormattableString.Invariant($"key {i + 1} of {count} is cut off"));
            }

            var size = BinaryPrimitives.ReadUInt32BigEndian(body[offset..]);
            if (size < 8 || size > body.Length - offset)
            {
                throw Bad(context, offset, "keys", FormattableString.Invariant($"key size {size} does not fit"));
            }

            keys.Add(Encoding.UTF8.GetString(body.Slice(offset + 8, (int)size - 8)).TrimEnd('\0'));
            offset += (int)size;
        }

        return keys;
    }

    private static void ParseItemList(ReadOnlySpan<byte> body, ParseContext context, List<string>? keys, Builder info)
    {
        var offset = 0;
        while (offset + 8 <= body.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(body[offset..]);
            var index = BinaryPrimitives.ReadUInt32BigEndian(body[(offset + 4)..]);
            if (size < 8 || size > body.Length - offset)
            {
                throw Bad(context, offset, "ilst", FormattableString.Invariant($"item size {size} does not fit"));
            }

            string name;
            if (keys is not null)
            {
                if (index < 1 || index > keys.Count)
                {
                    throw Bad(context, offset, "ilst", FormattableString.Invariant($"item refers to key {index}, only {keys.Count} keys"));
                }

                name = keys[(int)index - 1];
            }
            else
            {
                name = FourCc(body.Slice(offset + 4, 4));
            }

            var item = body.Slice(offset + 8, (int)size - 8);
            if (ReadDataAtom(item) is { } value)
            {
                if (keys is not null)
                {
                    info.Metadata[name] = value;
                }
                else if (value.Text is { } text)
                {
                    info.UserData[name] = text;
                }
            }

            offset += (int)size;
        }
    }

    private static QuickTimeValue? ReadDataAtom(ReadOnlySpan<byte> item)
    {
        var offset = 0;
        while (offset + 16 <= item.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(item[offset..]);
            if (size < 8 || size > item.Length - offset)
            {
                return null;
            }

            if (FourCc(item.Slice(offset + 4, 4)) == "data" && size >= 16)
            {
                var type = (int)(BinaryPrimitives.ReadUInt32BigEndian(item[(offset + 8)..]) & 0x00FFFFFF);
                var value = item.Slice(offset + 16, (int)size - 16);
                return Decode(type, value);
            }

            offset += (int)size;
        }

        return null;
    }

    /// <summary>Well-known metadata types (QuickTime File Format): 1 UTF-8, 21 signed, 22 unsigned, 23 float32, 24 float64.</summary>
    private static QuickTimeValue? Decode(int type, ReadOnlySpan<byte> value) => type switch
    {
        1 => new QuickTimeValue(type, Encoding.UTF8.GetString(value).TrimEnd('\0'), null),
        2 => new QuickTimeValue(type, Encoding.BigEndianUnicode.GetString(value).TrimEnd('\0'), null),
        21 => value.Length switch
        {
            1 => new QuickTimeValue(type, null, (sbyte)value[0]),
            2 => new QuickTimeValue(type, null, BinaryPrimitives.ReadInt16BigEndian(value)),
            4 => new QuickTimeValue(type, null, BinaryPrimitives.ReadInt32BigEndian(value)),
            8 => new QuickTimeValue(type, null, BinaryPrimitives.ReadInt64BigEndian(value)),
            _ => null,
        },
        22 => value.Length switch
        {
            1 => new QuickTimeValue(type, null, value[0]),
            2 => new QuickTimeValue(type, null, BinaryPrimitives.ReadUInt16BigEndian(value)),
            4 => new QuickTimeValue(type, null, BinaryPrimitives.ReadUInt32BigEndian(value)),
            8 => new QuickTimeValue(type, null, BinaryPrimitives.ReadUInt64BigEndian(value)),
            _ => null,
        },
        23 when value.Length == 4 => new QuickTimeValue(type, null, BinaryPrimitives.ReadSingleBigEndian(value)),
        24 when value.Length == 8 => new QuickTimeValue(type, null, BinaryPrimitives.ReadDoubleBigEndian(value)),
        _ => null,
    };

    private static void ParseUserData(ReadOnlySpan<byte> body, int depth, ParseContext context, Builder info)
    {
        var offset = 0;
        while (offset + 8 <= body.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(body[offset..]);
            if (size == 0 && offset + 4 <= body.Length)
            {
                break; // QuickTime allows a 32-bit zero terminator at the end of udta.
            }

            var type = FourCc(body.Slice(offset + 4, 4));
            if (size < 8 || size > body.Length - offset)
            {
                throw Bad(context, offset, type, FormattableString.Invariant($"user data atom size {size} does not fit in 'udta'"));
            }

            var atom = body.Slice(offset + 8, (int)size - 8);
            if (type == "meta")
            {
                ParseMeta(atom, depth + 1, context, info);
            }
            else if (type.Length == 4 && type[0] == '\u00A9' && atom.Length >= 4)
            {
                // International text: [len(2) language(2) text]...; the first string is enough.
                var len = BinaryPrimitives.ReadUInt16BigEndian(atom);
                if (len <= atom.Length - 4)
                {
                    info.UserData[type] = Encoding.UTF8.GetString(atom.Slice(4, len)).TrimEnd('\0');
                }
            }

            offset += (int)size;
        }
    }

    private static bool IsKnownTopLevel(string type) =>
        type is "ftyp" or "moov" or "mdat" or "free" or "skip" or "wide" or "pnot" or "uuid" or "PICT" or "junk" or "meta" or "udta";

    private static void Require(ReadOnlySpan<byte> body, int bytes, ParseContext context, string type)
    {
        if (body.Length < bytes)
        {
            throw new MalformedInputException(FormattableString.Invariant($"'{type}' has {body.Length} bytes, needs {bytes}"), context.Source, context.BaseOffset, type);
        }
    }

    private static MalformedInputException Bad(ParseContext context, int offset, string type, string cause) =>
        new(cause, context.Source, context.BaseOffset + offset, Printable(type));

    private static string FourCc(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static string Printable(string fourCc) =>
        string.Concat(fourCc.Select(c => c is >= ' ' and <= '~' or '\u00A9' ? c.ToString() : FormattableString.Invariant($"\\x{(int)c:X2}")));
}
