using System.Buffers.Binary;
using System.Text;
using InterPositive.Formats.Rdd18;

namespace InterPositive.Testing.Media;

/// <summary>
/// Writes a small OP1a-shaped MXF file: header partition (closed complete) with primer, preface, identification,
/// content storage, material package (timecode + picture tracks), source package with a CDCI picture descriptor;
/// a body partition whose first items are RDD 18 lens and camera sets, stand-in picture elements, and a footer.
/// </summary>
public sealed class MxfWriter
{
    public int Width { get; set; } = 3840;

    public int Height { get; set; } = 2160;

    public int EditRateNumerator { get; set; } = 24000;

    public int EditRateDenominator { get; set; } = 1001;

    public int Frames { get; set; } = 3;

    public long StartTimecodeFrames { get; set; } = 24L * 3600;

    public int RoundedTimecodeBase { get; set; } = 24;

    public bool DropFrame { get; set; }

    /// <summary>ProRes 422 HQ picture coding label by default.</summary>
    public byte[] PictureCoding { get; set; } = [0x06, 0x0E, 0x2B, 0x34, 0x04, 0x01, 0x01, 0x0D, 0x04, 0x01, 0x02, 0x02, 0x03, 0x06, 0x04, 0x00];

    public string Company { get; set; } = "ARRI";

    public string Product { get; set; } = "ALEXA 35";

    public string PackageName { get; set; } = "A_0076C001_230511_184122_h1CTJ";

    public AcquisitionMetadata? Lens { get; set; } = new() { IrisFNumber = 2.8, FocusDistanceMetres = 2.5, FocalLengthMm = 50 };

    public AcquisitionMetadata? Camera { get; set; } = new() { Iso = 800, WhiteBalanceKelvin = 5600, ShutterAngleDegrees = 172.8, NdFilter = 4, ExposureIndex = 800 };

    private int _uid;

    public byte[] Build()
    {
        _uid = 0;
        var tcSequenceUid = Uid();
        var tcComponentUid = Uid();
        var tcTrackUid = Uid();
        var picSequenceUid = Uid();
        var picClipUid = Uid();
        var picTrackUid = Uid();
        var materialUid = Uid();
        var sourceUid = Uid();
        var srcTrackUid = Uid();
        var srcSequenceUid = Uid();
        var srcClipUid = Uid();
        var descriptorUid = Uid();
        var storageUid = Uid();
        var prefaceUid = Uid();
        var identUid = Uid();
        var editRate = Concat(I32(EditRateNumerator), I32(EditRateDenominator));
        byte[] timecodeDef = [0x06, 0x0E, 0x2B, 0x34, 0x04, 0x01, 0x01, 0x01, 0x01, 0x03, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00];
        byte[] pictureDef = [0x06, 0x0E, 0x2B, 0x34, 0x04, 0x01, 0x01, 0x01, 0x01, 0x03, 0x02, 0x02, 0x01, 0x00, 0x00, 0x00];

        var sets = new List<byte[]>
        {
            Set(0x2F, prefaceUid, Item(0x3B03, storageUid), Item(0x3B06, Batch(identUid))),
            Set(0x30, identUid, Item(0x3C01, Utf16(Company)), Item(0x3C02, Utf16(Product)), Item(0x3C04, Utf16("1.0"))),
            Set(0x18, storageUid, Item(0x1901, Batch(materialUid, sourceUid))),
            Set(0x36, materialUid, Item(0x4402, Utf16(PackageName)), Item(0x4403, Batch(tcTrackUid, picTrackUid))),
            Set(0x3B, tcTrackUid, Item(0x4801, U32(1)), Item(0x4804, U32(0)), Item(0x4B01, editRate), Item(0x4B02, U64(0)), Item(0x4803, tcSequenceUid)),
            Set(0x0F, tcSequenceUid, Item(0x0201, timecodeDef), Item(0x0202, U64((ulong)Frames)), Item(0x1001, Batch(tcComponentUid))),
            Set(0x14, tcComponentUid, Item(0x0201, timecodeDef), Item(0x0202, U64((ulong)Frames)), Item(0x1501, U64((ulong)StartTimecodeFrames)), Item(0x1502, U16((ushort)RoundedTimecodeBase)), Item(0x1503, [DropFrame ? (byte)1 : (byte)0])),
            Set(0x3B, picTrackUid, Item(0x4801, U32(2)), Item(0x4804, U32(0x15010501)), Item(0x4B01, editRate), Item(0x4B02, U64(0)), Item(0x4803, picSequenceUid)),
            Set(0x0F, picSequenceUid, Item(0x0201, pictureDef), Item(0x0202, U64((ulong)Frames)), Item(0x1001, Batch(picClipUid))),
            Set(0x11, picClipUid, Item(0x0201, pictureDef), Item(0x0202, U64((ulong)Frames))),
            Set(0x37, sourceUid, Item(0x4403, Batch(srcTrackUid)), Item(0x4701, descriptorUid)),
            Set(0x3B, srcTrackUid, Item(0x4801, U32(1)), Item(0x4B01, editRate), Item(0x4803, srcSequenceUid)),
            Set(0x0F, srcSequenceUid, Item(0x0201, pictureDef), Item(0x0202, U64((ulong)Frames)), Item(0x1001, Batch(srcClipUid))),
            Set(0x11, srcClipUid, Item(0x0201, pictureDef), Item(0x0202, U64((ulong)Frames))),
            Set(0x28, descriptorUid, Item(0x3001, editRate), Item(0x3002, U64((ulong)Frames)), Item(0x3203, U32((uint)Width)), Item(0x3202, U32((uint)Height)), Item(0x3201, PictureCoding)),
        };

        var primerEntries = new ushort[] { 0x3C0A, 0x3B03, 0x3B06, 0x3C01, 0x3C02, 0x3C04, 0x1901, 0x4402, 0x4403, 0x4801, 0x4804, 0x4B01, 0x4B02, 0x4803, 0x0201, 0x0202, 0x1001, 0x1501, 0x1502, 0x1503, 0x4701, 0x3001, 0x3002, 0x3203, 0x3202, 0x3201 };
        var primer = Klv(
            [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01, 0x05, 0x01, 0x00],
            Concat(U32((uint)primerEntries.Length), U32(18), Concat(primerEntries.Select(t => Concat(U16(t), [0x06, 0x0E, 0x2B, 0x34, 0x01, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, (byte)(t >> 8), (byte)t])).ToArray())));
        var metadata = Concat([primer, .. sets]);
        var headerPack = Partition(0x02, 0x04, 0, (ulong)metadata.Length);
        var header = Concat(headerPack, metadata);

        var body = new List<byte[]>();
        if (Lens is not null)
        {
            body.Add(Klv([.. Rdd18Codec.LensUnitSetKey], Rdd18Codec.EncodeItems(Lens)));
        }

        if (Camera is not null)
        {
            body.Add(Klv([.. Rdd18Codec.CameraUnitSetKey], Rdd18Codec.EncodeItems(Camera)));
        }

        for (var i = 0; i < Frames; i++)
        {
            body.Add(Klv([0x06, 0x0E, 0x2B, 0x34, 0x01, 0x02, 0x01, 0x01, 0x0D, 0x01, 0x03, 0x01, 0x15, 0x01, 0x05, 0x01], new byte[4096]));
        }

        var bodyPack = Partition(0x03, 0x04, (ulong)header.Length, 0);
        var bodyBytes = Concat([bodyPack, .. body]);
        var footer = Partition(0x04, 0x04, (ulong)(header.Length + bodyBytes.Length), 0);
        return Concat(header, bodyBytes, footer);
    }

    public void WriteTo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, Build());
    }

    private static byte[] Partition(byte kind, byte status, ulong thisPartition, ulong headerByteCount)
    {
        byte[] key = [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01, kind, status, 0x00];
        byte[] op1a = [0x06, 0x0E, 0x2B, 0x34, 0x04, 0x01, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01, 0x01, 0x09, 0x00];
        var value = Concat(U16(1), U16(3), U32(1), U64(thisPartition), U64(0), U64(0), U64(headerByteCount), U64(0), U32(0), U64(0), U32(kind == 0x03 ? 1u : 0u), op1a, U32(0), U32(16));
        return Klv(key, value);
    }

    private byte[] Uid()
    {
        var uid = new byte[16];
        uid[0] = 0xA5;
        BinaryPrimitives.WriteInt32BigEndian(uid.AsSpan(12), ++_uid);
        return uid;
    }

    private static byte[] Set(byte kind, byte[] uid, params byte[][] items)
    {
        byte[] key = [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x53, 0x01, 0x01, 0x0D, 0x01, 0x01, 0x01, 0x01, 0x01, kind, 0x00];
        return Klv(key, Concat([Item(0x3C0A, uid), .. items]));
    }

    private static byte[] Item(ushort tag, byte[] value) => Concat(U16(tag), U16((ushort)value.Length), value);

    private static byte[] Batch(params byte[][] uids) => Concat([U32((uint)uids.Length), U32(16), .. uids]);

    /// <summary>A KLV triplet with a 4-byte BER length (0x83 + 3 bytes), as many encoders write.</summary>
    public static byte[] Klv(byte[] key, byte[] value) =>
        Concat(key, [0x83, (byte)(value.Length >> 16), (byte)(value.Length >> 8), (byte)value.Length], value);

    private static byte[] Utf16(string text) => Encoding.BigEndianUnicode.GetBytes(text);

    private static byte[] U16(ushort v) => MovWriter.U16(v);

    private static byte[] U32(uint v) => MovWriter.U32(v);

    private static byte[] I32(int v) => MovWriter.U32((uint)v);

    private static byte[] U64(ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        return b;
    }

    private static byte[] Concat(params byte[][] parts) => MovWriter.Concat(parts);
}
