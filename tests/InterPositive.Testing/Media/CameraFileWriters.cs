using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace InterPositive.Testing.Media;

/// <summary>Writes a RED2 R3D header block (as exiftool's Red.pm lays it out) followed by stand-in frame blocks.</summary>
public sealed class R3dWriter
{
    public int Width { get; set; } = 8192;

    public int Height { get; set; } = 4320;

    /// <summary>Frame rate as int16u[3] (a0, a1, a2): (a1·65536 + a2)/a0.</summary>
    public (ushort A0, ushort A1, ushort A2) Rate { get; set; } = (1001, 0, 24000);

    public string StartTimecode { get; set; } = "14:22:05:12";

    public string Serial { get; set; } = "130-2C4-E8A";

    public string Model { get; set; } = "V-RAPTOR 8K VV";

    public string Reel { get; set; } = "001";

    public string Take { get; set; } = "004";

    public string LensModel { get; set; } = "Leitz Summilux-C 50";

    public float ColorTemperature { get; set; } = 5600;

    public ushort Iso { get; set; } = 800;

    public ushort FNumberTenths { get; set; } = 28;

    public ushort FocalLength { get; set; } = 50;

    public int FocusDistanceMm { get; set; } = 3200;

    public int FrameBlocks { get; set; } = 2;

    public byte[] Build()
    {
        var directory = new List<byte[]>
        {
            Entry(0x1001, Encoding.ASCII.GetBytes(StartTimecode)),
            Entry(0x1006, Encoding.ASCII.GetBytes(Serial)),
            Entry(0x101A, Encoding.ASCII.GetBytes(Reel)),
            Entry(0x101B, Encoding.ASCII.GetBytes(Take)),
            Entry(0x1070, Encoding.ASCII.GetBytes(LensModel)),
            Entry(0x1071, Encoding.ASCII.GetBytes(Model)),
            Entry(0x200D, F32(ColorTemperature)),
            Entry(0x403B, MovWriter.U16(Iso)),
            Entry(0x406A, MovWriter.U16(FNumberTenths)),
            Entry(0x406B, MovWriter.U16(FocalLength)),
            Entry(0x606C, MovWriter.U32((uint)FocusDistanceMm)),
        };
        var dir = MovWriter.Concat([.. directory]);
        var header = new byte[0x1000];
        Encoding.ASCII.GetBytes("RED2").CopyTo(header, 4);
        header[7] = (byte)'2';
        header[0x40] = 1; // one rdi record
        Encoding.ASCII.GetBytes("rdi\u0001").CopyTo(header, 0x44);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(0x4C), (uint)Width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(0x50), (uint)Height);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(0x56), Rate.A0);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(0x58), Rate.A1);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(0x5A), Rate.A2);
        var at = 0x44 + 0x18;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(at), (ushort)dir.Length);
        dir.CopyTo(header, at + 2);
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)header.Length);
        var blocks = new List<byte[]> { header };
        for (var i = 0; i < FrameBlocks; i++)
        {
            var frame = new byte[0x1000];
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)frame.Length);
            Encoding.ASCII.GetBytes("REDV").CopyTo(frame, 4);
            blocks.Add(frame);
        }

        return MovWriter.Concat([.. blocks]);
    }

    private static byte[] Entry(ushort tag, byte[] value) => MovWriter.Concat(MovWriter.U16((ushort)(value.Length + 4)), MovWriter.U16(tag), value);

    private static byte[] F32(float value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteSingleBigEndian(b, value);
        return b;
    }
}

/// <summary>Writes Sony NonRealTimeMeta XML (C0001M01.XML) as Venice/FX cameras do.</summary>
public sealed class SonyXmlWriter
{
    public long DurationFrames { get; set; } = 240;

    public string FormatFps { get; set; } = "23.98p";

    /// <summary>BCD FFSSMMHH (bit 6 of the frames byte: drop frame).</summary>
    public string LtcValue { get; set; } = "19044716";

    public int TcFps { get; set; } = 24;

    public string Model { get; set; } = "MPC-3610";

    public string Serial { get; set; } = "0012345";

    public string LensModel { get; set; } = "FE 24-70mm F2.8 GM";

    /// <summary>An external recorder (model, serial): then Device names the recorder and a Camera element the body.</summary>
    public (string Model, string Serial)? Recorder { get; set; }

    public string VideoCodec { get; set; } = "X-OCN_ST";

    public Dictionary<string, string> CameraItems { get; } = new(StringComparer.Ordinal)
    {
        ["ShutterSpeedAngle"] = "17280",
        ["WhiteBalance"] = "4300",
        ["ISOSensitivity"] = "2500",
        ["ExposureIndexOfPhotoMeter"] = "2500",
        ["NeutralDensityFilterWheelSetting"] = "4",
    };

    public Dictionary<string, string> LensItems { get; } = new(StringComparer.Ordinal)
    {
        ["IrisFNumber"] = "4.0",
        ["LensZoomActualFocalLength"] = "35mm",
        ["FocusPositionFromImagePlane"] = "2.4m",
    };

    public Dictionary<string, string> UserMeta { get; } = new(StringComparer.Ordinal)
    {
        ["Reel"] = "A012",
        ["Scene"] = "27",
        ["Take"] = "2",
    };

    public string Build()
    {
        var body = $"<Device manufacturer=\"Sony\" modelName=\"{Model}\" serialNo=\"{Serial}\"/>";
        var device = Recorder is { } r
            ? $"<Device manufacturer=\"Sony\" modelName=\"{r.Model}\" serialNo=\"{r.Serial}\"/>\n\t<Camera manufacturer=\"Sony\" modelName=\"{Model}\" serialNo=\"{Serial}\"/>"
            : body;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <NonRealTimeMeta xmlns="urn:schemas-professionalDisc:nonRealTimeMeta:ver.2.10" xmlns:lib="urn:schemas-professionalDisc:lib:ver.2.00" lastUpdate="2024-05-11T18:41:22+01:00">
            	<TargetMaterial umidRef="060A2B340101010501010D4313000000AB3C1F0E0B0546D008004602026B8B1C"/>
            	<Duration value="{DurationFrames}"/>
            	<LtcChangeTable tcFps="{TcFps}" halfStep="false">
            		<LtcChange frameCount="0" value="{LtcValue}" status="increment"/>
            		<LtcChange frameCount="{DurationFrames - 1}" value="{LtcValue}" status="end"/>
            	</LtcChangeTable>
            	<CreationDate value="2024-05-11T18:41:22+01:00"/>
            	<VideoFormat>
            		<VideoRecPort port="DIRECT"/>
            		<VideoFrame videoCodec="{VideoCodec}" captureFps="{FormatFps}" formatFps="{FormatFps}"/>
            		<VideoLayout pixel="6054" numOfVerticalLine="3192" aspectRatio="17:9"/>
            	</VideoFormat>
            	{device}
            	<Lens modelName="{LensModel}"/>
            	<AcquisitionRecord>
            		<Group name="CameraUnitMetadataSet">

            """);
        foreach (var (name, value) in CameraItems)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\t\t\t<Item name=\"{name}\" value=\"{value}\"/>\n");
        }

        sb.Append("\t\t</Group>\n\t\t<Group name=\"LensUnitMetadataSet\">\n");
        foreach (var (name, value) in LensItems)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\t\t\t<Item name=\"{name}\" value=\"{value}\"/>\n");
        }

        sb.Append("\t\t</Group>\n\t</AcquisitionRecord>\n\t<UserDescriptiveMetadata>\n");
        foreach (var (name, value) in UserMeta)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\t\t<Meta name=\"{name}\" content=\"{value}\"/>\n");
        }

        sb.Append("\t</UserDescriptiveMetadata>\n</NonRealTimeMeta>\n");
        return sb.ToString();
    }
}

/// <summary>Writes a Blackmagic RAW .sidecar (JSON of SDK metadata keys).</summary>
public static class BrawSidecarWriter
{
    public static string Build(IReadOnlyDictionary<string, object> values)
    {
        var parts = values.Select(kv => kv.Value switch
        {
            string s => $"\t\"{kv.Key}\": \"{s}\"",
            IFormattable f => $"\t\"{kv.Key}\": {f.ToString(null, CultureInfo.InvariantCulture)}",
            _ => throw new ArgumentException($"unsupported value for {kv.Key}"),
        });
        return "{\n" + string.Join(",\n", parts) + "\n}\n";
    }

    public static Dictionary<string, object> Typical() => new(StringComparer.Ordinal)
    {
        ["camera_type"] = "Blackmagic URSA Cine 12K LF",
        ["iso"] = 1600,
        ["white_balance_kelvin"] = 3200,
        ["white_balance_tint"] = 10,
        ["aperture"] = "f2.8",
        ["focal_length"] = "40mm",
        ["distance"] = "1800mm",
        ["shutter_value"] = "180°",
        ["internal_nd"] = "0.6",
        ["reel_name"] = "B003",
        ["scene"] = "12",
        ["take"] = "5",
        ["lens_type"] = "Cooke S7/i 40mm",
    };
}
