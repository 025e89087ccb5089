using InterPositive.Formats.Sdi;

namespace InterPositive.Testing.Sdi;

/// <summary>
/// Builds raw v210 frames as DeckLink/AJA captures write them: <c>vancLines</c> VANC lines ahead of the active
/// picture, each line padded to the v210 stride, with ST 291 packets embedded in the luma of chosen VANC lines.
/// </summary>
public sealed class V210FrameBuilder(int width, int height, int vancLines)
{
    private readonly Dictionary<int, List<ushort[]>> _anc = [];
    private Func<int, int, (ushort Y, ushort Cb, ushort Cr)> _picture = (_, _) => (0x200, 0x200, 0x200);

    public int Width { get; } = width;

    public int Height { get; } = height;

    public int VancLines { get; } = vancLines;

    public int Stride => V210.Stride(Width);

    public int FrameBytes => Stride * (Height + VancLines);

    /// <summary>Adds a packet (complete ST 291 words, ADF first) to VANC line <paramref name="line"/> (1-based).</summary>
    public V210FrameBuilder WithAnc(int line, ushort[] words)
    {
        if (!_anc.TryGetValue(line, out var list))
        {
            _anc[line] = list = [];
        }

        list.Add(words);
        return this;
    }

    /// <summary>An 8-bit-data packet built with parity and checksum.</summary>
    public V210FrameBuilder WithAnc(int line, byte did, byte sdid, ReadOnlySpan<byte> userData) =>
        WithAnc(line, AncWord.Encode(did, sdid, userData));

    public V210FrameBuilder WithPicture(Func<int, int, (ushort Y, ushort Cb, ushort Cr)> picture)
    {
        _picture = picture;
        return this;
    }

    public byte[] Build()
    {
        var frame = new byte[FrameBytes];
        Build(frame);
        return frame;
    }

    public void Build(Span<byte> frame)
    {
        for (var l = 1; l <= VancLines; l++)
        {
            var packets = _anc.TryGetValue(l, out var list) ? list : [];
            if (!VancLine.WriteV210(frame.Slice((l - 1) * Stride, Stride), Width, packets))
            {
                throw new InvalidOperationException($"ANC packets do not fit VANC line {l}");
            }
        }

        var samples = new ushort[V210.SampleCount(Width)];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var (luma, cb, cr) = _picture(x, y);
                samples[(2 * x) + 1] = luma;
                if ((x & 1) == 0)
                {
                    samples[2 * x] = cb;
                    samples[(2 * x) + 2] = cr;
                }
            }

            V210.PackSamples(samples, frame.Slice((VancLines + y) * Stride, Stride));
        }
    }
}
