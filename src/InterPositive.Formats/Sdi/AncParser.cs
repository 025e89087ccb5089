namespace InterPositive.Formats.Sdi;

/// <summary>Malformed ANC packets seen so far: counted and skipped, never fatal to the feed.</summary>
public sealed class AncErrorCounts
{
    /// <summary>DID, SDID/DBN or DC words whose b8/b9 are not the parity of b0–b7 (and 8-bit UDWs that a decoder rejected).</summary>
    public long Parity { get; set; }

    /// <summary>Packets whose checksum word does not match.</summary>
    public long Checksum { get; set; }

    /// <summary>Packets whose data count runs past the end of the line (or datagram).</summary>
    public long Truncated { get; set; }

    public void Add(AncErrorCounts other)
    {
        Parity += other.Parity;
        Checksum += other.Checksum;
        Truncated += other.Truncated;
    }
}

/// <summary>
/// Finds ST 291 packets in one line's sample stream (the luma or chroma samples of a VANC line): ADF
/// 000 3FF 3FF, then DID, SDID/DBN, DC, DC user words and a checksum. A bad packet is counted and the scan
/// resumes just after its ADF, so one corrupt packet never hides the next.
/// </summary>
public static class AncParser
{
    /// <summary>Appends the good packets found in <paramref name="words"/> to <paramref name="packets"/>.</summary>
    public static void Scan(ReadOnlySpan<ushort> words, int line, AncStream stream, List<AncPacket> packets, AncErrorCounts errors)
    {
        var i = 0;
        while (i + 6 <= words.Length)
        {
            var found = words[i..].IndexOf(AncWord.Adf);
            if (found < 0)
            {
                return;
            }

            i += found;
            if (i + 6 > words.Length)
            {
                errors.Truncated++;
                return;
            }

            var did = words[i + 3];
            var sdid = words[i + 4];
            var dc = words[i + 5];
            if (!AncWord.HasGoodParity(did) || !AncWord.HasGoodParity(sdid) || !AncWord.HasGoodParity(dc))
            {
                errors.Parity++;
                i += 3;
                continue;
            }

            var count = dc & 0xFF;
            var checksumAt = i + 6 + count;
            if (checksumAt >= words.Length)
            {
                errors.Truncated++;
                i += 3;
                continue;
            }

            if (words[checksumAt] != AncWord.Checksum(words.Slice(i + 3, 3 + count)))
            {
                errors.Checksum++;
                i += 3;
                continue;
            }

            packets.Add(new AncPacket((byte)did, (byte)sdid, words.Slice(i + 6, count).ToArray(), line, i, stream));
            i = checksumAt + 1;
        }
    }

    /// <summary>
    /// Scans every VANC line of a v210 frame (the first <paramref name="vancLines"/> lines) in the luma stream,
    /// and in the chroma stream too when <paramref name="scanChroma"/> (HANC-style use, some SD capture).
    /// <paramref name="scratch"/> must hold 2·width samples.
    /// </summary>
    public static void ScanV210Vanc(ReadOnlySpan<byte> frame, int width, int vancLines, Span<ushort> scratch, List<AncPacket> packets, AncErrorCounts errors, bool scanChroma = false)
    {
        var stride = V210.Stride(width);
        var samples = scratch[..V210.SampleCount(width)];
        Span<ushort> luma = new ushort[width];
        Span<ushort> chroma = scanChroma ? new ushort[width] : default;
        for (var l = 0; l < vancLines && (l + 1) * stride <= frame.Length; l++)
        {
            var lineBytes = frame.Slice(l * stride, stride);

            V210.UnpackSamples(lineBytes, samples);
            for (var p = 0; p < width; p++)
            {
                luma[p] = samples[(2 * p) + 1];
            }

            Scan(luma, l + 1, AncStream.Luma, packets, errors);
            if (scanChroma)
            {
                for (var p = 0; p < width; p++)
                {
                    chroma[p] = samples[2 * p];
                }

                Scan(chroma, l + 1, AncStream.Chroma, packets, errors);
            }
        }
    }
}
