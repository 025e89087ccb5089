using System.Buffers.Binary;
using System.Text;

namespace InterPositive.Formats.Mxf;

/// <summary>An MXF track (ST 377 generic track): id, number, edit rate, kind by its sequence's data definition.</summary>
public sealed record MxfTrack(int TrackId, uint TrackNumber, long EditRateNumerator, long EditRateDenominator, string Kind, long? Duration, string Package);

/// <summary>A Timecode Component (0x1501 start, 0x1502 rounded base, 0x1503 drop frame).</summary>
public sealed record MxfTimecodeComponent(long StartFrames, int RoundedBase, bool DropFrame, string Package);

/// <summary>What a picture descriptor says (CDCI/RGBA/MPEG/…): stored size, sample rate, coding label.</summary>
public sealed record MxfPictureDescriptor(int? StoredWidth, int? StoredHeight, int? DisplayWidth, int? DisplayHeight, long? SampleRateNumerator, long? SampleRateDenominator, string? PictureEssenceCoding, long? ContainerDuration, int? FrameLayout);

/// <summary>An RDD 18 acquisition metadata set as found (lens, camera or user-defined), its local-set bytes kept whole.</summary>
public sealed record MxfAcquisitionSet(string Kind, long Offset, byte[] Value);

/// <summary>The header of an MXF file as clip metadata needs it.</summary>
public sealed record MxfInfo
{
    /// <summary>Header partition status: open/closed, incomplete/complete (from the partition key).</summary>
    public string PartitionStatus { get; init; } = "";

    public string? OperationalPattern { get; init; }

    public List<MxfTrack> Tracks { get; init; } = [];

    public List<MxfTimecodeComponent> TimecodeComponents { get; init; } = [];

    public MxfPictureDescriptor? Picture { get; init; }

    /// <summary>Identification sets: company, product, version (the writer: a camera's firmware or a muxer).</summary>
    public List<(string? Company, string? Product, string? Version)> Identifications { get; init; } = [];

    /// <summary>Material and source package names.</summary>
    public List<string> PackageNames { get; init; } = [];

    /// <summary>RDD 18 lens/camera/user sets from the header metadata and the first essence items.</summary>
    public List<MxfAcquisitionSet> AcquisitionSets { get; init; } = [];

    /// <summary>Local tag → UL from the primer pack (dynamic tags resolve through it).</summary>
    public Dictionary<ushort, string> Primer { get; init; } = [];

    public List<string> Warnings { get; init; } = [];
}

/// <summary>
/// Reads an MXF file's header partition: partition pack, primer, the structural sets (preface, packages, tracks,
/// sequences, timecode components, descriptors), then looks into the first essence items (bounded) for RDD 18 sets.
/// Essence is never read: big KLVs are skipped by seeking.
/// </summary>
public static class MxfReader
{
    public const int MaxHeaderMetadataBytes = 32 * 1024 * 1024;

    private const int MaxRunIn = 65536;
    private const int MaxSetsAndItems = 200_000;
    private const int BodyItemsToInspect = 64;
    private const int MaxInspectedItemBytes = 1024 * 1024;

    private static readonly byte[] UlPrefix = [0x06, 0x0E, 0x2B, 0x34];
    private static readonly byte[] PartitionPrefix = [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01];
    private static readonly byte[] LensSetKey = [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x53, 0x01, 0x01, 0x0C, 0x02, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00];
    private static readonly byte[] CameraSetKey = [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x53, 0x01, 0x01, 0x0C, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x00];
    private static readonly byte[] UserSetKey = [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x53, 0x01, 0x01, 0x0C, 0x02, 0x01, 0x01, 0x7F, 0x01, 0x00, 0x00];

    public static MxfInfo Read(Stream stream, string source)
    {
        try
        {
            return ReadHeader(stream, source);
        }
        catch (EndOfStreamException e)
        {
            throw new MalformedInputException("file ends inside a KLV item", source, stream.Position, innerException: e);
        }
    }

    private static MxfInfo ReadHeader(Stream stream, string source)
    {
        if (!stream.CanSeek)
        {
            throw new ArgumentException("the MXF reader needs a seekable stream", nameof(stream));
        }

        var length = stream.Length;
        if (length < 20)
        {
            throw new MalformedInputException(length == 0 ? "empty file" : "too short for an MXF partition pack", source, 0);
        }

        var start = FindHeaderPartition(stream, source, length);
        var key = new byte[16];
        stream.Position = start;
        stream.ReadExactly(key);
        var (packLength, packLengthSize) = ReadBerLength(stream, source, start + 16);
        if (packLength < 88 || packLength > 1024 * 1024 || start + 16 + packLengthSize + (long)packLength > length)
        {
            throw new MalformedInputException(FormattableString.Invariant($"partition pack length {packLength} is not plausible"), source, start, "header partition pack");
        }

        var pack = new byte[packLength];
        stream.Position = start + 16 + packLengthSize;
        stream.ReadExactly(pack);
        var headerByteCount = BinaryPrimitives.ReadUInt64BigEndian(pack.AsSpan(32));
        var status = key[14] switch
        {
            1 => "open incomplete",
            2 => "closed incomplete",
            3 => "open complete",
            4 => "closed complete",
            _ => FormattableString.Invariant($"unknown ({key[14]})"),
        };
        var op = Ul(pack.AsSpan(64, 16));
        var warnings = new List<string>();
        if (headerByteCount > MaxHeaderMetadataBytes)
        {
            throw new MalformedInputException(FormattableString.Invariant($"header metadata of {headerByteCount} bytes exceeds the {MaxHeaderMetadataBytes}-byte limit"), source, start, "HeaderByteCount");
        }

        var position = start + 16 + packLengthSize + (long)packLength;
        var sets = new List<LocalSet>();
        var primer = new Dictionary<ushort, string>();
        var acquisition = new List<MxfAcquisitionSet>();
        long metadataStart = -1;
        var items = 0;

        // Header metadata: primer pack, then local sets, up to HeaderByteCount bytes from the primer.
        while (position + 17 <= length)
        {
            if (++items > MaxSetsAndItems)
            {
                throw new MalformedInputException(FormattableString.Invariant($"more than {MaxSetsAndItems} KLV items in the header"), source, position);
            }

            var (itemKey, valueLength, valueStart) = ReadKlvHeader(stream, source, position, length);
            if (IsFill(itemKey))
            {
                position = Skip(valueStart, valueLength, length, source, position);
                continue;
            }

            if (metadataStart < 0)
            {
                metadataStart = position;
            }

            if (position >= metadataStart + (long)headerByteCount || IsPartition(itemKey) || !IsHeaderMetadataKey(itemKey))
            {
                break;
            }

            if (valueStart + valueLength > length)
            {
                throw new MalformedInputException(FormattableString.Invariant($"item claims {valueLength} bytes, {length - valueStart} remain"), source, position, KeyName(itemKey));
            }

            if (valueLength > MaxHeaderMetadataBytes)
            {
                throw new MalformedInputException(FormattableString.Invariant($"header item of {valueLength} bytes"), source, position, KeyName(itemKey));
            }

            var value = new byte[valueLength];
            stream.Position = valueStart;
            stream.ReadExactly(value);
            if (itemKey[5] == 0x05 && itemKey[12] == 0x01 && itemKey[13] == 0x05 && itemKey[14] == 0x01)
            {
                ParsePrimer(value, primer, source, position);
            }
            else if (AcquisitionKind(itemKey) is { } kind)
            {
                acquisition.Add(new MxfAcquisitionSet(kind, position, value));
            }
            else if (itemKey[5] == 0x53)
            {
                sets.Add(LocalSet.Parse(itemKey, value, source, position));
            }

            position = valueStart + (long)valueLength;
        }

        // The first essence items: RDD 18 sets travel per frame in a data item (or as their own KLVs).
        InspectBody(stream, source, position, length, acquisition, warnings);
        return Assemble(sets, primer, acquisition, warnings, status, op);
    }

    private static void InspectBody(Stream stream, string source, long position, long length, List<MxfAcquisitionSet> acquisition, List<string> warnings)
    {
        for (var i = 0; i < BodyItemsToInspect && position + 17 <= length && acquisition.Count < 8; i++)
        {
            byte[] key;
            long valueLength;
            long valueStart;
            try
            {
                (key, valueLength, valueStart) = ReadKlvHeader(stream, source, position, length);
            }
            catch (MalformedInputException e)
            {
                warnings.Add(e.Message);
                return;
            }

            if (valueStart + valueLength > length)
            {
                warnings.Add(FormattableString.Invariant($"{source}: essence item at offset {position} claims {valueLength} bytes, {length - valueStart} remain (file cut short)"));
                return;
            }

            if (AcquisitionKind(key) is { } kind && valueLength <= MaxInspectedItemBytes)
            {
                var value = new byte[valueLength];
                stream.Position = valueStart;
                stream.ReadExactly(value);
                acquisition.Add(new MxfAcquisitionSet(kind, position, value));
            }
            else if (IsDataItem(key) && valueLength <= MaxInspectedItemBytes)
            {
                var value = new byte[valueLength];
                stream.Position = valueStart;
                stream.ReadExactly(value);
                FindEmbeddedSets(value, valueStart, acquisition);
            }

            position = valueStart + valueLength;
        }
    }

    /// <summary>RDD 18 sets nested inside a frame's data item (e.g. Sony's acquisition metadata element): found by their keys.</summary>
    internal static void FindEmbeddedSets(byte[] value, long baseOffset, List<MxfAcquisitionSet> acquisition)
    {
        var span = value.AsSpan();
        var offset = 0;
        while (offset + 17 <= span.Length)
        {
            var at = span[offset..].IndexOf(UlPrefix);
            if (at < 0)
            {
                return;
            }

            offset += at;
            if (offset + 17 > span.Length)
            {
                return;
            }

            var key = span.Slice(offset, 16).ToArray();
            if (AcquisitionKind(key) is { } kind && TryBer(span[(offset + 16)..], out var len, out var lenSize) && len <= (ulong)(span.Length - offset - 16 - lenSize))
            {
                acquisition.Add(new MxfAcquisitionSet(kind, baseOffset + offset, span.Slice(offset + 16 + lenSize, (int)len).ToArray()));
                offset += 16 + lenSize + (int)len;
            }
            else
            {
                offset += 4;
            }
        }
    }

    private static MxfInfo Assemble(List<LocalSet> sets, Dictionary<ushort, string> primer, List<MxfAcquisitionSet> acquisition, List<string> warnings, string status, string op)
    {
        var byUid = new Dictionary<string, LocalSet>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            if (set.InstanceUid is { } uid)
            {
                byUid.TryAdd(uid, set);
            }
        }

        var tracks = new List<MxfTrack>();
        var timecodes = new List<MxfTimecodeComponent>();
        var names = new List<string>();
        foreach (var package in sets.Where(s => s.Kind is 0x36 or 0x37))
        {
            var packageKind = package.Kind == 0x36 ? "material" : "source";
            if (package.Text(0x4402) is { Length: > 0 } name)
            {
                names.Add(name);
            }

            foreach (var trackUid in package.Batch(0x4403))
            {
                if (!byUid.TryGetValue(trackUid, out var track))
                {
                    continue;
                }

                var (num, den) = track.Rational(0x4B01) ?? (0, 0);
                string kind = "other";
                long? duration = null;
                if (track.Reference(0x4803) is { } seqUid && byUid.TryGetValue(seqUid, out var sequence))
                {
                    kind = DataDefinition(sequence.Bytes(0x0201));
                    duration = sequence.Int64(0x0202);
                    var components = sequence.Kind == 0x14 ? [sequence] : sequence.Batch(0x1001).Select(u => byUid.GetValueOrDefault(u)).OfType<LocalSet>().ToList();
                    foreach (var component in components)
                    {
                        if (component.Kind == 0x14 && component.Int64(0x1501) is { } startFrames)
                        {
                            timecodes.Add(new MxfTimecodeComponent(startFrames, (int)(component.UInt(0x1502) ?? 0), (component.UInt(0x1503) ?? 0) != 0, packageKind));
                            kind = "timecode";
                        }
                    }
                }

                tracks.Add(new MxfTrack((int)(track.UInt(0x4801) ?? 0), (uint)(track.UInt(0x4804) ?? 0), num, den, kind, duration, packageKind));
            }
        }

        // Timecode components not reached through a package (incomplete headers) still count.
        if (timecodes.Count == 0)
        {
            foreach (var component in sets.Where(s => s.Kind == 0x14))
            {
                if (component.Int64(0x1501) is { } startFrames)
                {
                    timecodes.Add(new MxfTimecodeComponent(startFrames, (int)(component.UInt(0x1502) ?? 0), (component.UInt(0x1503) ?? 0) != 0, "unattached"));
                }
            }
        }

        MxfPictureDescriptor? picture = null;
        foreach (var d in sets.Where(s => s.Kind is 0x27 or 0x28 or 0x29 or 0x51 || s.Has(0x3203)))
        {
            if (!d.Has(0x3203) && !d.Has(0x3201))
            {
                continue;
            }

            var (srn, srd) = d.Rational(0x3001) ?? (0, 0);
            picture = new MxfPictureDescriptor(
                (int?)d.UInt(0x3203),
                (int?)d.UInt(0x3202),
                (int?)d.UInt(0x3209),
                (int?)d.UInt(0x3208),
                srn > 0 ? srn : null,
                srd > 0 ? srd : null,
                d.Bytes(0x3201) is { Length: 16 } coding ? Ul(coding) : null,
                d.Int64(0x3002),
                (int?)d.UInt(0x320C));
            break;
        }

        var identifications = sets.Where(s => s.Kind == 0x30).Select(s => (s.Text(0x3C01), s.Text(0x3C02), s.Text(0x3C04))).ToList();
        return new MxfInfo
        {
            PartitionStatus = status,
            OperationalPattern = op,
            Tracks = tracks,
            TimecodeComponents = timecodes,
            Picture = picture,
            Identifications = identifications,
            PackageNames = names,
            AcquisitionSets = acquisition,
            Primer = primer,
            Warnings = warnings,
        };
    }

    private static string DataDefinition(byte[]? ul)
    {
        if (ul is not { Length: 16 })
        {
            return "other";
        }

        // 06 0E 2B 34 04 01 01 01 01 03 02 02 01 .. picture, .. 02 02 02 sound, .. 02 01 01 timecode (SMPTE ST 377 Annex).
        if (ul[8] == 0x01 && ul[9] == 0x03 && ul[10] == 0x02)
        {
            return (ul[11], ul[12]) switch
            {
                (0x01, 0x01) or (0x01, 0x02) or (0x01, 0x03) => "timecode",
                (0x02, 0x01) => "picture",
                (0x02, 0x02) => "sound",
                (0x02, 0x03) => "data",
                _ => "other",
            };
        }

        return "other";
    }

    private static void ParsePrimer(byte[] value, Dictionary<ushort, string> primer, string source, long offset)
    {
        if (value.Length < 8)
        {
            throw new MalformedInputException("primer pack shorter than its batch header", source, offset, "primer pack");
        }

        var count = BinaryPrimitives.ReadUInt32BigEndian(value);
        var size = BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(4));
        if (size != 18 || count > (uint)(value.Length - 8) / 18)
        {
            throw new MalformedInputException(FormattableString.Invariant($"primer batch of {count} × {size} bytes does not fit in {value.Length}"), source, offset, "primer pack");
        }

        for (var i = 0; i < count; i++)
        {
            var entry = value.AsSpan(8 + (i * 18), 18);
            primer[BinaryPrimitives.ReadUInt16BigEndian(entry)] = Ul(entry[2..]);
        }
    }

    private static long FindHeaderPartition(Stream stream, string source, long length)
    {
        var window = new byte[(int)Math.Min(length, MaxRunIn + 16)];
        stream.Position = 0;
        stream.ReadExactly(window);
        var at = window.AsSpan().IndexOf(PartitionPrefix);
        if (at < 0 || at + 16 > window.Length || window[at + 13] != 0x02)
        {
            throw new MalformedInputException("no MXF header partition pack in the first 64 KiB", source, 0, "header partition pack");
        }

        return at;
    }

    private static (byte[] Key, long Length, long ValueStart) ReadKlvHeader(Stream stream, string source, long position, long length)
    {
        var key = new byte[16];
        stream.Position = position;
        stream.ReadExactly(key);
        if (!key.AsSpan(0, 4).SequenceEqual(UlPrefix))
        {
            throw new MalformedInputException("not a SMPTE UL key (lost KLV sync)", source, position, "KLV key");
        }

        var (len, size) = ReadBerLength(stream, source, position + 16);
        if (len > long.MaxValue / 2)
        {
            throw new MalformedInputException(FormattableString.Invariant($"KLV length {len} is not plausible"), source, position, KeyName(key));
        }

        _ = length;
        return (key, (long)len, position + 16 + size);
    }

    private static (ulong Length, int Size) ReadBerLength(Stream stream, string source, long position)
    {
        Span<byte> buffer = stackalloc byte[9];
        stream.Position = position;
        var read = stream.ReadAtLeast(buffer, 1, throwOnEndOfStream: false);
        if (read < 1 || !TryBer(buffer[..read], out var len, out var size))
        {
            throw new MalformedInputException("BER length cut off or longer than 8 bytes", source, position, "KLV length");
        }

        return (len, size);
    }

    private static bool TryBer(ReadOnlySpan<byte> data, out ulong length, out int size)
    {
        length = 0;
        size = 0;
        if (data.Length < 1)
        {
            return false;
        }

        if (data[0] < 0x80)
        {
            length = data[0];
            size = 1;
            return true;
        }

        var n = data[0] & 0x7F;
        if (n is 0 or > 8 || data.Length < 1 + n)
        {
            return false;
        }

        for (var i = 1; i <= n; i++)
        {
            length = (length << 8) | data[i];
        }

        size = 1 + n;
        return true;
    }

    private static long Skip(long valueStart, long valueLength, long length, string source, long position)
    {
        var next = valueStart + valueLength;
        if (next > length)
        {
            throw new MalformedInputException(FormattableString.Invariant($"fill item claims {valueLength} bytes past the end"), source, position, "KLV fill");
        }

        return next;
    }

    private static bool IsPartition(byte[] key) => key.AsSpan(0, 13).SequenceEqual(PartitionPrefix) && key[13] is 0x02 or 0x03 or 0x04;

    private static bool IsFill(byte[] key) => key[8] == 0x03 && key[9] == 0x01 && key[10] == 0x02 && key[11] == 0x10 && key[12] == 0x01;

    private static bool IsHeaderMetadataKey(byte[] key) =>
        key[4] == 0x02 && (key[5] == 0x53 || key[5] == 0x05 || key[5] == 0x13 || key[5] == 0x43 || key[5] == 0x63);

    private static bool IsDataItem(byte[] key) =>
        key[4] == 0x01 && key[8] == 0x0D && key[9] == 0x01 && key[10] == 0x03 && key[11] == 0x01 && key[12] is 0x17 or 0x04 or 0x14;

    private static string? AcquisitionKind(ReadOnlySpan<byte> key)
    {
        if (key.Length < 16 || key[8] != 0x0C || key[9] != 0x02 || key[10] != 0x01 || key[11] != 0x01)
        {
            return null;
        }

        // The registry version byte (7) and the set coding byte (5) vary between writers; compare the rest.
        static bool Match(ReadOnlySpan<byte> k, byte[] set) => k[..5].SequenceEqual(set.AsSpan(0, 5)) && k[8..].SequenceEqual(set.AsSpan(8));
        return Match(key, LensSetKey) ? "lens" : Match(key, CameraSetKey) ? "camera" : Match(key, UserSetKey) ? "user" : null;
    }

    internal static string Ul(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static string KeyName(byte[] key) => "key " + Ul(key);

    /// <summary>One local set: its kind (the set key's 15th byte for structural sets) and its tag → value items.</summary>
    private sealed class LocalSet
    {
        private readonly Dictionary<ushort, byte[]> _items = [];

        public int Kind { get; private init; }

        public string? InstanceUid => Bytes(0x3C0A) is { Length: 16 } uid ? Ul(uid) : null;

        public static LocalSet Parse(byte[] key, byte[] value, string source, long offset)
        {
            var structural = key[8] == 0x0D && key[9] == 0x01 && key[10] == 0x01 && key[11] == 0x01;
            var set = new LocalSet { Kind = structural ? key[13] == 0x01 ? key[14] : key[13] << 8 | key[14] : -1 };
            var at = 0;
            while (at + 4 <= value.Length)
            {
                var tag = BinaryPrimitives.ReadUInt16BigEndian(value.AsSpan(at));
                var len = BinaryPrimitives.ReadUInt16BigEndian(value.AsSpan(at + 2));
                if (at + 4 + len > value.Length)
                {
                    throw new MalformedInputException(FormattableString.Invariant($"local tag {tag:X4} claims {len} bytes, {value.Length - at - 4} remain in its set"), source, offset + 17 + at, KeyName(key));
                }

                set._items.TryAdd(tag, value.AsSpan(at + 4, len).ToArray());
                at += 4 + len;
            }

            return set;
        }

        public bool Has(ushort tag) => _items.ContainsKey(tag);

        public byte[]? Bytes(ushort tag) => _items.GetValueOrDefault(tag);

        public ulong? UInt(ushort tag) => Bytes(tag) switch
        {
            { Length: 1 } b => b[0],
            { Length: 2 } b => BinaryPrimitives.ReadUInt16BigEndian(b),
            { Length: 4 } b => BinaryPrimitives.ReadUInt32BigEndian(b),
            { Length: 8 } b => BinaryPrimitives.ReadUInt64BigEndian(b),
            _ => null,
        };

        public long? Int64(ushort tag) => Bytes(tag) is { Length: 8 } b ? BinaryPrimitives.ReadInt64BigEndian(b) : (long?)UInt(tag);

        public (long Numerator, long Denominator)? Rational(ushort tag) =>
            Bytes(tag) is { Length: 8 } b ? (BinaryPrimitives.ReadInt32BigEndian(b), BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4))) : null;

        public string? Reference(ushort tag) => Bytes(tag) is { Length: 16 } b ? Ul(b) : null;

        public List<string> Batch(ushort tag)
        {
            var b = Bytes(tag);
            var result = new List<string>();
            if (b is null || b.Length < 8)
            {
                return result;
            }

            var count = BinaryPrimitives.ReadUInt32BigEndian(b);
            var size = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(4));
            if (size != 16 || count > (uint)(b.Length - 8) / 16)
            {
                return result;
            }

            for (var i = 0; i < count; i++)
            {
                result.Add(Ul(b.AsSpan(8 + (i * 16), 16)));
            }

            return result;
        }

        public string? Text(ushort tag) => Bytes(tag) is { } b ? Encoding.BigEndianUnicode.GetString(b).TrimEnd('\0') : null;
    }
}
