namespace InterPositive.Formats.Sdi;

/// <summary>
/// SMPTE ST 2016-3 Active Format Description and bar data, DID/SDID 0x41/0x05, 8 user words:
/// UDW1 b3–b6 AFD code, b2 aspect ratio (1 = 16:9); UDW4 b4–b7 bar flags; UDW5–8 two 16-bit bar values.
/// </summary>
public sealed record Afd(int Code, bool Wide, int BarFlags, int BarValue1, int BarValue2)
{
    public const byte Did = 0x41;
    public const byte Sdid = 0x05;

    public static bool Is(AncPacket packet) => packet.Did == Did && packet.Sdid == Sdid;

    public static Afd Decode(ReadOnlySpan<byte> udw, string? source = null)
    {
        if (udw.Length < 8)
        {
            throw new MalformedInputException(FormattableString.Invariant($"AFD packet has {udw.Length} user words, needs 8"), source, null, "AFD DC");
        }

        return new Afd(
            Code: (udw[0] >> 3) & 0xF,
            Wide: (udw[0] & 0x04) != 0,
            BarFlags: (udw[3] >> 4) & 0xF,
            BarValue1: (udw[4] << 8) | udw[5],
            BarValue2: (udw[6] << 8) | udw[7]);
    }

    public byte[] EncodeUserData() =>
        [(byte)(((Code & 0xF) << 3) | (Wide ? 0x04 : 0)), 0, 0, (byte)((BarFlags & 0xF) << 4), (byte)(BarValue1 >> 8), (byte)BarValue1, (byte)(BarValue2 >> 8), (byte)BarValue2];
}
