namespace InterPositive.Formats.Images;

/// <summary>The still formats we read, recognised by their first bytes rather than by the file name.</summary>
public enum StillFormat
{
    Unknown,
    Png,
    Dpx,
    Tiff,
}

/// <summary>Recognises a still from its signature and dispatches to the reader.</summary>
public static class StillImage
{
    /// <summary>Looks at the first bytes (8 are enough) and names the format.</summary>
    public static StillFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 8 && head[..8].SequenceEqual(PngCodec.Signature))
        {
            return StillFormat.Png;
        }

        if (head.Length >= 4 && (head[..4].SequenceEqual("SDPX"u8) || head[..4].SequenceEqual("XPDS"u8)))
        {
            return StillFormat.Dpx;
        }

        if (head.Length >= 4 && ((head[0] == 'I' && head[1] == 'I' && head[2] == 42 && head[3] == 0) || (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && head[3] == 42)))
        {
            return StillFormat.Tiff;
        }

        return StillFormat.Unknown;
    }

    /// <summary>Reads a PNG, DPX or TIFF from a stream; <paramref name="source"/> names it in errors.</summary>
    public static RasterImage Read(Stream stream, string source)
    {
        var bytes = ReadAll(stream);
        return Read(bytes, source);
    }

    /// <summary>Reads a PNG, DPX or TIFF held in memory.</summary>
    public static RasterImage Read(ReadOnlySpan<byte> data, string source) => Detect(data) switch
    {
        StillFormat.Png => PngCodec.Read(data, source),
        StillFormat.Dpx => DpxCodec.Read(data, source).Image,
        StillFormat.Tiff => TiffCodec.Read(data, source),
        _ => throw new MalformedInputException("not a PNG, DPX or TIFF image (unknown signature)", source, 0, "signature"),
    };

    internal static byte[] ReadAll(Stream stream)
    {
        if (stream is MemoryStream memory && memory.TryGetBuffer(out var segment) && segment.Offset == 0 && memory.Position == 0)
        {
            return segment.Count == segment.Array!.Length ? segment.Array : segment.AsSpan().ToArray();
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
