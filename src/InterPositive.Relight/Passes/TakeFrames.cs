using System.Globalization;
using System.Runtime.CompilerServices;
using InterPositive.Formats;
using InterPositive.Formats.Images;
using InterPositive.Media;
using InterPositive.Relight.Media;

namespace InterPositive.Relight.Passes;

/// <summary>One frame of a take as planar code values, with its place in the take.</summary>
/// <param name="Index">0-based frame number in the take.</param>
/// <param name="Frame">Planar RGB code values 0–1.</param>
/// <param name="Timecode">HH:MM:SS:FF when the source carries one (DPX header, clip timecode track).</param>
/// <param name="Source">The file the frame came from.</param>
public sealed record TakeFrame(long Index, PlanarFrame Frame, string? Timecode, string Source);

/// <summary>
/// The frames of a take, whatever it was given as: a still (.png .dpx .tif .jpg), a folder of numbered stills, or a
/// clip ffmpeg decodes. Streamed one frame at a time, so memory stays at a frame.
/// </summary>
public static class TakeFrames
{
    /// <summary>What the input is, without reading its pictures.</summary>
    public static string KindOf(string path) => Directory.Exists(path) ? "sequence" : Ffmpeg.IsClip(path) ? "clip" : "still";

    public static async IAsyncEnumerable<TakeFrame> ReadAsync(string path, long? maxFrames, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var limit = maxFrames ?? long.MaxValue;
        if (Directory.Exists(path))
        {
            var names = StillSequence.Order(Directory.EnumerateFiles(path).Select(Path.GetFileName).Where(n => n is not null && StillSequence.IsStillName(n)).Select(n => n!));
            if (names.Count == 0)
            {
                throw new MalformedInputException("no numbered stills (DPX, PNG, TIFF) in the folder", path);
            }

            long index = 0;
            foreach (var name in names.TakeWhile(_ => index < limit))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var file = Path.Combine(path, name);
                yield return Still(file, index++);
            }

            yield break;
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: not found", path);
        }

        if (!Ffmpeg.IsClip(path))
        {
            yield return Still(path, 0);
            yield break;
        }

        var start = await StartTimecodeAsync(path, cancellationToken);
        await using var reader = await ClipReader.OpenAsync(path, cancellationToken, maxFrames: (int)Math.Min(limit, int.MaxValue));
        var (width, height) = (reader.Info.Width, reader.Info.Height);
        long frame = 0;
        while (frame < limit)
        {
            var values = new float[3 * width * height];
            if (!await reader.ReadAsync(values, cancellationToken))
            {
                break;
            }

            yield return new TakeFrame(frame, new PlanarFrame(width, height, values, 16), start?.AddFrames(frame).ToString(), path);
            frame++;
        }

        if (frame == 0)
        {
            throw new InvalidDataException($"{path}: the clip has no frames");
        }
    }

    /// <summary>The frame rate of a clip (ffprobe's r_frame_rate as a number), or of a DPX still's header; null when unknown.</summary>
    public static async Task<double?> FrameRateAsync(string path, CancellationToken cancellationToken)
    {
        if (Ffmpeg.IsClip(path) && File.Exists(path))
        {
            var info = await Ffmpeg.ProbeAsync(path, cancellationToken);
            return Rate(info.FrameRate);
        }

        return null;
    }

    private static TakeFrame Still(string file, long index)
    {
        var bytes = File.ReadAllBytes(file);
        string? timecode = null;
        if (StillImage.Detect(bytes) == StillFormat.Dpx)
        {
            timecode = DpxCodec.Read(bytes, file).Info.TimecodeText;
        }

        return new TakeFrame(index, StillFrames.Read(file), timecode, file);
    }

    /// <summary>The clip's start timecode (its timecode track or tag, as ffprobe reports it); null when it has none or ffprobe cannot read it.</summary>
    private static async Task<Timecode?> StartTimecodeAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await MediaTools.Default.ProbeAsync(path, cancellationToken)).StartTimecode;
        }
        catch (MediaProcessException)
        {
            return null;
        }
    }

    private static double? Rate(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 && n > 0)
        {
            return n / d;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : null;
    }
}
