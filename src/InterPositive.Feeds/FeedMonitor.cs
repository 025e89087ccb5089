using System.Globalization;
using InterPositive.Formats;
using InterPositive.Formats.Rdd18;

namespace InterPositive.Feeds;

/// <summary>
/// Watches the frames of one feed for what a DIT cares about: timecode continuity (repeats, drops, jumps), frames
/// the source lost, ANC traffic by DID/SDID and camera-metadata changes. Single consumer; not thread-safe.
/// </summary>
public sealed class FeedMonitor(string feed, string source)
{
    private readonly SortedDictionary<string, long> _anc = new(StringComparer.Ordinal);
    private readonly List<string> _cameraChanges = [];
    private readonly List<string> _events = [];
    private Timecode? _previous;
    private long _previousSequence = -1;
    private long _previousFeedIndex;
    private long _ticksFrames;

    public long Frames { get; private set; }

    public long Dropped { get; private set; }

    public long Repeated { get; private set; }

    public long Discontinuities { get; private set; }

    public Timecode? First { get; private set; }

    public Timecode? Last { get; private set; }

    public VideoFormat? Format { get; private set; }

    /// <summary>Camera metadata merged over the feed so far.</summary>
    public AcquisitionMetadata? Camera { get; private set; }

    /// <summary>Jumps larger than this are reported as discontinuities only, not counted as dropped frames.</summary>
    public TimeSpan MaxDropGap { get; init; } = TimeSpan.FromSeconds(2);

    public void Observe(VideoFrame frame)
    {
        Frames++;
        Format = frame.Format;
        Dropped += frame.LostBefore;
        // Frames the analysis channel skipped (drop-oldest) between this frame and the last one seen.
        var skipped = _previousFeedIndex > 0 && frame.FeedIndex > _previousFeedIndex ? frame.FeedIndex - _previousFeedIndex - 1 : 0;
        _previousFeedIndex = frame.FeedIndex;
        if (_previousSequence >= 0 && frame.Sequence > _previousSequence + 1 + skipped)
        {
            Dropped += frame.Sequence - _previousSequence - 1 - skipped;
        }

        _previousSequence = frame.Sequence;
        foreach (var packet in frame.Anc)
        {
            var key = packet.Key.ToString();
            _anc[key] = _anc.GetValueOrDefault(key) + 1;
        }

        if (frame.Timecode is { } tc)
        {
            First ??= tc;
            if (_previous is { } previous && previous.Rate == tc.Rate)
            {
                var step = tc.FramesSince(previous);
                var expected = 1 + skipped;
                if (step == 0 && skipped == 0)
                {
                    Repeated++;
                }
                else if (step != expected)
                {
                    Discontinuities++;
                    if (step > expected && step <= MaxDropGap.TotalSeconds * tc.Rate.FramesPerSecond)
                    {
                        Dropped += step - expected;
                    }
                }
            }

            _previous = tc;
            Last = tc;
        }

        if (frame.Camera is { } items)
        {
            var merged = Camera is null ? items : Camera.Merge(items);
            if (Camera is not null)
            {
                _cameraChanges.AddRange(Describe(Camera, merged));
            }

            Camera = merged;
        }
    }

    /// <summary>Records an event for the report (stopped, reconnected, format change).</summary>
    public void Note(FeedEvent e) => _events.Add(FormattableString.Invariant($"{e.Time:HH:mm:ss}Z {e.Kind}: {e.Message}"));

    /// <summary>The once-a-second summary; camera changes are reported once.</summary>
    public FeedTick Tick(TimeSpan sinceLastTick)
    {
        var fps = sinceLastTick > TimeSpan.Zero ? (Frames - _ticksFrames) / sinceLastTick.TotalSeconds : 0;
        _ticksFrames = Frames;
        var changes = _cameraChanges.ToList();
        _cameraChanges.Clear();
        return new FeedTick(feed, Last?.ToString(), Frames, Dropped, Repeated, Math.Round(fps, 2), changes);
    }

    public FeedReport Report(Formats.Sdi.AncErrorCounts errors, long undecodable, long analysisSkipped) => new(
        feed,
        source,
        Format?.ToString(),
        Frames,
        Dropped,
        Repeated,
        analysisSkipped,
        new FeedTimecodeReport(First?.ToString(), Last?.ToString(), Discontinuities),
        Camera is null ? null : FeedCamera.From(source, Camera, Format, First),
        new SortedDictionary<string, long>(_anc, StringComparer.Ordinal),
        new FeedErrorReport(errors.Parity, errors.Checksum, errors.Truncated, undecodable),
        _events.ToList());

    /// <summary>"iso 800 → 1600" lines for every item that changed.</summary>
    public static IEnumerable<string> Describe(AcquisitionMetadata before, AcquisitionMetadata after)
    {
        foreach (var (name, a, b) in Items(before).Zip(Items(after), (x, y) => (x.Name, x.Value, y.Value)))
        {
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                yield return $"{name} {a ?? "-"} -> {b ?? "-"}";
            }
        }
    }

    private static IEnumerable<(string Name, string? Value)> Items(AcquisitionMetadata m)
    {
        static string? F(double? v, string format) => v?.ToString(format, CultureInfo.InvariantCulture);
        yield return ("iris", F(m.IrisFNumber, "'f/'0.0#"));
        yield return ("t-stop", F(m.IrisTNumber, "'T'0.0#"));
        yield return ("focus", F(m.FocusDistanceMetres, "0.00# 'm'"));
        yield return ("focal length", F(m.FocalLengthMm, "0.# 'mm'"));
        yield return ("lens", m.LensAttributes);
        yield return ("nd", m.NdFilter?.ToString(CultureInfo.InvariantCulture));
        yield return ("sensor fps", F(m.CaptureFrameRate, "0.###"));
        yield return ("shutter", F(m.ShutterAngleDegrees, "0.#°"));
        yield return ("exposure time", F(m.ShutterTimeSeconds, "0.######'s'"));
        yield return ("gain", F(m.MasterGainDb, "0.## 'dB'"));
        yield return ("iso", m.Iso?.ToString(CultureInfo.InvariantCulture));
        yield return ("ei", m.ExposureIndex?.ToString(CultureInfo.InvariantCulture));
        yield return ("white balance", m.WhiteBalanceKelvin?.ToString(CultureInfo.InvariantCulture));
        yield return ("camera", m.CameraAttributes);
        yield return ("cdl", m.Cdl?.ToString());
    }
}
