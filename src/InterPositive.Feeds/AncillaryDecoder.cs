using InterPositive.Formats;
using InterPositive.Formats.Rdd18;
using InterPositive.Formats.Sdi;

namespace InterPositive.Feeds;

/// <summary>
/// Reads a frame's ancillary data: scans v210 VANC lines for ST 291 packets (unless the source already attached
/// them, as ST 2110-40 does), then decodes ATC timecode, RDD 18 camera metadata, Blackmagic camera control and AFD. Bad packets are counted
/// in <see cref="Errors"/>, never thrown. One per feed; not thread-safe.
/// </summary>
public sealed class AncillaryDecoder(string feed)
{
    private ushort[] _scratch = [];

    public AncErrorCounts Errors { get; } = new();

    /// <summary>Packets that failed to decode as what their DID/SDID says (for example an RDD 18 set cut short).</summary>
    public long Undecodable { get; private set; }

    public void Decode(VideoFrame frame)
    {
        if (frame.AncErrors is { } sourceErrors)
        {
            Errors.Add(sourceErrors);
        }

        if (frame.Anc.Count == 0 && frame.Format.VancLines > 0 && frame.Format.Pixel == FramePixelFormat.V210)
        {
            var samples = V210.SampleCount(frame.Format.Width);
            if (_scratch.Length < samples)
            {
                _scratch = new ushort[samples];
            }

            var packets = new List<AncPacket>();
            AncParser.ScanV210Vanc(frame.Data.Span, frame.Format.Width, frame.Format.VancLines, _scratch, packets, Errors);
            frame.Anc = packets;
        }

        AcquisitionMetadata? camera = null;
        foreach (var packet in frame.Anc)
        {
            try
            {
                if (AtcTimecode.Is(packet))
                {
                    // VITC and LTC may both come; prefer the first one found, as decks and monitors do.
                    if (frame.Atc is null)
                    {
                        frame.Atc = AtcTimecode.Decode(packet.UserWords, feed);
                        frame.Timecode = frame.Atc.ToTimecode(frame.Format.Rate);
                    }
                }
                else if (packet.Did == Rdd18Codec.AncDid && packet.Sdid == Rdd18Codec.AncSdid)
                {
                    CheckParity(packet);
                    var items = Rdd18Codec.DecodeAncPayload(packet.UserBytes(), feed);
                    camera = camera is null ? items : camera.Merge(items);
                }
                else if (BlackmagicCameraControl.Is(packet))
                {
                    // Blackmagic camera control (an ATEM's program return, a camera's SDI out): the settings assigned.
                    CheckParity(packet);
                    if (BlackmagicCameraControl.ToMetadata(BlackmagicCameraControl.Parse(packet.UserBytes(), feed)) is { } items)
                    {
                        camera = camera is null ? items : camera.Merge(items);
                    }
                }
                else if (Afd.Is(packet))
                {
                    CheckParity(packet);
                    frame.Afd = Afd.Decode(packet.UserBytes(), feed);
                }
            }
            catch (MalformedInputException error) when (error.Field?.Contains("UDW", StringComparison.Ordinal) == true)
            {
                Errors.Parity++;
            }
            catch (MalformedInputException)
            {
                Undecodable++;
            }
        }

        frame.Camera = camera;
    }

    private void CheckParity(AncPacket packet)
    {
        var bad = packet.FirstUserWordParityError();
        if (bad >= 0)
        {
            throw new MalformedInputException("bad parity", feed, null, FormattableString.Invariant($"{packet.Key} UDW {bad + 1}"));
        }
    }
}
