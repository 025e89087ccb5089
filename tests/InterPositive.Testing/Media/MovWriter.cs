using System.Buffers.Binary;
using System.Text;

namespace InterPositive.Testing.Media;

/// <summary>
/// Writes small but structurally real QuickTime movies: ftyp, mdat (timecode sample + stand-in frames), and a moov
/// with a video track (tref → tmcd), a tmcd track, QuickTime <c>meta</c> with <c>mdta</c> keys/<c>ilst</c>, and udta text.
/// </summary>
public sealed class MovWriter
{
    public string Codec { get; set; } = "apch";

    public int Width { get; set; } = 1920;

    public int Height { get; set; } = 1080;

    /// <summary>Media timescale and frame duration (24000/1001 = 23.976).</summary>
    public int Timescale { get; set; } = 24000;

    public int FrameDuration { get; set; } = 1001;

    public int Frames { get; set; } = 24;

    /// <summary>Start frame number written in the tmcd sample (null: no timecode track).</summary>
    public uint? TimecodeFrame { get; set; } = 86400;

    public bool DropFrame { get; set; }

    /// <summary>Bytes of stand-in essence per frame written in mdat.</summary>
    public int FrameBytes { get; set; } = 64;

    /// <summary>mdta keys: string values are written as UTF-8 (type 1), ints as type 21, doubles as type 24.</summary>
    public List<KeyValuePair<string, object>> Metadata { get; } = [];

    /// <summary>udta text items by four-character code (e.g. "©mak").</summary>
    public Dictionary<string, string> UserData { get; } = new(StringComparer.Ordinal);

    /// <summary>One sample of a Sony-style <c>rtmd</c> track (e.g. RDD 18 KLV sets); null: no such track.</summary>
    public byte[]? RealTimeMetadata { get; set; }

    /// <summary>Put moov before mdat (as cameras that pre-allocate the header do).</summary>
    public bool MovieFirst { get; set; }

    public byte[] Build()
    {
        var tcSample = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tcSample, TimecodeFrame ?? 0);
        var essence = new byte[(long)FrameBytes * Frames];
        for (var i = 0; i < essence.Length; i++)
        {
            essence[i] = (byte)(i * 7);
        }

        var ftyp = Atom("ftyp", Concat(Ascii("qt  "), U32(0x200), Ascii("qt  ")));
        byte[] moov;
        byte[] mdat;
        var rtmd = RealTimeMetadata ?? [];
        if (MovieFirst)
        {
            // Compute moov size with placeholder offsets first; sizes do not depend on offset values.
            var probe = Movie(0, 0, 0);
            var mdatStart = ftyp.Length + probe.Length + 8;
            moov = Movie(mdatStart, mdatStart + 4 + rtmd.Length, mdatStart + 4);
            mdat = Atom("mdat", Concat(tcSample, rtmd, essence));
            return Concat(ftyp, moov, mdat);
        }

        var start = ftyp.Length + 8;
        mdat = Atom("mdat", Concat(tcSample, rtmd, essence));
        moov = Movie(start, start + 4 + rtmd.Length, start + 4);
        return Concat(ftyp, mdat, moov);
    }

    public void WriteTo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, Build());
    }

    private byte[] Movie(long tcOffset, long videoOffset, long rtmdOffset)
    {
        var duration = (long)Frames * FrameDuration;
        var mvhd = Atom("mvhd", Concat(new byte[4], U32(0), U32(0), U32((uint)Timescale), U32((uint)duration), new byte[80]));
        var videoTrak = Atom(
            "trak",
            Tkhd(1, duration, Width, Height),
            TimecodeFrame is null ? [] : Atom("tref", Atom("tmcd", U32(2))),
            Atom(
                "mdia",
                Mdhd(duration),
                Hdlr("vide"),
                Atom(
                    "minf",
                    Atom(
                        "stbl",
                        Atom("stsd", Concat(U32(0), U32(1), VisualEntry())),
                        Atom("stts", Concat(U32(0), U32(1), U32((uint)Frames), U32((uint)FrameDuration))),
                        Atom("stsz", Concat(U32(0), U32((uint)FrameBytes), U32((uint)Frames))),
                        Atom("stco", Concat(U32(0), U32(1), U32((uint)videoOffset)))))));
        var parts = new List<byte[]> { mvhd, videoTrak };
        if (TimecodeFrame is not null)
        {
            var tmcdEntryBody = Concat(new byte[6], U16(1), U32(0), U32(DropFrame ? 1u | 2u : 2u), U32((uint)Timescale), U32((uint)FrameDuration), [(byte)Math.Round((double)Timescale / FrameDuration)], [0]);
            parts.Add(Atom(
                "trak",
                Tkhd(2, duration, 0, 0),
                Atom(
                    "mdia",
                    Mdhd(duration),
                    Hdlr("tmcd"),
                    Atom(
                        "minf",
                        Atom(
                            "stbl",
                            Atom("stsd", Concat(U32(0), U32(1), Atom("tmcd", tmcdEntryBody))),
                            Atom("stts", Concat(U32(0), U32(1), U32(1), U32((uint)duration))),
                            Atom("stsz", Concat(U32(0), U32(4), U32(1))),
                            Atom("stco", Concat(U32(0), U32(1), U32((uint)tcOffset))))))));
        }

        if (RealTimeMetadata is { } rtmd)
        {
            parts.Add(Atom(
                "trak",
                Tkhd(3, duration, 0, 0),
                Atom(
                    "mdia",
                    Mdhd(duration),
                    Hdlr("meta"),
                    Atom(
                        "minf",
                        Atom(
                            "stbl",
                            Atom("stsd", Concat(U32(0), U32(1), Atom("rtmd", Concat(new byte[6], U16(1))))),
                            Atom("stts", Concat(U32(0), U32(1), U32(1), U32((uint)FrameDuration))),
                            Atom("stsz", Concat(U32(0), U32(0), U32(1), U32((uint)rtmd.Length))),
                            Atom("stco", Concat(U32(0), U32(1), U32((uint)rtmdOffset))))))));
        }

        if (Metadata.Count > 0)
        {
            var keys = Metadata.Select(kv => Concat(U32((uint)(8 + Encoding.UTF8.GetByteCount(kv.Key))), Ascii("mdta"), Encoding.UTF8.GetBytes(kv.Key))).ToArray();
            var items = Metadata.Select((kv, i) =>
            {
                var (type, value) = kv.Value switch
                {
                    string s => (1u, Encoding.UTF8.GetBytes(s)),
                    int n => (21u, I32(n)),
                    double d => (24u, F64(d)),
                    _ => throw new ArgumentException($"unsupported metadata value {kv.Value}"),
                };
                return Concat(U32((uint)(8 + 16 + value.Length)), U32((uint)(i + 1)), Atom("data", Concat(U32(type), U32(0), value)));
            }).ToArray();
            parts.Add(Atom("meta", Hdlr("mdta"), Atom("keys", Concat(U32(0), U32((uint)keys.Length), Concat(keys))), Atom("ilst", Concat(items))));
        }

        if (UserData.Count > 0)
        {
            parts.Add(Atom("udta", UserData.Select(kv =>
            {
                var text = Encoding.UTF8.GetBytes(kv.Value);
                return Atom(kv.Key, Concat(U16((ushort)text.Length), U16(0x55C4), text));
            }).ToArray()));
        }

        return Atom("moov", [.. parts]);
    }

    private byte[] VisualEntry() => Atom(
        Codec,
        Concat(new byte[6], U16(1), U16(0), U16(0), Ascii("appl"), U32(0), U32(512), U16((ushort)Width), U16((ushort)Height), U32(0x00480000), U32(0x00480000), U32(0), U16(1), new byte[32], U16(24), U16(0xFFFF)));

    private byte[] Mdhd(long duration) => Atom("mdhd", Concat(U32(0), U32(0), U32(0), U32((uint)Timescale), U32((uint)duration), U16(0), U16(0)));

    private static byte[] Tkhd(int id, long duration, int width, int height) =>
        Atom("tkhd", Concat(U32(0xF), U32(0), U32(0), U32((uint)id), U32(0), U32((uint)duration), new byte[8], U16(0), U16(0), U16(0), U16(0), Matrix(), U32((uint)width << 16), U32((uint)height << 16)));

    private static byte[] Matrix() => Concat(U32(0x10000), U32(0), U32(0), U32(0), U32(0x10000), U32(0), U32(0), U32(0), U32(0x40000000));

    private static byte[] Hdlr(string subtype) => Atom("hdlr", Concat(U32(0), Ascii("mhlr"), Ascii(subtype), new byte[12], [0]));

    /// <summary>An atom: 32-bit size, four-character type, body.</summary>
    public static byte[] Atom(string type, params byte[][] body)
    {
        var content = Concat(body);
        return Concat(U32((uint)(8 + content.Length)), Latin1(type), content);
    }

    public static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }

    public static byte[] U32(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return b;
    }

    public static byte[] U16(ushort value)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        return b;
    }

    private static byte[] I32(int value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, value);
        return b;
    }

    private static byte[] F64(double value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, value);
        return b;
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);
}
