using System.Globalization;

namespace InterPositive.Formats.Sdi;

/// <summary>ST 12-2 DBB1 payload type: what the ATC packet carries.</summary>
public enum AtcPayloadType : byte
{
    Ltc = 0x00,
    Vitc1 = 0x01,
    Vitc2 = 0x02,
    FilmData = 0x06,
    ProductionData = 0x07,
}

/// <summary>
/// SMPTE ST 12-2 ancillary time code (ATC), DID/SDID 0x60/0x60, 16 user words. Each UDW carries one 4-bit nibble
/// of the ST 12-1 word in b4–b7 and one distributed binary bit in b3 (DBB1 from UDW 1–8, DBB2 from 9–16).
/// UDWs 1, 3 … 15 (1-based) carry time, UDWs 2, 4 … 16 the user-bit groups 1–8 (libklvanc core-packet-smpte_12_2).
/// </summary>
public sealed record AtcTimecode(
    int Hours,
    int Minutes,
    int Seconds,
    int Frames,
    bool DropFrame,
    bool ColourFrame,
    bool FieldFlag,
    uint UserBits,
    AtcPayloadType PayloadType,
    byte Dbb2 = 0)
{
    public const byte Did = 0x60;
    public const byte Sdid = 0x60;

    /// <summary>DBB2 b6: the timecode is valid.</summary>
    public bool Valid => (Dbb2 & 0x40) != 0 || Dbb2 == 0;

    /// <summary>HH:MM:SS:FF, with ';' before the frames for drop frame.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Hours:D2}:{Minutes:D2}:{Seconds:D2}{(DropFrame ? ';' : ':')}{Frames:D2}");

    /// <summary>Decodes the 16 UDWs of an ATC packet (10-bit words, parity checked).</summary>
    public static AtcTimecode Decode(ReadOnlySpan<ushort> udw, string? source = null)
    {
        if (udw.Length != 16)
        {
            throw new MalformedInputException(FormattableString.Invariant($"ATC packet has {udw.Length} user words, needs 16"), source, null, "ATC DC");
        }

        Span<byte> b = stackalloc byte[16];
        for (var i = 0; i < 16; i++)
        {
            if (!AncWord.HasGoodParity(udw[i]))
            {
                throw new MalformedInputException("bad parity", source, null, FormattableString.Invariant($"ATC UDW {i + 1}"));
            }

            b[i] = (byte)udw[i];
        }

        return Decode(b, source);
    }

    /// <summary>Decodes the 8-bit values of the 16 UDWs.</summary>
    public static AtcTimecode Decode(ReadOnlySpan<byte> b, string? source = null)
    {
        if (b.Length != 16)
        {
            throw new MalformedInputException(FormattableString.Invariant($"ATC packet has {b.Length} user words, needs 16"), source, null, "ATC DC");
        }

        byte dbb1 = 0, dbb2 = 0;
        for (var i = 0; i < 8; i++)
        {
            dbb1 |= (byte)(((b[i] >> 3) & 1) << i);
            dbb2 |= (byte)(((b[i + 8] >> 3) & 1) << i);
        }

        Span<int> n = stackalloc int[16];
        for (var i = 0; i < 16; i++)
        {
            n[i] = (b[i] >> 4) & 0xF;
        }

        var frames = n[0] + (10 * (n[2] & 0x3));
        var seconds = n[4] + (10 * (n[6] & 0x7));
        var minutes = n[8] + (10 * (n[10] & 0x7));
        var hours = n[12] + (10 * (n[14] & 0x3));
        if (n[0] > 9 || n[4] > 9 || n[8] > 9 || n[12] > 9 || seconds > 59 || minutes > 59 || hours > 23)
        {
            throw new MalformedInputException(
                FormattableString.Invariant($"timecode digits out of range ({hours:D2}:{minutes:D2}:{seconds:D2}:{frames:D2})"), source, null, "ATC time");
        }

        uint user = 0;
        for (var g = 0; g < 8; g++)
        {
            user |= (uint)n[(2 * g) + 1] << (4 * g);
        }

        return new AtcTimecode(
            hours,
            minutes,
            seconds,
            frames,
            DropFrame: (b[2] & 0x40) != 0,
            ColourFrame: (b[2] & 0x80) != 0,
            FieldFlag: (b[6] & 0x80) != 0,
            UserBits: user,
            PayloadType: (AtcPayloadType)dbb1,
            Dbb2: dbb2);
    }

    /// <summary>The 16 UDW values (8-bit, before parity) of this timecode; <see cref="AncWord.Encode"/> makes the packet.</summary>
    public byte[] EncodeUserData()
    {
        Span<int> nibble = stackalloc int[16];
        nibble[0] = Frames % 10;
        nibble[2] = (Frames / 10) | (DropFrame ? 0x4 : 0) | (ColourFrame ? 0x8 : 0);
        nibble[4] = Seconds % 10;
        nibble[6] = (Seconds / 10) | (FieldFlag ? 0x8 : 0);
        nibble[8] = Minutes % 10;
        nibble[10] = Minutes / 10;
        nibble[12] = Hours % 10;
        nibble[14] = Hours / 10;
        for (var g = 0; g < 8; g++)
        {
            nibble[(2 * g) + 1] = (int)((UserBits >> (4 * g)) & 0xF);
        }

        var dbb1 = (byte)PayloadType;
        var bytes = new byte[16];
        for (var i = 0; i < 16; i++)
        {
            var dbb = i < 8 ? (dbb1 >> i) & 1 : (Dbb2 >> (i - 8)) & 1;
            bytes[i] = (byte)((nibble[i] << 4) | (dbb << 3));
        }

        return bytes;
    }

    /// <summary>Whether the packet with this DID/SDID is an ATC packet.</summary>
    public static bool Is(AncPacket packet) => packet.Did == Did && packet.Sdid == Sdid;
}

/// <summary>Conversions between ATC labels and <see cref="Timecode"/>.</summary>
public static class AtcTimecodeConversions
{
    /// <summary>
    /// The timecode this ATC label names at <paramref name="rate"/> (its drop-frame flag taken from the packet when the
    /// rate allows it). Above 30 fps ST 12-1 counts frame pairs: the label's frames are pairs and the field/pair flag
    /// marks the second frame of the pair. Null when the label does not exist at that rate.
    /// </summary>
    public static Timecode? ToTimecode(this AtcTimecode atc, FrameRate rate)
    {
        var effective = rate;
        if (atc.DropFrame != rate.DropFrame && rate.IsFractional && rate.Nominal is 30 or 60)
        {
            effective = new FrameRate(rate.Numerator, rate.Denominator, atc.DropFrame);
        }

        var frames = effective.Nominal > 30 ? (atc.Frames * 2) + (atc.FieldFlag ? 1 : 0) : atc.Frames;
        return Timecode.TryFromComponents(atc.Hours, atc.Minutes, atc.Seconds, frames, effective, out var tc) ? tc : null;
    }

    /// <summary>The ATC label for a timecode (frame pairs above 30 fps, see <see cref="ToTimecode"/>).</summary>
    public static AtcTimecode ToAtc(this Timecode tc, AtcPayloadType type = AtcPayloadType.Ltc, uint userBits = 0)
    {
        var pairs = tc.Rate.Nominal > 30;
        return new AtcTimecode(
            tc.Hours,
            tc.Minutes,
            tc.Seconds,
            pairs ? tc.Frames / 2 : tc.Frames,
            tc.Rate.DropFrame,
            ColourFrame: false,
            FieldFlag: pairs && (tc.Frames & 1) == 1,
            userBits,
            type,
            Dbb2: 0x40);
    }
}
