namespace InterPositive.Formats.Images;

/// <summary>
/// A still frame as integer code values, interleaved row-major (R,G,B[,A] or grey[,A]). Values keep the file's own
/// precision (<see cref="BitDepth"/>): a 10-bit DPX stays 0–1023, a 16-bit PNG 0–65535, so analysis can decode
/// through a LUT sized to the code range instead of a float per pixel.
/// </summary>
public sealed class RasterImage
{
    public RasterImage(int width, int height, int channels, int bitDepth, ushort[]? samples = null)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), "an image needs a positive size");
        }

        if (channels is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), "1 to 4 channels");
        }

        if (bitDepth is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(bitDepth), "1 to 16 bits");
        }

        var count = checked(width * height * channels);
        if (samples is not null && samples.Length < count)
        {
            throw new ArgumentException("the sample buffer is smaller than the image", nameof(samples));
        }

        Width = width;
        Height = height;
        Channels = channels;
        BitDepth = bitDepth;
        Samples = samples ?? new ushort[count];
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.</summary>
    public int Channels { get; }

    /// <summary>Significant bits per sample: code values run 0 to <see cref="MaxCode"/>.</summary>
    public int BitDepth { get; }

    public int MaxCode => (1 << BitDepth) - 1;

    /// <summary>Interleaved samples, <c>Width × Height × Channels</c>.</summary>
    public ushort[] Samples { get; }

    public int Stride => Width * Channels;

    public Span<ushort> Row(int y) => Samples.AsSpan(y * Stride, Stride);

    /// <summary>True when the image carries colour (3 or 4 channels).</summary>
    public bool IsColour => Channels >= 3;

    /// <summary>The same picture re-quantised to another bit depth (rounding, not truncation).</summary>
    public RasterImage WithBitDepth(int bitDepth)
    {
        if (bitDepth == BitDepth)
        {
            return this;
        }

        var result = new RasterImage(Width, Height, Channels, bitDepth);
        var from = (double)MaxCode;
        var to = (double)result.MaxCode;
        var src = Samples.AsSpan(0, Width * Height * Channels);
        for (var i = 0; i < src.Length; i++)
        {
            result.Samples[i] = (ushort)Math.Round(src[i] * to / from);
        }

        return result;
    }
}
