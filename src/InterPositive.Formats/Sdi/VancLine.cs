namespace InterPositive.Formats.Sdi;

/// <summary>Builds v210 VANC lines: ANC packets placed one after another in the luma stream, blanking elsewhere.</summary>
public static class VancLine
{
    /// <summary>Blanking levels: luma 0x040 (black), chroma 0x200 (zero colour difference).</summary>
    public const ushort BlankLuma = 0x040;
    public const ushort BlankChroma = 0x200;

    /// <summary>
    /// Writes one v210 line of <paramref name="width"/> pixels whose luma carries <paramref name="packets"/> (complete
    /// ST 291 word arrays, ADF first) from luma sample <paramref name="startOffset"/> on. Returns false when they do not fit.
    /// </summary>
    public static bool WriteV210(Span<byte> line, int width, IEnumerable<ushort[]> packets, int startOffset = 0)
    {
        var samples = new ushort[V210.SampleCount(width)];
        for (var p = 0; p < width; p++)
        {
            samples[2 * p] = BlankChroma;
            samples[(2 * p) + 1] = BlankLuma;
        }

        var at = startOffset;
        foreach (var words in packets)
        {
            if (at + words.Length > width)
            {
                return false;
            }

            for (var i = 0; i < words.Length; i++)
            {
                samples[(2 * (at + i)) + 1] = words[i];
            }

            at += words.Length;
        }

        V210.PackSamples(samples, line[..V210.Stride(width)]);
        return true;
    }
}
