namespace InterPositive.Formats.Clips;

/// <summary>
/// Codecs as a DIT names them ("Apple ProRes 422 HQ", "Avid DNxHR HQX", "Sony XAVC Intra", "REDCODE RAW") from what
/// the media carries: a QuickTime FourCC, an MXF picture essence coding label (SMPTE RP 224 / RDD 36 / RDD 44), a Sony
/// NonRealTimeMeta <c>videoCodec</c>, or a DNxHD/DNxHR compression id (CID). What is not known keeps its identifier as
/// the name rather than a guess; the identifier itself goes to <see cref="ClipRecord.CodecId"/>.
/// </summary>
public static class CodecNames
{
    public const string RedcodeRaw = "REDCODE RAW";
    public const string BlackmagicRaw = "Blackmagic RAW";
    public const string ArriRaw = "ARRIRAW";

    private static readonly Dictionary<string, string> FourCcs = new(StringComparer.Ordinal)
    {
        ["apco"] = "Apple ProRes 422 Proxy",
        ["apcs"] = "Apple ProRes 422 LT",
        ["apcn"] = "Apple ProRes 422",
        ["apch"] = "Apple ProRes 422 HQ",
        ["ap4h"] = "Apple ProRes 4444",
        ["ap4x"] = "Apple ProRes 4444 XQ",
        ["aprn"] = "Apple ProRes RAW",
        ["aprh"] = "Apple ProRes RAW HQ",
        ["AVdn"] = "Avid DNxHD",
        ["AVdh"] = "Avid DNxHR",
        ["avc1"] = "H.264/AVC",
        ["avc3"] = "H.264/AVC",
        ["hvc1"] = "H.265/HEVC",
        ["hev1"] = "H.265/HEVC",
        ["v210"] = "Uncompressed 10-bit 4:2:2",
        ["2vuy"] = "Uncompressed 8-bit 4:2:2",
        ["mp4v"] = "MPEG-4 Visual",
        ["jpeg"] = "Motion JPEG",
        ["mjpa"] = "Motion JPEG",
        ["cfhd"] = "GoPro CineForm",
    };

    /// <summary>The trade name of a QuickTime sample description FourCC; Blackmagic RAW's br?? FourCCs by family.</summary>
    public static string FromFourCc(string fourCc) =>
        FourCcs.TryGetValue(fourCc, out var name) ? name
        : fourCc.Length == 4 && fourCc.StartsWith("br", StringComparison.Ordinal) ? BlackmagicRaw
        : fourCc;

    /// <summary>A DNxHD/DNxHR compression id (the 32-bit CID at byte 0x28 of every frame header, SMPTE ST 2019-1 / RDD 36).</summary>
    public static string? FromDnxCid(int cid) => cid switch
    {
        1270 => "Avid DNxHR 444",
        1271 => "Avid DNxHR HQX",
        1272 => "Avid DNxHR HQ",
        1273 => "Avid DNxHR SQ",
        1274 => "Avid DNxHR LB",
        >= 1235 and <= 1260 => "Avid DNxHD",
        _ => null,
    };

    /// <summary>The CID of a DNxHD/DNxHR frame header (prefix 00 00 02 80 0x); null when the bytes are not one.</summary>
    public static int? DnxCid(ReadOnlySpan<byte> frameHeader)
    {
        if (frameHeader.Length < 0x2C || frameHeader[0] != 0 || frameHeader[1] != 0 || frameHeader[2] != 0x02 || frameHeader[3] != 0x80)
        {
            return null;
        }

        var cid = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(frameHeader[0x28..]);
        return FromDnxCid(cid) is null ? null : cid;
    }

    /// <summary>
    /// The trade name of an MXF picture essence coding label (hex, 32 digits); the registry version byte is ignored.
    /// <paramref name="sonyWriter"/> names Sony's AVC profiles as XAVC.
    /// </summary>
    public static string FromMxfLabel(string ul, bool sonyWriter = false)
    {
        if (ul.Length != 32)
        {
            return ul;
        }

        var key = string.Concat(ul.AsSpan(0, 14), "..", ul.AsSpan(16));
        bool Is(string prefix) => key.StartsWith("060e2b34040101.." + prefix, StringComparison.Ordinal);
        if (Is("0401020203060"))
        {
            // RDD 44 (ProRes in MXF): the 15th byte is the profile, in FourCC order.
            return ul.Substring(28, 2) switch
            {
                "01" => FourCcs["apco"],
                "02" => FourCcs["apcs"],
                "03" => FourCcs["apcn"],
                "04" => FourCcs["apch"],
                "05" => FourCcs["ap4h"],
                "06" => FourCcs["ap4x"],
                _ => "Apple ProRes",
            };
        }

        if (Is("0401020271"))
        {
            // RDD 36 (DNxHD/DNxHR in MXF): the 14th byte is the variant; 0x24–0x28 are DNxHR 444, HQX, HQ, SQ, LB.
            return ul.Substring(26, 2) switch
            {
                "24" => "Avid DNxHR 444",
                "25" => "Avid DNxHR HQX",
                "26" => "Avid DNxHR HQ",
                "27" => "Avid DNxHR SQ",
                "28" => "Avid DNxHR LB",
                _ => "Avid DNxHD",
            };
        }

        return key switch
        {
            // ST 381-3: 0x32 are the AVC Intra profiles (Sony's XAVC Intra), 0x31 the long-GOP ones.
            _ when Is("040102020132") => sonyWriter ? "Sony XAVC Intra" : "AVC-Intra",
            _ when Is("040102020131") => sonyWriter ? "Sony XAVC Long" : "H.264/AVC",
            _ when Is("04010202010") => "MPEG-2",
            _ when Is("04010202030101") => "JPEG 2000",
            _ when Is("040102010") => "Uncompressed",
            _ when Is("0e0906") => ArriRaw,
            _ => ul,
        };
    }

    /// <summary>A Sony NonRealTimeMeta <c>VideoFrame@videoCodec</c> ("X-OCN_ST", "AVC_3840_2160_H422IP@L51") as a trade name.</summary>
    public static string FromSonyVideoCodec(string videoCodec)
    {
        var code = videoCodec.Trim();
        if (code.StartsWith("X-OCN", StringComparison.OrdinalIgnoreCase))
        {
            var variant = code.Length > 6 ? code[6..].Replace('_', ' ') : "";
            return ("Sony X-OCN " + variant).TrimEnd();
        }

        if (code.StartsWith("AVC_", StringComparison.OrdinalIgnoreCase))
        {
            // The H.264 profile closes the code: H422IP (High 4:2:2 Intra) is XAVC Intra; the rest are long GOP.
            return code.Contains("IP@", StringComparison.OrdinalIgnoreCase) ? "Sony XAVC Intra" : "Sony XAVC Long";
        }

        if (code.StartsWith("HEVC_", StringComparison.OrdinalIgnoreCase))
        {
            return "Sony XAVC HS";
        }

        if (code.StartsWith("MPEG2", StringComparison.OrdinalIgnoreCase))
        {
            return "Sony XDCAM (MPEG-2)";
        }

        if (code.Contains("RAW", StringComparison.OrdinalIgnoreCase))
        {
            return "Sony RAW";
        }

        if (code.StartsWith("DNxHR", StringComparison.OrdinalIgnoreCase) || code.StartsWith("DNxHD", StringComparison.OrdinalIgnoreCase))
        {
            return "Avid " + code.Replace('_', ' ');
        }

        return code;
    }
}

/// <summary>
/// Tells a camera body from the external recorders and muxers that also sign the files they write (an Atomos or Sound
/// Devices recorder's make and model in a ProRes RAW MOV, a Sony AXS-R7 or a HyperDeck in an MXF identification set):
/// those name the recorder, never the camera.
/// </summary>
public static class Recorders
{
    private static readonly string[] Names =
    [
        "Atomos", "Ninja", "Shogun", "Shinobi", "Sumo", "AJA", "Ki Pro", "Sound Devices", "PIX-E", "Convergent Design", "Odyssey",
        "Video Assist", "HyperDeck", "AXS-R", "SR-R", "Codex", "FFmpeg", "Lavf",
    ];

    /// <summary>True when the make or the model names a known recorder or muxer rather than a camera body.</summary>
    public static bool IsRecorder(string? make, string? model) =>
        Names.Any(n => make?.Contains(n, StringComparison.OrdinalIgnoreCase) == true || model?.Contains(n, StringComparison.OrdinalIgnoreCase) == true);
}
