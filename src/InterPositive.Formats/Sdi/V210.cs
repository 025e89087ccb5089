using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace InterPositive.Formats.Sdi;

/// <summary>
/// v210: 10-bit 4:2:2 packed as little-endian 32-bit words of three samples (bits 0–9, 10–19, 20–29), six pixels in
/// four words, in the SDI multiplex order Cb0 Y0 Cr0 Y1 Cb1 Y2 Cr1 Y3 Cb2 Y4 Cr2 Y5. Lines are padded to 128 bytes
/// per 48 pixels (FFmpeg v210enc, libklvanc core-pixels).
/// </summary>
public static class V210
{
    /// <summary>Bytes per line: ceil(width/48)·128.</summary>
    public static int Stride(int width) => (width + 47) / 48 * 128;

    /// <summary>Samples (Cb, Y, Cr, Y …) in a line of <paramref name="width"/> pixels.</summary>
    public static int SampleCount(int width) => width * 2;

    /// <summary>Unpacks a line into its multiplexed 10-bit samples (2·width of them).</summary>
    public static void UnpackSamples(ReadOnlySpan<byte> line, Span<ushort> samples)
    {
        var count = samples.Length;
        var words = MemoryMarshal.Cast<byte, uint>(line[..(Math.Min(line.Length, (count + 2) / 3 * 4) & ~3)]);
        var s = 0;
        foreach (var raw in words)
        {
            var w = BitConverter.IsLittleEndian ? raw : BinaryPrimitives.ReverseEndianness(raw);
            if (s < count)
            {
                samples[s++] = (ushort)(w & 0x3FF);
            }

            if (s < count)
            {
                samples[s++] = (ushort)((w >> 10) & 0x3FF);
            }

            if (s < count)
            {
                samples[s++] = (ushort)((w >> 20) & 0x3FF);
            }
        }

        samples[s..].Clear();
    }

    /// <summary>Packs multiplexed 10-bit samples into a v210 line; the padding to the stride is zeroed.</summary>
    public static void PackSamples(ReadOnlySpan<ushort> samples, Span<byte> line)
    {
        line.Clear();
        var words = MemoryMarshal.Cast<byte, uint>(line);
        for (int s = 0, w = 0; s < samples.Length; s += 3, w++)
        {
            uint a = (uint)(samples[s] & 0x3FF);
            uint b = s + 1 < samples.Length ? (uint)(samples[s + 1] & 0x3FF) : 0;
            uint c = s + 2 < samples.Length ? (uint)(samples[s + 2] & 0x3FF) : 0;
            words[w] = BitConverter.IsLittleEndian ? a | (b << 10) | (c << 20) : BinaryPrimitives.ReverseEndianness(a | (b << 10) | (c << 20));
        }
    }

    /// <summary>
    /// Unpacks the luma of a line (width samples) and the two chroma planes at half horizontal resolution
    /// (width/2 each): what live analysis needs, without a per-pixel RGB conversion.
    /// Uses 128-bit shuffles (SSSE3/AVX, NEON) where the machine has them, a scalar loop elsewhere and for the tail.
    /// </summary>
    public static void UnpackPlanar(ReadOnlySpan<byte> line, Span<ushort> y, Span<ushort> cb, Span<ushort> cr) =>
        UnpackPlanar(line, y, cb, cr, vectorise: true);

    /// <summary>The same as <see cref="UnpackPlanar(ReadOnlySpan{byte}, Span{ushort}, Span{ushort}, Span{ushort})"/> without vector instructions: the benchmark baseline.</summary>
    public static void UnpackPlanarScalar(ReadOnlySpan<byte> line, Span<ushort> y, Span<ushort> cb, Span<ushort> cr) =>
        UnpackPlanar(line, y, cb, cr, vectorise: false);

    private static void UnpackPlanar(ReadOnlySpan<byte> line, Span<ushort> y, Span<ushort> cb, Span<ushort> cr, bool vectorise)
    {
        var width = y.Length;
        if (line.Length < Stride(width) || cb.Length < width / 2 || cr.Length < width / 2)
        {
            throw new ArgumentException("line or planes too short for the width");
        }

        var groups = width / 6;
        var g = 0;
        if (vectorise && Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            g = UnpackPlanarVector(line, y, cb, cr, groups);
        }

        var words = MemoryMarshal.Cast<byte, uint>(line);
        for (; g < groups; g++)
        {
            UnpackGroup(words.Slice(g * 4, 4), y.Slice(g * 6, 6), cb.Slice(g * 3, 3), cr.Slice(g * 3, 3));
        }

        // A width that is not a multiple of 6 leaves a partial group: take it sample by sample.
        var done = groups * 6;
        if (done < width)
        {
            Span<ushort> samples = stackalloc ushort[12];
            UnpackSamples(line.Slice(groups * 16, 16), samples);
            for (var p = done; p < width; p++)
            {
                var i = (p - done) * 2;
                y[p] = samples[i + 1];
                if ((p & 1) == 0)
                {
                    cb[p / 2] = samples[i];
                    if (i + 2 < samples.Length)
                    {
                        cr[p / 2] = samples[i + 2];
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnpackGroup(ReadOnlySpan<uint> w, Span<ushort> y, Span<ushort> cb, Span<ushort> cr)
    {
        uint w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        cb[0] = (ushort)(w0 & 0x3FF);
        y[0] = (ushort)((w0 >> 10) & 0x3FF);
        cr[0] = (ushort)((w0 >> 20) & 0x3FF);
        y[1] = (ushort)(w1 & 0x3FF);
        cb[1] = (ushort)((w1 >> 10) & 0x3FF);
        y[2] = (ushort)((w1 >> 20) & 0x3FF);
        cr[1] = (ushort)(w2 & 0x3FF);
        y[3] = (ushort)((w2 >> 10) & 0x3FF);
        cb[2] = (ushort)((w2 >> 20) & 0x3FF);
        y[4] = (ushort)(w3 & 0x3FF);
        cr[2] = (ushort)((w3 >> 10) & 0x3FF);
        y[5] = (ushort)((w3 >> 20) & 0x3FF);
    }

    /// <summary>
    /// One group (6 pixels, 16 bytes) per step. Each word is split into A = field0 | field1&lt;&lt;16 and B = field2, so
    /// every sample sits in a known 16-bit lane; fixed byte shuffles (pshufb/tbl) then gather Y, Cb and Cr.
    /// Stores are 16 bytes wide and run past the group: the last groups are left to the scalar loop.
    /// Returns the number of groups done.
    /// </summary>
    private static int UnpackPlanarVector(ReadOnlySpan<byte> line, Span<ushort> y, Span<ushort> cb, Span<ushort> cr, int groups)
    {
        var mask0 = Vector128.Create(0x3FFu);
        var mask1 = Vector128.Create(0x3FF0000u);
        var yA = Vector128.Create((byte)2, 3, 4, 5, 255, 255, 10, 11, 12, 13, 255, 255, 255, 255, 255, 255);
        var yB = Vector128.Create((byte)255, 255, 255, 255, 4, 5, 255, 255, 255, 255, 12, 13, 255, 255, 255, 255);
        var cbA = Vector128.Create((byte)0, 1, 6, 7, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255);
        var cbB = Vector128.Create((byte)255, 255, 255, 255, 8, 9, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255);
        var crA = Vector128.Create((byte)255, 255, 8, 9, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255);
        var crB = Vector128.Create((byte)0, 1, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255);
        ref var src = ref MemoryMarshal.GetReference(line);
        ref var yRef = ref MemoryMarshal.GetReference(y);
        ref var cbRef = ref MemoryMarshal.GetReference(cb);
        ref var crRef = ref MemoryMarshal.GetReference(cr);
        var g = 0;
        for (; g + 3 <= groups; g++)
        {
            var v = Vector128.LoadUnsafe(ref src, (nuint)(g * 16)).AsUInt32();
            var a = ((v & mask0) | ((v << 6) & mask1)).AsByte();
            var b = ((v >> 20) & mask0).AsByte();
            var yv = Vector128.Shuffle(a, yA) | Vector128.Shuffle(b, yB);
            var cbv = Vector128.Shuffle(a, cbA) | Vector128.Shuffle(b, cbB);
            var crv = Vector128.Shuffle(a, crA) | Vector128.Shuffle(b, crB);
            yv.AsUInt16().StoreUnsafe(ref yRef, (nuint)(g * 6));
            cbv.AsUInt16().StoreUnsafe(ref cbRef, (nuint)(g * 3));
            crv.AsUInt16().StoreUnsafe(ref crRef, (nuint)(g * 3));
        }

        return g;
    }

    /// <summary>
    /// Reads every <paramref name="columnStep"/>-th pixel of a line straight from the packing, without unpacking the
    /// rest: its luma into <paramref name="y"/> and its co-sited 4:2:2 chroma pair into <paramref name="cb"/> and
    /// <paramref name="cr"/>, one entry per sampled pixel. What live analysis needs: a 320-column grid reads one pixel
    /// in six of a 1080p line and one in twelve at UHD.
    /// </summary>
    public static void SamplePixels(ReadOnlySpan<byte> line, int width, int columnStep, Span<ushort> y, Span<ushort> cb, Span<ushort> cr)
    {
        var columns = y.Length;
        if (width <= 0 || columnStep <= 0 || line.Length < Stride(width) || cb.Length < columns || cr.Length < columns)
        {
            throw new ArgumentException("line or sample buffers too short for the width");
        }

        var words = MemoryMarshal.Cast<byte, uint>(line);
        for (var i = 0; i < columns; i++)
        {
            var x = Math.Min(i * columnStep, width - 1);
            var group = x / 6 * 4;
            var p = x % 6;
            var c = p >> 1;
            // Within a group the samples run Cb0 Y0 Cr0 Y1 Cb1 Y2 Cr1 Y3 Cb2 Y4 Cr2 Y5: pixel p's luma is sample 2p+1,
            // its chroma pair samples 4c and 4c+2; three samples to a word.
            y[i] = Sample(words, group, (2 * p) + 1);
            cb[i] = Sample(words, group, 4 * c);
            cr[i] = Sample(words, group, (4 * c) + 2);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort Sample(ReadOnlySpan<uint> words, int group, int sample)
    {
        var w = words[group + (sample / 3)];
        w = BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w);
        return (ushort)((w >> (10 * (sample % 3))) & 0x3FF);
    }

    /// <summary>Luma only (width samples): the cheapest unpack, for exposure and false colour.</summary>
    public static void UnpackLuma(ReadOnlySpan<byte> line, Span<ushort> y)
    {
        var width = y.Length;
        var words = MemoryMarshal.Cast<byte, uint>(line);
        var groups = width / 6;
        for (var g = 0; g < groups; g++)
        {
            var w = words.Slice(g * 4, 4);
            var o = y.Slice(g * 6, 6);
            o[0] = (ushort)((w[0] >> 10) & 0x3FF);
            o[1] = (ushort)(w[1] & 0x3FF);
            o[2] = (ushort)((w[1] >> 20) & 0x3FF);
            o[3] = (ushort)((w[2] >> 10) & 0x3FF);
            o[4] = (ushort)(w[3] & 0x3FF);
            o[5] = (ushort)((w[3] >> 20) & 0x3FF);
        }

        if (groups * 6 < width)
        {
            Span<ushort> samples = stackalloc ushort[12];
            UnpackSamples(line.Slice(groups * 16, 16), samples);
            for (var p = groups * 6; p < width; p++)
            {
                y[p] = samples[((p - (groups * 6)) * 2) + 1];
            }
        }
    }
}
