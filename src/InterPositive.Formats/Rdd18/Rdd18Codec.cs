using System.Buffers.Binary;
using System.Text;

namespace InterPositive.Formats.Rdd18;

/// <summary>
/// Decodes and encodes RDD 18 acquisition-metadata items: MXF local-set items (2-byte tag, 2-byte length,
/// big-endian value), optionally wrapped in KLV sets (16-byte UL key, BER length) as MXF and the SDI mapping
/// carry them. Pure: spans in, records out. The MXF reader calls <see cref="DecodeItems"/> on a set's value;
/// the SDI path calls <see cref="DecodeAncPayload"/> on the ANC user data of a 0x43/0x05 packet.
/// </summary>
public static class Rdd18Codec
{
    /// <summary>SDI ANC identifiers of RDD 18 camera metadata (libklvanc DID table, MediaInfoLib File_Ancillary).</summary>
    public const byte AncDid = 0x43;

    public const byte AncSdid = 0x05;

    public const ushort IrisFNumber = 0x8000;
    public const ushort FocusDistanceImagePlane = 0x8001;
    public const ushort FocusDistanceFrontVertex = 0x8002;
    public const ushort Zoom35mmEquivalent = 0x8004;
    public const ushort FocalLength = 0x8005;
    public const ushort LensAttributes = 0x8007;
    public const ushort IrisTNumber = 0x8008;
    public const ushort IrisRingPosition = 0x8009;
    public const ushort FocusRingPosition = 0x800A;
    public const ushort ZoomRingPosition = 0x800B;
    public const ushort NdFilterWheel = 0x8103;
    public const ushort CaptureFrameRate = 0x8106;
    public const ushort ShutterAngle = 0x8108;
    public const ushort ShutterTime = 0x8109;
    public const ushort MasterGain = 0x810A;
    public const ushort IsoSensitivity = 0x810B;
    public const ushort WhiteBalance = 0x810E;
    public const ushort CameraAttributes = 0x8114;
    public const ushort ExposureIndex = 0x8115;
    public const ushort AscCdl = 0x8117;

    /// <summary>The four bytes every SMPTE UL starts with.</summary>
    private static ReadOnlySpan<byte> UlPrefix => [0x06, 0x0E, 0x2B, 0x34];

    /// <summary>LensUnitMetadata set key (ST 377 set, RDD 18 item group <c>0C 02 01 01 01 01</c>).</summary>
    public static ReadOnlySpan<byte> LensUnitSetKey => [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x53, 0x01, 0x01, 0x0C, 0x02, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00];

    /// <summary>CameraUnitMetadata set key (<c>0C 02 01 01 02 01</c>).</summary>
    public static ReadOnlySpan<byte> CameraUnitSetKey => [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x53, 0x01, 0x01, 0x0C, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x00];

    /// <summary>
    /// Decodes the user data of an RDD 18 ANC packet (8-bit UDW values). The first byte is skipped, as
    /// MediaInfoLib does (File_Ancillary passes Payload+1 to its MXF parser); what follows is either KLV sets or
    /// bare local-set items. The first byte's meaning is not confirmed from the RDD text we could read.
    /// </summary>
    public static AcquisitionMetadata DecodeAncPayload(ReadOnlySpan<byte> userData, string? source = null)
    {
        if (userData.Length < 1)
        {
            throw new MalformedInputException("RDD 18 packet carries no user data", source, 0, "UDW");
        }

        return DecodeSets(userData[1..], source, baseOffset: 1);
    }

    /// <summary>Decodes a run of KLV sets (LensUnit, CameraUnit, UserDefined) or, when no UL starts it, bare items.</summary>
    public static AcquisitionMetadata DecodeSets(ReadOnlySpan<byte> data, string? source = null, long baseOffset = 0)
    {
        if (data.Length < 4 || !data.StartsWith(UlPrefix))
        {
            return DecodeItems(data, source, baseOffset);
        }

        var result = new AcquisitionMetadata();
        var at = 0;
        while (at < data.Length)
        {
            if (data.Length - at < 17)
            {
                throw new MalformedInputException("KLV key and length run past the end", source, baseOffset + at, "KLV");
            }

            if (!data[at..].StartsWith(UlPrefix))
            {
                throw new MalformedInputException("expected a SMPTE UL (06 0E 2B 34)", source, baseOffset + at, "KLV key");
            }

            var lengthAt = at + 16;
            var length = ReadBerLength(data, ref lengthAt, source, baseOffset);
            if (length > data.Length - lengthAt)
            {
                throw new MalformedInputException(FormattableString.Invariant($"KLV value of {length} bytes runs past the end"), source, baseOffset + at, "KLV length");
            }

            result = result.Merge(DecodeItems(data.Slice(lengthAt, (int)length), source, baseOffset + lengthAt));
            at = lengthAt + (int)length;
        }

        return result;
    }

    /// <summary>Decodes local-set items (tag, length, value); unknown tags are skipped by their length.</summary>
    public static AcquisitionMetadata DecodeItems(ReadOnlySpan<byte> items, string? source = null, long baseOffset = 0)
    {
        var m = new AcquisitionMetadata();
        var at = 0;
        while (at < items.Length)
        {
            if (items.Length - at < 4)
            {
                throw new MalformedInputException("local-set item header runs past the end", source, baseOffset + at, "local tag");
            }

            var tag = BinaryPrimitives.ReadUInt16BigEndian(items[at..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(items[(at + 2)..]);
            if (length > items.Length - at - 4)
            {
                throw new MalformedInputException(FormattableString.Invariant($"item of {length} bytes runs past the end"), source, baseOffset + at, FormattableString.Invariant($"tag 0x{tag:X4}"));
            }

            var value = items.Slice(at + 4, length);
            m = DecodeItem(m, tag, value, source, baseOffset + at + 4);
            at += 4 + length;
        }

        return m;
    }

    /// <summary>Applies one item to <paramref name="m"/>; tags outside RDD 18's known set leave it unchanged.</summary>
    public static AcquisitionMetadata DecodeItem(AcquisitionMetadata m, ushort tag, ReadOnlySpan<byte> value, string? source = null, long offset = 0)
    {
        return tag switch
        {
            IrisFNumber => m with { IrisFNumber = DecodeIris(U16(value, tag, source, offset)) },
            IrisTNumber => m with { IrisTNumber = DecodeIris(U16(value, tag, source, offset)) },
            FocusDistanceImagePlane => m with { FocusDistanceMetres = DecodeLensFloat16(U16(value, tag, source, offset)) },
            FocusDistanceFrontVertex => m with { FocusDistanceFrontVertexMetres = DecodeLensFloat16(U16(value, tag, source, offset)) },
            Zoom35mmEquivalent => m with { FocalLength35mmEquivalentMm = DecodeLensFloat16(U16(value, tag, source, offset)) * 1000 },
            FocalLength => m with { FocalLengthMm = DecodeLensFloat16(U16(value, tag, source, offset)) * 1000 },
            IrisRingPosition => m with { IrisRingPercent = U16(value, tag, source, offset) / 65536.0 * 100 },
            FocusRingPosition => m with { FocusRingPercent = U16(value, tag, source, offset) / 65536.0 * 100 },
            ZoomRingPosition => m with { ZoomRingPercent = U16(value, tag, source, offset) / 65536.0 * 100 },
            LensAttributes => m with { LensAttributes = Text(value) },
            NdFilterWheel => m with { NdFilter = U16(value, tag, source, offset) },
            CaptureFrameRate => m with { CaptureFrameRate = Rational(value, tag, source, offset) },
            ShutterAngle => m with { ShutterAngleDegrees = U32(value, tag, source, offset) / 60.0 },
            ShutterTime => m with { ShutterTimeSeconds = Rational(value, tag, source, offset) },
            MasterGain => m with { MasterGainDb = (short)U16(value, tag, source, offset) / 100.0 },
            IsoSensitivity => m with { Iso = U16(value, tag, source, offset) },
            WhiteBalance => m with { WhiteBalanceKelvin = U16(value, tag, source, offset) },
            CameraAttributes => m with { CameraAttributes = Text(value) },
            ExposureIndex => m with { ExposureIndex = U16(value, tag, source, offset) },
            AscCdl => m with { Cdl = DecodeCdl(value, source, offset) },
            _ => m,
        };
    }

    /// <summary>Iris: N = 2^(8·(1 − v/65536)).</summary>
    public static double DecodeIris(ushort v) => Math.Pow(2, 8 * (1 - (v / 65536.0)));

    public static ushort EncodeIris(double fNumber) =>
        (ushort)Math.Clamp(Math.Round(65536 * (1 - (Math.Log2(fNumber) / 8))), 0, 65535);

    /// <summary>RDD 18 lens float: top 4 bits a signed (two's complement) power of ten, low 12 bits the mantissa; metres.</summary>
    public static double DecodeLensFloat16(ushort v)
    {
        var exponent = (v >> 12) >= 8 ? (v >> 12) - 16 : v >> 12;
        var mantissa = v & 0x0FFF;
        return mantissa * Math.Pow(10, exponent);
    }

    /// <summary>The most precise lens float for a value in metres (mantissa as large as fits in 12 bits).</summary>
    public static ushort EncodeLensFloat16(double metres)
    {
        if (metres <= 0 || double.IsNaN(metres))
        {
            return 0;
        }

        for (var exponent = -8; exponent <= 7; exponent++)
        {
            var mantissa = Math.Round(metres / Math.Pow(10, exponent));
            if (mantissa <= 4095)
            {
                return (ushort)(((exponent & 0xF) << 12) | (int)mantissa);
            }
        }

        return 0x7FFF;
    }

    /// <summary>Encodes items as one bare local set (tag, length, value); the inverse of <see cref="DecodeItems"/>.</summary>
    public static byte[] EncodeItems(AcquisitionMetadata m)
    {
        using var buffer = new MemoryStream();
        void Item(ushort tag, ReadOnlySpan<byte> value)
        {
            Span<byte> header = stackalloc byte[4];
            BinaryPrimitives.WriteUInt16BigEndian(header, tag);
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)value.Length);
            buffer.Write(header);
            buffer.Write(value);
        }

        void U16Item(ushort tag, ushort v)
        {
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(b, v);
            Item(tag, b);
        }

        void RationalItem(ushort tag, double v)
        {
            Span<byte> b = stackalloc byte[8];
            var (num, den) = ToRational(v);
            BinaryPrimitives.WriteInt32BigEndian(b, num);
            BinaryPrimitives.WriteInt32BigEndian(b[4..], den);
            Item(tag, b);
        }

        if (m.IrisFNumber is { } f)
        {
            U16Item(IrisFNumber, EncodeIris(f));
        }

        if (m.IrisTNumber is { } t)
        {
            U16Item(IrisTNumber, EncodeIris(t));
        }

        if (m.FocusDistanceMetres is { } focus)
        {
            U16Item(FocusDistanceImagePlane, EncodeLensFloat16(focus));
        }

        if (m.FocusDistanceFrontVertexMetres is { } front)
        {
            U16Item(FocusDistanceFrontVertex, EncodeLensFloat16(front));
        }

        if (m.FocalLength35mmEquivalentMm is { } zoom)
        {
            U16Item(Zoom35mmEquivalent, EncodeLensFloat16(zoom / 1000));
        }

        if (m.FocalLengthMm is { } focal)
        {
            U16Item(FocalLength, EncodeLensFloat16(focal / 1000));
        }

        if (m.IrisRingPercent is { } ir)
        {
            U16Item(IrisRingPosition, Percent(ir));
        }

        if (m.FocusRingPercent is { } fr)
        {
            U16Item(FocusRingPosition, Percent(fr));
        }

        if (m.ZoomRingPercent is { } zr)
        {
            U16Item(ZoomRingPosition, Percent(zr));
        }

        if (m.LensAttributes is { } lens)
        {
            Item(LensAttributes, Encoding.UTF8.GetBytes(lens));
        }

        if (m.NdFilter is { } nd)
        {
            U16Item(NdFilterWheel, (ushort)nd);
        }

        if (m.CaptureFrameRate is { } fps)
        {
            RationalItem(CaptureFrameRate, fps);
        }

        if (m.ShutterAngleDegrees is { } angle)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, (uint)Math.Round(angle * 60));
            Item(ShutterAngle, b);
        }

        if (m.ShutterTimeSeconds is { } time)
        {
            RationalItem(ShutterTime, time);
        }

        if (m.MasterGainDb is { } gain)
        {
            U16Item(MasterGain, unchecked((ushort)(short)Math.Round(gain * 100)));
        }

        if (m.Iso is { } iso)
        {
            U16Item(IsoSensitivity, (ushort)iso);
        }

        if (m.WhiteBalanceKelvin is { } wb)
        {
            U16Item(WhiteBalance, (ushort)wb);
        }

        if (m.CameraAttributes is { } cam)
        {
            Item(CameraAttributes, Encoding.UTF8.GetBytes(cam));
        }

        if (m.ExposureIndex is { } ei)
        {
            U16Item(ExposureIndex, (ushort)ei);
        }

        if (m.Cdl is { } cdl)
        {
            Span<byte> b = stackalloc byte[20];
            double[] values = [cdl.SlopeR, cdl.SlopeG, cdl.SlopeB, cdl.OffsetR, cdl.OffsetG, cdl.OffsetB, cdl.PowerR, cdl.PowerG, cdl.PowerB, cdl.Saturation];
            for (var i = 0; i < 10; i++)
            {
                BinaryPrimitives.WriteHalfBigEndian(b[(2 * i)..], (Half)values[i]);
            }

            Item(AscCdl, b);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The user data of an RDD 18 ANC packet: one leading byte (written as 0, skipped on decode) and the
    /// items as one bare local set. Throws when the result would not fit one ANC packet (255 user words).
    /// </summary>
    public static byte[] EncodeAncPayload(AcquisitionMetadata m)
    {
        var items = EncodeItems(m);
        if (items.Length + 1 > 255)
        {
            throw new ArgumentException(FormattableString.Invariant($"RDD 18 items take {items.Length} bytes; one ANC packet carries at most 254"), nameof(m));
        }

        var payload = new byte[items.Length + 1];
        items.CopyTo(payload.AsSpan(1));
        return payload;
    }

    private static Rdd18Cdl DecodeCdl(ReadOnlySpan<byte> value, string? source, long offset)
    {
        if (value.Length < 20)
        {
            throw new MalformedInputException(FormattableString.Invariant($"ASC CDL item has {value.Length} bytes, needs 20"), source, offset, "tag 0x8117");
        }

        Span<double> h = stackalloc double[10];
        for (var i = 0; i < 10; i++)
        {
            h[i] = (double)BinaryPrimitives.ReadHalfBigEndian(value[(2 * i)..]);
        }

        return new Rdd18Cdl(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]);
    }

    private static ushort U16(ReadOnlySpan<byte> value, ushort tag, string? source, long offset) =>
        value.Length >= 2
            ? BinaryPrimitives.ReadUInt16BigEndian(value)
            : throw new MalformedInputException(FormattableString.Invariant($"item has {value.Length} bytes, needs 2"), source, offset, FormattableString.Invariant($"tag 0x{tag:X4}"));

    private static uint U32(ReadOnlySpan<byte> value, ushort tag, string? source, long offset) =>
        value.Length >= 4
            ? BinaryPrimitives.ReadUInt32BigEndian(value)
            : throw new MalformedInputException(FormattableString.Invariant($"item has {value.Length} bytes, needs 4"), source, offset, FormattableString.Invariant($"tag 0x{tag:X4}"));

    private static double? Rational(ReadOnlySpan<byte> value, ushort tag, string? source, long offset)
    {
        if (value.Length < 8)
        {
            throw new MalformedInputException(FormattableString.Invariant($"rational item has {value.Length} bytes, needs 8"), source, offset, FormattableString.Invariant($"tag 0x{tag:X4}"));
        }

        var num = BinaryPrimitives.ReadInt32BigEndian(value);
        var den = BinaryPrimitives.ReadInt32BigEndian(value[4..]);
        return den == 0 ? null : (double)num / den;
    }

    private static string Text(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(value).TrimEnd('\0');

    private static ushort Percent(double percent) => (ushort)Math.Clamp(Math.Round(percent / 100 * 65536), 0, 65535);

    /// <summary>Rates and times as the trade writes them: 24000/1001, 1/48, or a thousandth-exact fraction.</summary>
    private static (int Num, int Den) ToRational(double v)
    {
        foreach (var den in (ReadOnlySpan<int>)[1, 1001])
        {
            var num = v * den;
            if (Math.Abs(num - Math.Round(num)) < 1e-6 && Math.Abs(num) < int.MaxValue)
            {
                return ((int)Math.Round(num), den);
            }
        }

        if (v is > 0 and < 1 && Math.Abs((1 / v) - Math.Round(1 / v)) < 1e-6)
        {
            return (1, (int)Math.Round(1 / v));
        }

        return ((int)Math.Round(v * 1_000_000), 1_000_000);
    }

    private static long ReadBerLength(ReadOnlySpan<byte> data, ref int at, string? source, long baseOffset)
    {
        var first = data[at++];
        if (first < 0x80)
        {
            return first;
        }

        var count = first & 0x7F;
        if (count is 0 or > 8 || count > data.Length - at)
        {
            throw new MalformedInputException("bad BER length", source, baseOffset + at - 1, "KLV length");
        }

        long length = 0;
        for (var i = 0; i < count; i++)
        {
            length = (length << 8) | data[at++];
        }

        return length < 0 ? throw new MalformedInputException("BER length out of range", source, baseOffset + at, "KLV length") : length;
    }
}
