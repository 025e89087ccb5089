using System.Buffers;
using System.Runtime.InteropServices;

namespace InterPositive.Formats.Images;

/// <summary>Orders numbered stills (A001_0001.dpx, A001_0002.dpx …, or frame.9.png before frame.10.png) by their frame number.</summary>
public static class StillSequence
{
    private static readonly string[] Extensions = [".dpx", ".png", ".tif", ".tiff"];

    public static bool IsStillName(string name) => Extensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>Still names in frame order: by the last run of digits, then by name.</summary>
    public static List<string> Order(IEnumerable<string> names) => names
        .Where(IsStillName)
        .OrderBy(n => FrameNumber(n) ?? long.MaxValue)
        .ThenBy(n => n, StringComparer.Ordinal)
        .ToList();

    /// <summary>The last run of digits in the file name (without extension), when there is one.</summary>
    public static long? FrameNumber(string name)
    {
        var stem = Path.GetFileNameWithoutExtension(name);
        var end = stem.Length - 1;
        while (end >= 0 && !char.IsAsciiDigit(stem[end]))
        {
            end--;
        }

        if (end < 0)
        {
            return null;
        }

        var start = end;
        while (start > 0 && char.IsAsciiDigit(stem[start - 1]))
        {
            start--;
        }

        var digits = stem.AsSpan(start, Math.Min(end - start + 1, 18));
        return long.Parse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Reads raw 16-bit RGB frames (rgb48le, as <c>ffmpeg -pix_fmt rgb48le -f rawvideo</c> writes them) from a stream into
/// one pooled buffer that is reused for every frame: memory stays at one frame whatever the clip's length.
/// </summary>
public sealed class Rgb48FrameReader : IDisposable
{
    private readonly Stream _stream;
    private readonly string _source;
    private readonly bool _leaveOpen;
    private byte[]? _buffer;

    /// <summary>A reader of <paramref name="width"/>×<paramref name="height"/> frames from <paramref name="stream"/>; <paramref name="source"/> names it in errors; with <paramref name="leaveOpen"/> false the reader disposes the stream.</summary>
    public Rgb48FrameReader(Stream stream, int width, int height, string source, bool leaveOpen = true)
    {
        _leaveOpen = leaveOpen;
        if (width <= 0 || height <= 0 || (long)width * height * 3 > ImageBudget.MaxSamples)
        {
            throw new ArgumentOutOfRangeException(nameof(width), "unsupported frame size");
        }

        _stream = stream;
        _source = source;
        Width = width;
        Height = height;
        FrameBytes = width * height * 6;
        _buffer = ArrayPool<byte>.Shared.Rent(FrameBytes);
    }

    public int Width { get; }

    public int Height { get; }

    public int FrameBytes { get; }

    public long FramesRead { get; private set; }

    /// <summary>
    /// Reads the next frame; its samples (R, G, B interleaved, 16-bit) stay valid until the next call. False at a clean
    /// end of stream; a partial last frame is malformed input.
    /// </summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(Rgb48FrameReader));
        var filled = 0;
        while (filled < FrameBytes)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(filled, FrameBytes - filled), cancellationToken);
            if (n == 0)
            {
                if (filled == 0)
                {
                    return false;
                }

                throw new MalformedInputException($"stream ends inside frame {FramesRead} ({filled} of {FrameBytes} bytes)", _source, FramesRead * FrameBytes + filled, "frame");
            }

            filled += n;
        }

        if (!BitConverter.IsLittleEndian)
        {
            var samples = MemoryMarshal.Cast<byte, ushort>(buffer.AsSpan(0, FrameBytes));
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(samples[i]);
            }
        }

        FramesRead++;
        return true;
    }

    /// <summary>The current frame's samples.</summary>
    public ReadOnlySpan<ushort> Samples => MemoryMarshal.Cast<byte, ushort>((_buffer ?? throw new ObjectDisposedException(nameof(Rgb48FrameReader))).AsSpan(0, FrameBytes));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } b)
        {
            ArrayPool<byte>.Shared.Return(b);
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }
}
