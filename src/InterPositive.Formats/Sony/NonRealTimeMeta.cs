using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using InterPositive.Formats.Clips;

namespace InterPositive.Formats.Sony;

/// <summary>
/// Sony NonRealTimeMeta XML (<c>C0001M01.XML</c> beside <c>C0001.MXF</c>): duration, the LTC change table (BCD
/// <c>FFSSMMHH</c>), video format, device and lens, acquisition record groups and user descriptive metadata.
/// </summary>
public static class NonRealTimeMeta
{
    public const string Namespace = "urn:schemas-professionalDisc:nonRealTimeMeta:ver.2.10";

    /// <summary>Sidecar XML is small; anything bigger is not one.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    public static ClipRecord Read(Stream stream, string source, string clipPath)
    {
        XDocument document;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxBytes };
            using var reader = XmlReader.Create(stream, settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new MalformedInputException(e.Message, source, field: FormattableString.Invariant($"line {e.LineNumber}"), innerException: e);
        }

        var root = document.Root;
        if (root is null || root.Name.LocalName != "NonRealTimeMeta")
        {
            throw new MalformedInputException($"root element is <{root?.Name.LocalName}>, not <NonRealTimeMeta>", source, field: "root");
        }

        var clip = new ClipRecord { Path = clipPath };
        if (Long(First(root, "Duration")?.Attribute("value")?.Value) is { } duration && duration >= 0)
        {
            clip = clip with { DurationFrames = duration };
        }

        FrameRate? rate = null;
        if (First(root, "VideoFormat") is { } format)
        {
            var frame = First(format, "VideoFrame");
            var fpsText = frame?.Attribute("formatFps")?.Value ?? frame?.Attribute("captureFps")?.Value;
            if (fpsText is not null && FrameRate.TryParse(fpsText.TrimEnd('p', 'i', 'P', 'I'), out var parsed))
            {
                rate = parsed;
                clip = clip with { Fps = Math.Round(parsed.FramesPerSecond, 3) };
            }

            var layout = First(format, "VideoLayout");
            clip = clip with
            {
                Codec = frame?.Attribute("videoCodec")?.Value is { Length: > 0 } videoCodec ? CodecNames.FromSonyVideoCodec(videoCodec) : null,
                CodecId = frame?.Attribute("videoCodec")?.Value,
                Width = Int(layout?.Attribute("pixel")?.Value),
                Height = Int(layout?.Attribute("numOfVerticalLine")?.Value),
            };
        }

        if (First(root, "LtcChangeTable") is { } ltc)
        {
            clip = ReadLtc(clip, ltc, rate, source);
        }

        // Device is whatever recorded the clip: the camera itself, or an external recorder (AXS-R7 on a VENICE) when a
        // Camera element names the body. The camera body is what the clip record reports.
        var device = First(root, "Device");
        var body = First(root, "Camera")
            ?? (device is not null && !Recorders.IsRecorder(device.Attribute("manufacturer")?.Value, device.Attribute("modelName")?.Value) ? device : null);
        if (body is not null)
        {
            clip = clip with
            {
                Camera = new CameraInfo
                {
                    Make = body.Attribute("manufacturer")?.Value
                        ?? (device?.Attribute("manufacturer")?.Value is { } deviceMake && !Recorders.IsRecorder(deviceMake, null) ? deviceMake : null),
                    Model = body.Attribute("modelName")?.Value,
                    Serial = body.Attribute("serialNo")?.Value,
                },
            };
        }

        if (First(root, "Lens") is { } lens)
        {
            clip = clip with { Lens = clip.Lens with { Model = lens.Attribute("modelName")?.Value, Serial = lens.Attribute("serialNo")?.Value } };
        }

        foreach (var item in root.Descendants().Where(e => e.Name.LocalName == "Item" && e.Parent?.Name.LocalName == "Group"))
        {
            var name = item.Attribute("name")?.Value;
            var value = item.Attribute("value")?.Value;
            if (name is null || value is null)
            {
                continue;
            }

            if (name == "ShutterSpeedAngle" && ClipFields.Number(value) is { } hundredths)
            {
                // Sony writes the angle in hundredths of a degree (10380 = 103.8°).
                clip = clip with { ShutterAngle = hundredths > 360 ? hundredths / 100 : hundredths };
                continue;
            }

            if (name == "NeutralDensityFilterWheelSetting" && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var factor) && factor >= 1)
            {
                // RDD 18 convention: 1 = clear, N = transmission 1/N; written as optical density like the MXF path.
                clip = clip with { Nd = Math.Round(Math.Log10(factor), 1).ToString("0.0", CultureInfo.InvariantCulture) };
                continue;
            }

            clip = ClipFields.Apply(clip, name, value);
        }

        foreach (var meta in root.Descendants().Where(e => e.Name.LocalName == "Meta"))
        {
            clip = ClipFields.Apply(clip, meta.Attribute("name")?.Value ?? "", meta.Attribute("content")?.Value);
        }

        return clip;
    }

    /// <summary>Decodes an LtcChange value: 8 hex digits, BCD bytes in the order frames, seconds, minutes, hours; bit 6 of the frames byte is drop frame.</summary>
    public static bool TryDecodeLtc(string value, out int hours, out int minutes, out int seconds, out int frames, out bool dropFrame)
    {
        hours = minutes = seconds = frames = 0;
        dropFrame = false;
        if (value.Length != 8 || !uint.TryParse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var packed))
        {
            return false;
        }

        var ff = (int)(packed >> 24);
        var ss = (int)(packed >> 16) & 0xFF;
        var mm = (int)(packed >> 8) & 0xFF;
        var hh = (int)packed & 0xFF;
        dropFrame = (ff & 0x40) != 0;
        return Bcd(ff & 0x3F, out frames) && Bcd(ss & 0x7F, out seconds) && Bcd(mm & 0x7F, out minutes) && Bcd(hh & 0x3F, out hours);
    }

    private static ClipRecord ReadLtc(ClipRecord clip, XElement ltc, FrameRate? rate, string source)
    {
        var first = ltc.Elements().Where(e => e.Name.LocalName == "LtcChange")
            .OrderBy(e => Long(e.Attribute("frameCount")?.Value) ?? long.MaxValue)
            .FirstOrDefault();
        var value = first?.Attribute("value")?.Value;
        if (value is null)
        {
            return clip;
        }

        if (!TryDecodeLtc(value, out var h, out var m, out var s, out var f, out var drop))
        {
            clip.Errors.Add($"{source}: LtcChange value '{value}' is not BCD FFSSMMHH");
            return clip;
        }

        var tcFps = Int(ltc.Attribute("tcFps")?.Value);
        var tcRate = rate ?? (tcFps is > 0 and <= 120 ? new FrameRate(tcFps.Value, 1) : null);
        if (tcRate is not { } r)
        {
            clip.Errors.Add($"{source}: LTC change table has no usable tcFps");
            return clip;
        }

        if (drop && r.Nominal is 30 or 60)
        {
            r = new FrameRate(r.Numerator, r.Denominator, dropFrame: true);
        }

        if (Timecode.TryFromComponents(h, m, s, f, r, out var tc))
        {
            return clip with { Timecode = TimecodeInfo.From(tc) };
        }

        clip.Errors.Add(FormattableString.Invariant($"{source}: LTC {h:00}:{m:00}:{s:00}:{f:00} is not a valid label at {r}"));
        return clip;
    }

    private static bool Bcd(int b, out int value)
    {
        var tens = b >> 4;
        var units = b & 0x0F;
        value = (tens * 10) + units;
        return tens <= 9 && units <= 9;
    }

    private static XElement? First(XElement parent, string localName) =>
        parent.Descendants().FirstOrDefault(e => e.Name.LocalName == localName);

    private static long? Long(string? text) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static int? Int(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : null;
}
