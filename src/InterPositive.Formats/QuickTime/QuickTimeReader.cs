using System.Buffers.Binary;
using static InterPositive.Formats.QuickTime.QuickTimeAtom;

namespace InterPositive.Formats.QuickTime;

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

        var info = new QuickTimeHeaderBuilder();
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

        var context = new QuickTimeParseContext(source, moovOffset);
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

    private static void ParseContainer(ReadOnlySpan<byte> data, int depth, QuickTimeParseContext context, QuickTimeHeaderBuilder info, string parent, QuickTimeTrackBuilder? track)
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

    private static void ParseAtom(string type, ReadOnlySpan<byte> body, int depth, QuickTimeParseContext context, QuickTimeHeaderBuilder info, string parent, ref QuickTimeTrackBuilder? track)
    {
        switch (type)
        {
            case "trak":
                var newTrack = new QuickTimeTrackBuilder();
                info.Tracks.Add(newTrack);
                ParseContainer(body, depth + 1, context, info, type, newTrack);
                break;
            case "mdia" or "minf" or "stbl" or "edts" or "dinf" when track is not null:
                ParseContainer(body, depth + 1, context, info, type, track);
                break;
            case "udta":
                QuickTimeMetadataAtoms.ParseUserData(body, depth, context, info);
                break;
            case "meta":
                QuickTimeMetadataAtoms.ParseMeta(body, depth, context, info);
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

    private static void ParseTrackReferences(ReadOnlySpan<byte> body, QuickTimeParseContext context, QuickTimeTrackBuilder track)
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

    private static void ParseSampleDescription(ReadOnlySpan<byte> body, QuickTimeParseContext context, QuickTimeTrackBuilder track)
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

    private static bool IsKnownTopLevel(string type) =>
        type is "ftyp" or "moov" or "mdat" or "free" or "skip" or "wide" or "pnot" or "uuid" or "PICT" or "junk" or "meta" or "udta";
}
