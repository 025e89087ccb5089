namespace InterPositive.Formats.Sdi;

/// <summary>UYVY: 8-bit 4:2:2, bytes Cb Y0 Cr Y1 (two pixels in four bytes), stride 2·width.</summary>
public static class Uyvy
{
    public static int Stride(int width) => width * 2;

    /// <summary>Unpacks to 10-bit multiplexed samples (8-bit value · 4), the same order as v210.</summary>
    public static void UnpackSamples(ReadOnlySpan<byte> line, Span<ushort> samples)
    {
        var n = Math.Min(line.Length, samples.Length);
        for (var i = 0; i < n; i++)
        {
            samples[i] = (ushort)(line[i] << 2);
        }

        samples[n..].Clear();
    }

    /// <summary>Packs 10-bit samples to 8 bits (rounded, clamped): UYVY cannot carry ANC words, only picture.</summary>
    public static void PackSamples(ReadOnlySpan<ushort> samples, Span<byte> line)
    {
        var n = Math.Min(line.Length, samples.Length);
        for (var i = 0; i < n; i++)
        {
            line[i] = (byte)Math.Min(255, (samples[i] + 2) >> 2);
        }
    }

    /// <summary>Luma at full and chroma at half horizontal resolution, as 10-bit values (8-bit · 4).</summary>
    public static void UnpackPlanar(ReadOnlySpan<byte> line, Span<ushort> y, Span<ushort> cb, Span<ushort> cr)
    {
        var width = y.Length;
        for (var p = 0; p + 1 < width; p += 2)
        {
            var o = p * 2;
            cb[p / 2] = (ushort)(line[o] << 2);
            y[p] = (ushort)(line[o + 1] << 2);
            cr[p / 2] = (ushort)(line[o + 2] << 2);
            y[p + 1] = (ushort)(line[o + 3] << 2);
        }
    }
}
