using System.Globalization;
using InterPositive.Formats.Clips;
using InterPositive.Formats.Rdd18;

namespace InterPositive.Formats.Mxf;

/// <summary>Maps an MXF header (and its RDD 18 sets, decoded by <see cref="Rdd18Codec"/>) onto the normalised clip record.</summary>
public static class MxfClip
{
    private static readonly string[] CameraMakers = ["ARRI", "Sony", "Canon", "RED", "Blackmagic", "Panasonic", "Fujifilm", "Nikon"];

    public static ClipRecord Read(Stream stream, string path) => ToRecord(MxfReader.Read(stream, path), path);

    public static ClipRecord ToRecord(MxfInfo info, string path)
    {
        var clip = new ClipRecord { Path = path, Errors = [.. info.Warnings] };
        var picture = info.Tracks.Where(t => t.Kind == "picture").OrderBy(t => t.Package == "material" ? 0 : 1).FirstOrDefault();
        FrameRate? rate = null;
        if (picture is { EditRateNumerator: > 0, EditRateDenominator: > 0 })
        {
            rate = TryRate(picture.EditRateNumerator, picture.EditRateDenominator, clip, path);
        }
        else if (info.Picture is { SampleRateNumerator: { } n, SampleRateDenominator: { } d })
        {
            rate = TryRate(n, d, clip, path);
        }

        if (rate is { } r)
        {
            clip = clip with { Fps = Math.Round(r.FramesPerSecond, 3) };
        }

        var duration = picture?.Duration ?? info.Picture?.ContainerDuration;
        if (duration is > 0 and < long.MaxValue / 2)
        {
            clip = clip with { DurationFrames = duration };
        }

        var sonyWriter = info.Identifications.Any(i => i.Company?.Contains("Sony", StringComparison.OrdinalIgnoreCase) == true);
        if (info.Picture is { } p)
        {
            clip = clip with
            {
                Width = p.DisplayWidth ?? p.StoredWidth,
                Height = p.DisplayHeight ?? p.StoredHeight,
                Codec = p.PictureEssenceCoding is { } ul ? CodecNames.FromMxfLabel(ul, sonyWriter) : null,
                CodecId = p.PictureEssenceCoding,
            };
        }

        var tc = info.TimecodeComponents.OrderBy(t => t.Package == "material" ? 0 : 1).FirstOrDefault();
        if (tc is { RoundedBase: > 0 and <= 1000 } && tc.StartFrames >= 0)
        {
            var tcRate = rate is { } pr && pr.Nominal == tc.RoundedBase
                ? new FrameRate(pr.Numerator, pr.Denominator, tc.DropFrame && pr.Nominal is 30 or 60)
                : TimecodeRateFromBase(tc.RoundedBase, tc.DropFrame);
            clip = clip with { Timecode = TimecodeInfo.From(Timecode.FromFrames(tc.StartFrames, tcRate)) };
        }

        // Identification sets name whoever wrote the file: the camera, or an external recorder (AXS-R7, Codex, HyperDeck)
        // or a muxer, which must not pass for the camera.
        foreach (var (company, product, _) in info.Identifications)
        {
            var maker = CameraMakers.FirstOrDefault(m => company?.Contains(m, StringComparison.OrdinalIgnoreCase) == true);
            if (maker is not null && !Recorders.IsRecorder(company, product))
            {
                clip = clip with { Camera = clip.Camera with { Make = company!.Trim(), Model = product?.Trim() } };
                break;
            }
        }

        var acquisition = new AcquisitionMetadata();
        foreach (var set in info.AcquisitionSets)
        {
            try
            {
                acquisition = acquisition.Merge(Rdd18Codec.DecodeItems(set.Value, path, set.Offset));
            }
            catch (MalformedInputException e)
            {
                clip.Errors.Add(e.Message);
            }
        }

        return ApplyAcquisition(clip, acquisition);
    }

    /// <summary>RDD 18 lens and camera values onto the record (shared with the SDI path's vocabulary).</summary>
    public static ClipRecord ApplyAcquisition(ClipRecord clip, AcquisitionMetadata m) => clip with
    {
        Iso = m.Iso ?? clip.Iso,
        ExposureIndex = m.ExposureIndex ?? clip.ExposureIndex,
        WhiteBalanceK = m.WhiteBalanceKelvin ?? clip.WhiteBalanceK,
        ShutterAngle = m.ShutterAngleDegrees ?? clip.ShutterAngle,
        ShutterSeconds = m.ShutterTimeSeconds ?? clip.ShutterSeconds,
        Nd = m.NdFilter is { } nd && nd > 0 ? Math.Round(Math.Log10(nd), 1).ToString("0.0", CultureInfo.InvariantCulture) : clip.Nd,
        Lens = clip.Lens with
        {
            Model = clip.Lens.Model ?? m.LensAttributes,
            FNumber = m.IrisFNumber is { } f ? Math.Round(f, 1) : clip.Lens.FNumber,
            TStop = m.IrisTNumber is { } t ? Math.Round(t, 1) : clip.Lens.TStop,
            FocalLengthMm = m.FocalLengthMm ?? clip.Lens.FocalLengthMm,
            FocusDistanceM = m.FocusDistanceMetres ?? clip.Lens.FocusDistanceM,
        },
    };

    /// <summary>Trade name of a picture essence coding label (ST 377 / RP 224 registers); the label itself when unknown.</summary>
    public static string CodecName(string ul) => CodecNames.FromMxfLabel(ul);

    private static FrameRate? TryRate(long numerator, long denominator, ClipRecord clip, string path)
    {
        try
        {
            return FrameRate.FromRational(numerator, denominator);
        }
        catch (ArgumentException e)
        {
            clip.Errors.Add($"{path}: edit rate: {e.Message}");
            return null;
        }
    }

    private static FrameRate TimecodeRateFromBase(int roundedBase, bool drop) =>
        drop && roundedBase is 30 or 60 ? new FrameRate(roundedBase * 1000, 1001, dropFrame: true) : new FrameRate(roundedBase, 1);
}
