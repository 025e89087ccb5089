using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using InterPositive.Formats.Clips;

namespace InterPositive.Formats.Red;

/// <summary>What an R3D file's header block says: version, frame size and rate, and its metadata directory.</summary>
public sealed record R3dInfo
{
    public int Version { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    public long? RateNumerator { get; init; }

    public long? RateDenominator { get; init; }

    /// <summary>Directory entries by tag: strings, numbers (floats, integers) as the tag's format code says.</summary>
    public Dictionary<ushort, object> Entries { get; init; } = [];

    public List<string> Warnings { get; init; } = [];
}

/// <summary>
/// Reads the first block of a REDCODE R3D file (exiftool <c>Red.pm</c>, FFmpeg <c>r3d.c</c>): [BE32 size]["RED1"|"RED2"],
/// the frame size and rate, then the Red directory of [u16 length][u16 tag][value] entries whose tag's top nibble
/// gives the format. Reads at most the header block (bounded), so a file cut short after its header still yields it.
/// </summary>
public static class R3dReader
{
    public const ushort StartTimecode = 0x1001;
    public const ushort SerialNumber = 0x1006;
    public const ushort CameraType = 0x1019;
    public const ushort ReelNumber = 0x101A;
    public const ushort Take = 0x101B;
    public const ushort OriginalFileName = 0x1056;
    public const ushort LensMake = 0x106E;
    public const ushort LensModel = 0x1070;
    public const ushort Model = 0x1071;
    public const ushort ColorTemperature = 0x200D;
    public const ushort OriginalFrameRate = 0x2066;
    public const ushort Iso = 0x403B;
    public const ushort FNumber = 0x406A;
    public const ushort FocalLength = 0x406B;
    public const ushort FocusDistance = 0x606C;

    private const int MaxHeaderBlock = 1024 * 1024;

    public static R3dInfo Read(Stream stream, string source)
    {
        Span<byte> head = stackalloc byte[8];
        var got = stream.ReadAtLeast(head, 8, throwOnEndOfStream: false);
        if (got < 8)
        {
            throw new MalformedInputException(got == 0 ? "empty file" : "too short for an R3D header", source, 0);
        }

        var size = BinaryPrimitives.ReadUInt32BigEndian(head);
        var type = Encoding.Latin1.GetString(head[4..8]);
        if (type is not ("RED1" or "RED2"))
        {
            throw new MalformedInputException($"first block is '{Printable(type)}', not RED1/RED2", source, 4, "block type");
        }

        if (size < 8 || size > MaxHeaderBlock)
        {
            throw new MalformedInputException(FormattableString.Invariant($"header block size {size} is not plausible"), source, 0, type);
        }

        var block = new byte[size];
        head.CopyTo(block);
        var read = 8 + stream.ReadAtLeast(block.AsSpan(8), (int)size - 8, throwOnEndOfStream: false);
        var warnings = new List<string>();
        if (read < size)
        {
            warnings.Add(FormattableString.Invariant($"{source}: header block claims {size} bytes, {read} present (file cut short)"));
        }

        var data = block.AsSpan(0, read);
        return type == "RED2" ? ReadRed2(data, source, warnings) : ReadRed1(data, stream, source, warnings);
    }

    private static R3dInfo ReadRed2(ReadOnlySpan<byte> data, string source, List<string> warnings)
    {
        int? width = null, height = null;
        long? num = null, den = null;
        if (data.Length >= 0x5C)
        {
            width = (int)BinaryPrimitives.ReadUInt32BigEndian(data[0x4C..]);
            height = (int)BinaryPrimitives.ReadUInt32BigEndian(data[0x50..]);
            var a0 = BinaryPrimitives.ReadUInt16BigEndian(data[0x56..]);
            var a1 = BinaryPrimitives.ReadUInt16BigEndian(data[0x58..]);
            var a2 = BinaryPrimitives.ReadUInt16BigEndian(data[0x5A..]);
            if (a0 > 0)
            {
                num = ((long)a1 << 16) + a2;
                den = a0;
            }
        }

        var entries = new Dictionary<ushort, object>();
        if (data.Length > 0x40)
        {
            var records = data[0x40];
            var at = 0x44 + (records * 0x18);
            if (at + 2 <= data.Length)
            {
                var dirLength = BinaryPrimitives.ReadUInt16BigEndian(data[at..]);
                var start = at + 2;
                var end = Math.Min(start + dirLength, data.Length);
                if (start + dirLength > data.Length)
                {
                    warnings.Add(FormattableString.Invariant($"{source}: metadata directory claims {dirLength} bytes, {data.Length - start} present"));
                }

                ReadDirectory(data[start..end], entries, source, start);
            }
        }

        return new R3dInfo { Version = 2, Width = Positive(width), Height = Positive(height), RateNumerator = num, RateDenominator = den, Entries = entries, Warnings = warnings };
    }

    private static R3dInfo ReadRed1(ReadOnlySpan<byte> data, Stream stream, string source, List<string> warnings)
    {
        int? width = null, height = null;
        long? num = null, den = null;
        if (data.Length >= 0x46)
        {
            width = BinaryPrimitives.ReadUInt16BigEndian(data[0x36..]);
            height = BinaryPrimitives.ReadUInt16BigEndian(data[0x3A..]);
            num = BinaryPrimitives.ReadUInt32BigEndian(data[0x3E..]);
            den = BinaryPrimitives.ReadUInt32BigEndian(data[0x42..]);
        }

        // RED1 keeps its directory at 0x22 of the second block.
        var entries = new Dictionary<ushort, object>();
        var second = new byte[4096];
        var got = stream.ReadAtLeast(second, second.Length, throwOnEndOfStream: false);
        if (got > 0x24)
        {
            ReadDirectory(second.AsSpan(0x22, got - 0x22), entries, source, data.Length + 0x22);
        }

        return new R3dInfo { Version = 1, Width = Positive(width), Height = Positive(height), RateNumerator = num, RateDenominator = den > 0 ? den : null, Entries = entries, Warnings = warnings };
    }

    private static void ReadDirectory(ReadOnlySpan<byte> dir, Dictionary<ushort, object> entries, string source, long baseOffset)
    {
        var at = 0;
        var count = 0;
        while (at + 4 <= dir.Length && count++ < 4096)
        {
            var len = BinaryPrimitives.ReadUInt16BigEndian(dir[at..]);
            var tag = BinaryPrimitives.ReadUInt16BigEndian(dir[(at + 2)..]);
            if (len < 4 || at + len > dir.Length)
            {
                if (len == 0)
                {
                    break;
                }

                throw new MalformedInputException(FormattableString.Invariant($"entry of {len} bytes does not fit in the directory"), source, baseOffset + at, FormattableString.Invariant($"tag 0x{tag:X4}"));
            }

            var value = dir.Slice(at + 4, len - 4);
            object? decoded = (tag >> 12) switch
            {
                0 or 3 when value.Length >= 1 => (long)value[0],
                1 => Encoding.UTF8.GetString(value).TrimEnd('\0', ' '),
                2 when value.Length >= 4 => (double)BinaryPrimitives.ReadSingleBigEndian(value),
                4 when value.Length >= 2 => (long)BinaryPrimitives.ReadUInt16BigEndian(value),
                5 when value.Length >= 1 => (long)(sbyte)value[0],
                6 when value.Length >= 4 => (long)BinaryPrimitives.ReadInt32BigEndian(value),
                8 when value.Length >= 4 => (long)BinaryPrimitives.ReadUInt32BigEndian(value),
                _ => null,
            };
            if (decoded is not null)
            {
                entries.TryAdd(tag, decoded);
            }

            at += len;
        }
    }

    /// <summary>Maps the header onto the clip record.</summary>
    public static ClipRecord ToRecord(R3dInfo info, string path)
    {
        var clip = new ClipRecord
        {
            Path = path,
            Codec = CodecNames.RedcodeRaw,
            CodecId = "R3D",
            Width = info.Width,
            Height = info.Height,
            Camera = new CameraInfo { Make = "RED", Model = Text(info, Model) ?? Text(info, CameraType), Serial = Text(info, SerialNumber) },
            Reel = Text(info, ReelNumber),
            Take = Text(info, Take),
            Iso = Number(info, Iso) is { } iso && iso > 0 ? (int)iso : null,
            WhiteBalanceK = Number(info, ColorTemperature) is { } k && k is > 1000 and < 100000 ? (int)Math.Round(k) : null,
            Lens = new LensInfo
            {
                Model = Text(info, LensModel),
                FNumber = Number(info, FNumber) is { } f && f > 0 ? f / 10 : null,
                FocalLengthMm = Number(info, FocalLength) is { } mm && mm > 0 ? mm : null,
                FocusDistanceM = Number(info, FocusDistance) is { } d && d > 0 ? d / 1000 : null,
            },
            Errors = [.. info.Warnings],
        };

        FrameRate? rate = null;
        try
        {
            if (info is { RateNumerator: > 0, RateDenominator: > 0 })
            {
                rate = FrameRate.FromRational(info.RateNumerator.Value, info.RateDenominator.Value);
            }
            else if (Number(info, OriginalFrameRate) is { } fps && fps > 0)
            {
                rate = FrameRate.FromFramesPerSecond(fps);
            }
        }
        catch (ArgumentException e)
        {
            clip.Errors.Add($"{path}: frame rate: {e.Message}");
        }

        if (rate is { } r)
        {
            clip = clip with { Fps = Math.Round(r.FramesPerSecond, 3) };
            if (Text(info, StartTimecode) is { } label)
            {
                var tcRate = label.Contains(';', StringComparison.Ordinal) && r.Nominal is 30 or 60 ? new FrameRate(r.Numerator, r.Denominator, true) : r;
                if (Timecode.TryParse(label, tcRate, out var tc))
                {
                    clip = clip with { Timecode = TimecodeInfo.From(tc) };
                }
                else
                {
                    clip.Errors.Add($"{path}: start timecode '{label}' is not valid at {tcRate}");
                }
            }
        }

        return clip;
    }

    public static ClipRecord ReadRecord(Stream stream, string path) => ToRecord(Read(stream, path), path);

    private static string? Text(R3dInfo info, ushort tag) => info.Entries.GetValueOrDefault(tag) is string { Length: > 0 } s ? s : null;

    private static double? Number(R3dInfo info, ushort tag) => info.Entries.GetValueOrDefault(tag) switch
    {
        long l => l,
        double d when double.IsFinite(d) => d,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
        _ => null,
    };

    private static int? Positive(int? value) => value is > 0 and < 65536 ? value : null;

    private static string Printable(string text) => string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c.ToString() : "?"));
}
