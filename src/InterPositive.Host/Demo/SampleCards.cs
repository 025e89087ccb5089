using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Xml;
using InterPositive.Formats;
using InterPositive.Lighting.Colour;
using InterPositive.Media;

namespace InterPositive.Host.Demo;

/// <summary>One take on a demo card.</summary>
public sealed record DemoTake(string Clip, string Scene, string Take, string StartTimecode, DemoLighting Lighting);

/// <summary>A demo camera and the card it records to.</summary>
public sealed record DemoCamera(string Letter, string Make, string Model, string Serial, string Reel, LogCurve Curve, Gamut Gamut, int Iso, double ShutterAngle, string Lens, double FocalLengthMm, double FNumber, IReadOnlyList<DemoTake> Takes);

/// <summary>
/// Makes the demo's camera cards with real essence: an ARRI ALEXA Mini LF card (ProRes 422 HQ MOV in a reel folder,
/// tmcd timecode, com.arri.camera metadata keys, LogC3/AWG3) and a Sony VENICE 2 card (DNxHR HQ MXF under XDROOT/Clip
/// with its NonRealTimeMeta XML, S-Log3/S-Gamut3.Cine). Frames are rendered by <see cref="DemoScene"/> and encoded by
/// Debian's ffmpeg.
/// </summary>
public static class SampleCards
{
    public const int Width = 1920;
    public const int Height = 1080;
    public const int FramesPerClip = 24;
    public static readonly FrameRate Rate = FrameRate.Fps23_976;

    public static IReadOnlyList<DemoCamera> Cameras { get; } =
    [
        new("A", "ARRI", "ALEXA Mini LF", "2921", "A001R1AB", LogCurve.LogC3, Gamut.Awg3, 800, 172.8, "Signature Prime 47mm", 47, 2.8,
        [
            new("A001C001_261125_R1AB", "12", "1", "14:10:24:00", new DemoLighting(3200, 3200, 140, 35, 4, 0)),
            new("A001C002_261125_R1AB", "12", "2", "14:16:02:00", new DemoLighting(2800, 3200, 140, 35, 4, 0)),
        ]),
        new("B", "Sony", "VENICE 2", "0042117", "B001", LogCurve.SLog3, Gamut.SGamut3Cine, 500, 180, "Cooke S7/i 32mm", 32, 4,
        [
            new("B001C001_261125B1", "12", "1", "14:10:25:12", new DemoLighting(5600, 5600, 30, 50, 2.5, -0.5)),
            new("B001C002_261125B1", "12", "2", "14:16:03:12", new DemoLighting(5600, 5600, 30, 50, 2.5, -0.5, FlickerHz: 100, FlickerDepth: 0.5)),
        ]),
    ];

    /// <summary>Writes every demo card under <paramref name="folder"/> and returns the card roots.</summary>
    public static async Task<IReadOnlyList<string>> CreateAsync(string folder, CancellationToken cancellationToken, MediaTools? media = null)
    {
        media ??= MediaTools.Default;
        var roots = new List<string>();
        foreach (var camera in Cameras)
        {
            var root = Path.Combine(folder, camera.Reel);
            roots.Add(root);
            foreach (var take in camera.Takes)
            {
                if (camera.Make == "ARRI")
                {
                    var clip = Path.Combine(root, camera.Reel, take.Clip + ".mov");
                    await RenderAsync(camera, take, clip, ArriArguments(camera, take), media, cancellationToken);
                }
                else
                {
                    var clipFolder = Path.Combine(root, "XDROOT", "Clip");
                    await RenderAsync(camera, take, Path.Combine(clipFolder, take.Clip + ".MXF"), SonyArguments(take), media, cancellationToken);
                    WriteNonRealTimeMeta(Path.Combine(clipFolder, take.Clip + "M01.XML"), camera, take);
                }
            }
        }

        return roots;
    }

    private static List<string> ArriArguments(DemoCamera camera, DemoTake take) =>
    [
        "-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0", "-pix_fmt", "yuv422p10le",
        "-timecode", take.StartTimecode,
        "-movflags", "use_metadata_tags",
        "-metadata", $"com.arri.camera.CameraModel={camera.Model}",
        "-metadata", $"com.arri.camera.CameraSerialNumber={camera.Serial}",
        "-metadata", $"com.arri.camera.ReelName={camera.Reel}",
        "-metadata", $"com.arri.camera.SceneName={take.Scene}",
        "-metadata", $"com.arri.camera.TakeName={take.Take}",
        "-metadata", Invariant($"com.arri.camera.WhiteBalanceKelvin={take.Lighting.CameraWhiteBalanceK}"),
        "-metadata", Invariant($"com.arri.camera.ExposureIndexAsa={camera.Iso}"),
        "-metadata", Invariant($"com.arri.camera.ShutterAngle={camera.ShutterAngle}"),
        "-metadata", $"com.arri.camera.LensType={camera.Lens}",
        "-metadata", Invariant($"com.arri.camera.LensFocalLength={camera.FocalLengthMm}mm"),
        "-metadata", Invariant($"com.arri.camera.LensIris=T{camera.FNumber}"),
        "-f", "mov",
    ];

    private static List<string> SonyArguments(DemoTake take) =>
    [
        "-c:v", "dnxhd", "-profile:v", "dnxhr_hq", "-pix_fmt", "yuv422p",
        "-timecode", take.StartTimecode,
        "-f", "mxf",
    ];

    private static async Task RenderAsync(DemoCamera camera, DemoTake take, string output, List<string> encode, MediaTools media, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await using var process = media.StartFfmpeg(
            [
                "-hide_banner", "-loglevel", "error", "-y",
                "-f", "rawvideo", "-pix_fmt", "rgb48le", "-s", Invariant($"{Width}x{Height}"), "-r", "24000/1001", "-i", "-",
                .. encode,
                output,
            ],
            output,
            writeInput: true);
        // A write blocked on ffmpeg's full pipe does not see the token: a stop kills ffmpeg, which breaks the pipe.
        using var stop = cancellationToken.Register(process.Kill);
        var scene = new DemoScene(Width, Height, camera.Curve, camera.Gamut, take.Lighting);
        var frameBytes = Width * Height * 3 * sizeof(ushort);
        var buffer = ArrayPool<byte>.Shared.Rent(frameBytes);
        try
        {
            var input = process.Stdin;
            for (var frame = 0; frame < FramesPerClip; frame++)
            {
                scene.Render(MemoryMarshal.Cast<byte, ushort>(buffer.AsSpan(0, frameBytes)), frame, Rate.FramesPerSecond, camera.ShutterAngle);
                await input.WriteAsync(buffer.AsMemory(0, frameBytes), cancellationToken);
            }

            await input.FlushAsync(cancellationToken);
            input.Close();
        }
        catch (IOException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await process.EnsureSuccessAsync(cancellationToken);
    }

    /// <summary>The Sony clip's NonRealTimeMeta sidecar: timecode as BCD FFSSMMHH, device, lens and acquisition record.</summary>
    private static void WriteNonRealTimeMeta(string path, DemoCamera camera, DemoTake take)
    {
        var tc = Timecode.Parse(take.StartTimecode, Rate);
        var bcd = Invariant($"{tc.Frames % 100:00}{tc.Seconds:00}{tc.Minutes:00}{tc.Hours:00}");
        const string ns = "urn:schemas-professionalDisc:nonRealTimeMeta:ver.2.10";
        using var writer = XmlWriter.Create(path, new XmlWriterSettings { Indent = true });
        writer.WriteStartElement("NonRealTimeMeta", ns);
        writer.WriteAttributeString("lastUpdate", "2026-11-25T14:10:25+00:00");
        writer.WriteStartElement("TargetMaterial", ns);
        writer.WriteAttributeString("umidRef", "060A2B340101010501010D4313000000" + take.Clip.GetHashCode(StringComparison.Ordinal).ToString("X8", CultureInfo.InvariantCulture));
        writer.WriteEndElement();
        Element(writer, ns, "Duration", ("value", Invariant($"{FramesPerClip}")));
        writer.WriteStartElement("LtcChangeTable", ns);
        writer.WriteAttributeString("tcFps", "24");
        writer.WriteAttributeString("halfStep", "false");
        Element(writer, ns, "LtcChange", ("frameCount", "0"), ("value", bcd), ("status", "increment"));
        Element(writer, ns, "LtcChange", ("frameCount", Invariant($"{FramesPerClip - 1}")), ("value", bcd), ("status", "end"));
        writer.WriteEndElement();
        writer.WriteStartElement("VideoFormat", ns);
        Element(writer, ns, "VideoFrame", ("videoCodec", "DNxHR HQ"), ("captureFps", "23.98p"), ("formatFps", "23.98p"));
        Element(writer, ns, "VideoLayout", ("pixel", Invariant($"{Width}")), ("numOfVerticalLine", Invariant($"{Height}")), ("aspectRatio", "16:9"));
        writer.WriteEndElement();
        Element(writer, ns, "Device", ("manufacturer", camera.Make), ("modelName", camera.Model), ("serialNo", camera.Serial));
        Element(writer, ns, "Lens", ("modelName", camera.Lens));
        writer.WriteStartElement("AcquisitionRecord", ns);
        writer.WriteStartElement("Group", ns);
        writer.WriteAttributeString("name", "CameraUnitMetadataSet");
        Element(writer, ns, "Item", ("name", "CaptureGammaEquation"), ("value", "s-log3-cine"));
        Element(writer, ns, "Item", ("name", "ShutterSpeedAngle"), ("value", Invariant($"{camera.ShutterAngle * 100:0}")));
        Element(writer, ns, "Item", ("name", "WhiteBalance"), ("value", Invariant($"{take.Lighting.CameraWhiteBalanceK:0}")));
        Element(writer, ns, "Item", ("name", "ISOSensitivity"), ("value", Invariant($"{camera.Iso}")));
        Element(writer, ns, "Item", ("name", "NeutralDensityFilterWheelSetting"), ("value", "1"));
        writer.WriteEndElement();
        writer.WriteStartElement("Group", ns);
        writer.WriteAttributeString("name", "LensUnitMetadataSet");
        Element(writer, ns, "Item", ("name", "IrisFNumber"), ("value", Invariant($"{camera.FNumber}")));
        Element(writer, ns, "Item", ("name", "LensZoomActualFocalLength"), ("value", Invariant($"{camera.FocalLengthMm}mm")));
        writer.WriteEndElement();
        writer.WriteEndElement();
        writer.WriteStartElement("UserDescriptiveMetadata", ns);
        Element(writer, ns, "Meta", ("name", "CameraIndex"), ("content", camera.Letter));
        Element(writer, ns, "Meta", ("name", "Reel"), ("content", camera.Reel));
        Element(writer, ns, "Meta", ("name", "Scene"), ("content", take.Scene));
        Element(writer, ns, "Meta", ("name", "Take"), ("content", take.Take));
        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    private static void Element(XmlWriter writer, string ns, string name, params (string Name, string Value)[] attributes)
    {
        writer.WriteStartElement(name, ns);
        foreach (var (attribute, value) in attributes)
        {
            writer.WriteAttributeString(attribute, value);
        }

        writer.WriteEndElement();
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
