namespace InterPositive.Formats.Images;

/// <summary>
/// How large a decoded still may be. Checked on the header's declared size before anything is allocated, so a
/// 69-byte file declaring 16384×16384 RGBA16, or a small compressed file that would inflate to gigabytes, is refused as
/// malformed input with the file and field named instead of ending in an allocation failure.
/// </summary>
public static class ImageBudget
{
    /// <summary>Samples (pixels × channels) of one decoded image: 128 Mi, 256 MiB as 16-bit code values (8192×4096 RGBA).</summary>
    public const long MaxSamples = 1L << 27;

    /// <summary>Throws <see cref="MalformedInputException"/> when the declared size is not positive or exceeds the budget.</summary>
    public static void Check(long width, long height, int channels, string source, long offset, string field)
    {
        if (width <= 0 || height <= 0 || width > 65536 || height > 65536)
        {
            throw new MalformedInputException($"unsupported size {width}x{height}", source, offset, field);
        }

        if (width * height * channels > MaxSamples)
        {
            throw new MalformedInputException($"declared size {width}x{height}x{channels} is over the decode budget of {MaxSamples} samples", source, offset, field);
        }
    }
}
