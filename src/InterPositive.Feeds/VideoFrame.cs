using System.Buffers;
using InterPositive.Formats;
using InterPositive.Formats.Rdd18;
using InterPositive.Formats.Sdi;
using InterPositive.Formats.St2110;

namespace InterPositive.Feeds;

/// <summary>How a frame's bytes are laid out.</summary>
public enum FramePixelFormat
{
    /// <summary>10-bit 4:2:2 v210 (DeckLink, AJA, ffmpeg -c:v v210).</summary>
    V210,

    /// <summary>8-bit 4:2:2 UYVY.</summary>
    Uyvy,

    /// <summary>10-bit 4:2:2 RFC 4175 pixel groups (5 bytes per 2 pixels, big-endian), as ST 2110-20 carries them.</summary>
    Rfc4175,
}

/// <summary>A feed's picture format: size, packing, rate, and how many VANC lines ride ahead of the active picture.</summary>
public sealed record VideoFormat(int Width, int Height, FramePixelFormat Pixel, FrameRate Rate, int VancLines = 0)
{
    public int Stride => Pixel switch
    {
        FramePixelFormat.V210 => V210.Stride(Width),
        FramePixelFormat.Uyvy => Uyvy.Stride(Width),
        _ => Rfc4175.Stride(Width),
    };

    public int FrameBytes => Stride * (Height + VancLines);

    public override string ToString() => FormattableString.Invariant(
        $"{Width}x{Height} {Pixel.ToString().ToLowerInvariant()} {Rate}{(VancLines > 0 ? FormattableString.Invariant($", {VancLines} VANC lines") : string.Empty)}");

    /// <summary>Same picture geometry and packing (the rate may be unknown on one side).</summary>
    public bool SameGeometry(VideoFormat other) =>
        Width == other.Width && Height == other.Height && Pixel == other.Pixel && VancLines == other.VancLines;
}

/// <summary>A buffer rented from <see cref="ArrayPool{T}.Shared"/> and returned exactly once on dispose.</summary>
public sealed class PooledBuffer : IMemoryOwner<byte>
{
    private byte[]? _array;
    private readonly int _length;

    public PooledBuffer(int length)
    {
        _array = ArrayPool<byte>.Shared.Rent(length);
        _length = length;
    }

    public Memory<byte> Memory => _array is { } a ? a.AsMemory(0, _length) : throw new ObjectDisposedException(nameof(PooledBuffer));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } a)
        {
            ArrayPool<byte>.Shared.Return(a);
        }
    }
}

/// <summary>
/// One captured frame. Owns its pooled buffer: whoever holds the frame last disposes it (the analysis consumer,
/// or the channel when it drops the frame to stay live). Everything learnt from the ancillary data rides along.
/// </summary>
public sealed class VideoFrame : IDisposable
{
    private readonly IMemoryOwner<byte> _buffer;

    public VideoFrame(string feed, VideoFormat format, IMemoryOwner<byte> buffer, long sequence, DateTimeOffset captureTime)
    {
        if (buffer.Memory.Length < format.FrameBytes)
        {
            throw new ArgumentException("buffer smaller than the frame", nameof(buffer));
        }

        Feed = feed;
        Format = format;
        _buffer = buffer;
        Sequence = sequence;
        CaptureTime = captureTime;
    }

    /// <summary>Rents a pooled buffer for a frame of this format.</summary>
    public static VideoFrame Rent(string feed, VideoFormat format, long sequence, DateTimeOffset captureTime)
    {
        var buffer = new PooledBuffer(format.FrameBytes);
        try
        {
            return new VideoFrame(feed, format, buffer, sequence, captureTime);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    public string Feed { get; }

    public VideoFormat Format { get; }

    /// <summary>The source's frame counter (per connection; gaps mean frames the source knows it lost).</summary>
    public long Sequence { get; }

    /// <summary>When the last byte of the frame arrived (sources set it after the read completes).</summary>
    public DateTimeOffset CaptureTime { get; set; }

    /// <summary>
    /// The feed's own count of frames handed towards analysis (1, 2, 3 …, across reconnects): a gap between two frames
    /// an analysis consumer sees is frames the drop-oldest channel skipped, not frames the camera dropped.
    /// </summary>
    public long FeedIndex { get; set; }

    /// <summary>Frames the source lost just before this one (RTP loss that left a frame unusable, for example).</summary>
    public int LostBefore { get; set; }

    /// <summary>The frame arrived with missing packets (ST 2110): picture partly stale.</summary>
    public bool Incomplete { get; set; }

    /// <summary>The RTP timestamp (90 kHz) for ST 2110 frames.</summary>
    public uint? RtpTimestamp { get; set; }

    /// <summary>Whole frame: VANC lines then active lines, each <see cref="VideoFormat.Stride"/> bytes.</summary>
    public Memory<byte> Data => _buffer.Memory[..Format.FrameBytes];

    /// <summary>Active picture line <paramref name="y"/> (0-based, after the VANC lines).</summary>
    public ReadOnlySpan<byte> ActiveLine(int y) => Data.Span.Slice((Format.VancLines + y) * Format.Stride, Format.Stride);

    /// <summary>Good ANC packets from VANC (or ST 2110-40) in line order.</summary>
    public IReadOnlyList<AncPacket> Anc { get; set; } = [];

    /// <summary>The ATC timecode label from VANC, when present.</summary>
    public AtcTimecode? Atc { get; set; }

    /// <summary>The timecode, when ATC was present and valid at the feed's rate.</summary>
    public Timecode? Timecode { get; set; }

    /// <summary>RDD 18 items carried by this frame (partial sets possible); null when none came.</summary>
    public AcquisitionMetadata? Camera { get; set; }

    /// <summary>ANC errors the source met for this frame (ST 2110-40 datagrams); added to the feed's counts.</summary>
    public AncErrorCounts? AncErrors { get; set; }

    /// <summary>AFD, when present.</summary>
    public Afd? Afd { get; set; }

    /// <summary>
    /// Unpacks active line <paramref name="y"/> into luma (width) and half-resolution chroma (width/2), 10-bit,
    /// whatever the packing: what lighting analysis reads.
    /// </summary>
    public void UnpackPlanar(int y, Span<ushort> luma, Span<ushort> cb, Span<ushort> cr)
    {
        var line = ActiveLine(y);
        switch (Format.Pixel)
        {
            case FramePixelFormat.V210:
                V210.UnpackPlanar(line, luma, cb, cr);
                break;
            case FramePixelFormat.Uyvy:
                Uyvy.UnpackPlanar(line, luma, cb, cr);
                break;
            default:
                Rfc4175.UnpackPlanar(line, luma, cb, cr);
                break;
        }
    }

    public void Dispose() => _buffer.Dispose();
}
