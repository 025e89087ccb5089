using System.Globalization;
using System.Numerics;

namespace InterPositive.Formats.Sdi;

/// <summary>Where an ANC packet sat: the luma (Y) or chroma (C) sample stream of a line.</summary>
public enum AncStream
{
    Luma,
    Chroma,
}

/// <summary>
/// One SMPTE ST 291 ancillary data packet: DID, SDID (type 2) or DBN (type 1, DID ≥ 0x80), and its user data
/// words as 10-bit values. Checked for header parity and checksum before it is made.
/// </summary>
public sealed class AncPacket
{
    public AncPacket(byte did, byte sdid, ushort[] userWords, int line, int horizontalOffset, AncStream stream)
    {
        Did = did;
        Sdid = sdid;
        UserWords = userWords;
        Line = line;
        HorizontalOffset = horizontalOffset;
        Stream = stream;
    }

    public byte Did { get; }

    /// <summary>SDID for type-2 packets, DBN (data block number) for type-1.</summary>
    public byte Sdid { get; }

    /// <summary>The user data words as carried (10 bits each, parity bits included for 8-bit data).</summary>
    public ushort[] UserWords { get; }

    /// <summary>The line number the packet was found on (1-based, as VANC lines are numbered in the frame).</summary>
    public int Line { get; }

    /// <summary>Sample offset of the ADF in its stream.</summary>
    public int HorizontalOffset { get; }

    public AncStream Stream { get; }

    public bool IsType1 => Did >= 0x80;

    public AncKey Key => new(Did, Sdid);

    /// <summary>The 8-bit payload (b0–b7 of each UDW), for packets that carry bytes (ATC, RDD 18, AFD).</summary>
    public byte[] UserBytes()
    {
        var bytes = new byte[UserWords.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)UserWords[i];
        }

        return bytes;
    }

    /// <summary>The first UDW whose b8/b9 are not the even parity of b0–b7 and its complement; −1 when all are good.</summary>
    public int FirstUserWordParityError()
    {
        for (var i = 0; i < UserWords.Length; i++)
        {
            if (!AncWord.HasGoodParity(UserWords[i]))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>DID and SDID of a packet; printed as <c>60/60</c> (hex), the key of the ANC counts.</summary>
public readonly record struct AncKey(byte Did, byte Sdid)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Did:X2}/{Sdid:X2}");
}

/// <summary>ST 291 word rules: 8-bit values with b8 even parity and b9 its complement; checksum over 9 bits.</summary>
public static class AncWord
{
    /// <summary>The ancillary data flag that starts every packet in component streams.</summary>
    public static ReadOnlySpan<ushort> Adf => [0x000, 0x3FF, 0x3FF];

    /// <summary>An 8-bit value with b8 = even parity of b0–b7 and b9 = NOT b8.</summary>
    public static ushort WithParity(byte value)
    {
        var b8 = BitOperations.PopCount(value) & 1;
        return (ushort)(value | (b8 << 8) | ((b8 ^ 1) << 9));
    }

    public static bool HasGoodParity(ushort word) => word == WithParity((byte)word);

    /// <summary>The checksum word: 9-bit sum of DID..last UDW, b9 = NOT b8.</summary>
    public static ushort Checksum(ReadOnlySpan<ushort> didToLastUdw)
    {
        var sum = 0;
        foreach (var w in didToLastUdw)
        {
            sum += w & 0x1FF;
        }

        sum &= 0x1FF;
        return (ushort)(sum | ((~sum & 0x100) << 1));
    }

    /// <summary>Words of a complete packet (ADF, DID, SDID, DC, UDWs with parity, checksum) for 8-bit user data.</summary>
    public static ushort[] Encode(byte did, byte sdid, ReadOnlySpan<byte> userData)
    {
        if (userData.Length > 255)
        {
            throw new ArgumentException("an ANC packet carries at most 255 user data words", nameof(userData));
        }

        var words = new ushort[7 + userData.Length];
        Adf.CopyTo(words);
        words[3] = WithParity(did);
        words[4] = WithParity(sdid);
        words[5] = WithParity((byte)userData.Length);
        for (var i = 0; i < userData.Length; i++)
        {
            words[6 + i] = WithParity(userData[i]);
        }

        words[^1] = Checksum(words.AsSpan(3, 3 + userData.Length));
        return words;
    }
}
