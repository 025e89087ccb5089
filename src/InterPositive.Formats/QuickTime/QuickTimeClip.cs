using InterPositive.Formats.Clips;

namespace InterPositive.Formats.QuickTime;

/// <summary>Maps what a QuickTime/MP4 header says onto the normalised clip record.</summary>
public static class QuickTimeClip
{
    public static ClipRecord ToRecord(QuickTimeInfo info, string path)
    {
        var clip = new ClipRecord { Path = path, Errors = [.. info.Warnings] };
        var video = info.Video;
        FrameRate? rate = null;
        if (video is not null)
        {
            clip = clip with
            {
                Codec = video.Format is { } fourCc ? (info.DnxCid is { } cid ? CodecNames.FromDnxCid(cid) : null) ?? CodecNames.FromFourCc(fourCc) : null,
                CodecId = video.Format,
                Width = video.Width,
                Height = video.Height,
                DurationFrames = video.SampleCount > 0 ? video.SampleCount : null,
            };
            if (video is { Timescale: > 0, SampleDelta: > 0 })
            {
                try
                {
                    rate = FrameRate.FromRational(video.Timescale, video.SampleDelta.Value);
                    clip = clip with { Fps = Math.Round(rate.Value.FramesPerSecond, 3) };
                }
                catch (ArgumentException e)
                {
                    clip.Errors.Add($"{path}: video frame rate: {e.Message}");
                }
            }
        }

        // The movie's own make and model (udta ©mak/©mod, com.apple.quicktime.make/model) name the device that wrote the
        // file: an external recorder (Atomos, Sound Devices …) as often as the camera. Camera keys win; a recorder never passes.
        var writerMake = info.UserData.GetValueOrDefault("\u00A9mak") ?? Text(info, "com.apple.quicktime.make");
        var writerModel = info.UserData.GetValueOrDefault("\u00A9mod") ?? Text(info, "com.apple.quicktime.model");
        clip = ClipFields.Apply(clip, info.Metadata.Where(kv => IsCameraKey(kv.Key)).Select(kv => KeyValuePair.Create(kv.Key, kv.Value.ToString())));
        if (!Recorders.IsRecorder(writerMake, writerModel))
        {
            clip = clip with { Camera = clip.Camera with { Make = clip.Camera.Make ?? writerMake, Model = clip.Camera.Model ?? writerModel } };
        }

        if (clip.Camera.Make is null && info.Metadata.Keys.Any(k => k.StartsWith("com.arri.", StringComparison.Ordinal)))
        {
            clip = clip with { Camera = clip.Camera with { Make = "ARRI" } };
        }

        if (info.StartTimecode is { } tc)
        {
            clip = clip with { Timecode = TimecodeInfo.From(tc) };
            if (clip.Fps is null)
            {
                clip = clip with { Fps = Math.Round(tc.Rate.FramesPerSecond, 3) };
            }
        }
        else if (rate is { } r && info.Metadata.TryGetValue("timecode", out var text) && text.Text is { } label)
        {
            var drop = label.Contains(';', StringComparison.Ordinal) && r.Nominal is 30 or 60;
            var tcRate = drop ? new FrameRate(r.Numerator, r.Denominator, dropFrame: true) : r;
            if (Timecode.TryParse(label, tcRate, out var parsed))
            {
                clip = clip with { Timecode = TimecodeInfo.From(parsed) };
            }
        }

        if (info.AcquisitionSets.Count > 0)
        {
            var acquisition = new Rdd18.AcquisitionMetadata();
            foreach (var set in info.AcquisitionSets)
            {
                try
                {
                    acquisition = acquisition.Merge(Rdd18.Rdd18Codec.DecodeItems(set.Value, path, set.Offset));
                }
                catch (MalformedInputException e)
                {
                    clip.Errors.Add(e.Message);
                }
            }

            clip = Mxf.MxfClip.ApplyAcquisition(clip, acquisition);
        }

        return clip;
    }

    private static readonly HashSet<string> WriterKeys = new(StringComparer.Ordinal) { "com.apple.quicktime.make", "com.apple.quicktime.model" };

    /// <summary>Every key but the writer's identity: the generic make/model, and make/model/serial under a recorder's namespace (com.atomos.*).</summary>
    private static bool IsCameraKey(string key) =>
        !WriterKeys.Contains(key) && !(ClipFields.IsCameraIdentity(key) && Recorders.IsRecorder(key, null));

    private static string? Text(QuickTimeInfo info, string key) => info.Metadata.TryGetValue(key, out var value) && value.Text is { Length: > 0 } text ? text : null;

    /// <summary>Reads a movie header and maps it in one call.</summary>
    public static ClipRecord Read(Stream stream, string path) => ToRecord(QuickTimeReader.Read(stream, path), path);
}
