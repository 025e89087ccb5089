using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using InterPositive.Formats.Rdd18;

namespace InterPositive.Formats.Sdi;

/// <summary>One Blackmagic camera control command: "set parameter P of group G on camera D to these values".</summary>
public sealed record BlackmagicCommand(byte Destination, byte Group, byte Parameter, byte DataType, byte Operation, byte[] Data)
{
    /// <summary>Broadcast destination (every camera).</summary>
    public const byte AllCameras = 0xFF;
}

/// <summary>
/// Blackmagic SDI camera control (DID 0x51, SDID 0x53, Blackmagic Camera Control developer manual): the UDWs are
/// messages of Destination(8) Length(8) CommandId(8) reserved(8), then Length bytes of command data, zero-padded to
/// 32 bits. Command 0 ("change configuration") is Group(8) Parameter(8) DataType(8) Operation(8) and the values,
/// little-endian: int8/16/32/64, UTF-8 strings, fixed16 (value × 2048). ATEM switchers embed these in their
/// program outputs to set the cameras' lens and video settings; what a camera is told to use is what it shoots.
/// </summary>
public static class BlackmagicCameraControl
{
    public const byte AncDid = 0x51;
    public const byte AncSdid = 0x53;

    public const byte TypeVoid = 0;
    public const byte TypeInt8 = 1;
    public const byte TypeInt16 = 2;
    public const byte TypeInt32 = 3;
    public const byte TypeInt64 = 4;
    public const byte TypeString = 5;
    public const byte TypeFixed16 = 128;

    /// <summary>Operation 0 assigns the value; 1 offsets (or toggles) the current one.</summary>
    public const byte Assign = 0;

    public static bool Is(AncPacket packet) => packet.Did == AncDid && packet.Sdid == AncSdid;

    /// <summary>The configuration commands in one packet's user data; other command ids are skipped.</summary>
    public static IReadOnlyList<BlackmagicCommand> Parse(ReadOnlySpan<byte> data, string? source = null)
    {
        var commands = new List<BlackmagicCommand>();
        var at = 0;

        // Trailing zero bytes pad the packet (a zero length ends the message list).
        while (at + 4 <= data.Length && data[at + 1] != 0)
        {
            var destination = data[at];
            var length = data[at + 1];
            var id = data[at + 2];
            if (at + 4 + length > data.Length)
            {
                throw new MalformedInputException(FormattableString.Invariant($"camera control message of {length} bytes runs past the packet"), source, at, "BMD message length");
            }

            var body = data.Slice(at + 4, length);
            if (id == 0)
            {
                if (body.Length < 4)
                {
                    throw new MalformedInputException("camera control configuration command shorter than its header", source, at + 4, "BMD command");
                }

                commands.Add(new BlackmagicCommand(destination, body[0], body[1], body[2], body[3], body[4..].ToArray()));
            }

            at += 4 + ((length + 3) & ~3);
        }

        return commands;
    }

    /// <summary>
    /// The camera settings the commands assign (offsets and unmapped parameters are left out); null when none map.
    /// Iris from the aperture value (f = √2^AV), white balance, exposure time, shutter angle, gain, ISO, ND stops
    /// (as the filter factor 2^stops) and the lens type and focal length from the metadata group.
    /// </summary>
    public static AcquisitionMetadata? ToMetadata(IEnumerable<BlackmagicCommand> commands)
    {
        AcquisitionMetadata? m = null;
        foreach (var c in commands)
        {
            if (c.Operation != Assign)
            {
                continue;
            }

            var item = (c.Group, c.Parameter, c.DataType) switch
            {
                (0, 2, TypeFixed16) when Fixed16(c) is { } av => new AcquisitionMetadata { IrisFNumber = Math.Round(Math.Sqrt(Math.Pow(2, av)), 2) },
                (1, 2, TypeInt16) when c.Data.Length >= 2 => new AcquisitionMetadata { WhiteBalanceKelvin = BinaryPrimitives.ReadInt16LittleEndian(c.Data) },
                (1, 5, TypeInt32) when Int32(c) is > 0 and var us => new AcquisitionMetadata { ShutterTimeSeconds = us / 1e6 },
                (1, 11, TypeInt32) when Int32(c) is > 0 and var angle => new AcquisitionMetadata { ShutterAngleDegrees = angle / 100.0 },
                (1, 12, TypeInt32) when Int32(c) is > 0 and var speed => new AcquisitionMetadata { ShutterTimeSeconds = 1.0 / speed },
                (1, 13, TypeInt8) when c.Data.Length >= 1 => new AcquisitionMetadata { MasterGainDb = (sbyte)c.Data[0] },
                (1, 14, TypeInt32) when Int32(c) is > 0 and var iso => new AcquisitionMetadata { Iso = iso },
                (1, 16, TypeFixed16) when Fixed16(c) is { } stops => new AcquisitionMetadata { NdFilter = (int)Math.Round(Math.Pow(2, stops)) },
                (12, 9, TypeString) => new AcquisitionMetadata { LensAttributes = Text(c) },
                (12, 11, TypeString) when LeadingNumber(Text(c)) is { } mm => new AcquisitionMetadata { FocalLengthMm = mm },
                _ => null,
            };
            if (item is not null)
            {
                m = m is null ? item : m.Merge(item);
            }
        }

        return m;
    }

    /// <summary>Packs configuration commands into user data (each message padded to 32 bits).</summary>
    public static byte[] Write(IEnumerable<BlackmagicCommand> commands)
    {
        var bytes = new List<byte>();
        foreach (var c in commands)
        {
            var length = 4 + c.Data.Length;
            bytes.AddRange([c.Destination, (byte)length, 0, 0, c.Group, c.Parameter, c.DataType, c.Operation]);
            bytes.AddRange(c.Data);
            while ((bytes.Count & 3) != 0)
            {
                bytes.Add(0);
            }
        }

        return [.. bytes];
    }

    /// <summary>A fixed16 value (× 2048) as a command's data.</summary>
    public static byte[] Fixed16Data(double value)
    {
        var data = new byte[2];
        BinaryPrimitives.WriteInt16LittleEndian(data, (short)Math.Round(value * 2048));
        return data;
    }

    private static double? Fixed16(BlackmagicCommand c) => c.Data.Length >= 2 ? BinaryPrimitives.ReadInt16LittleEndian(c.Data) / 2048.0 : null;

    private static int? Int32(BlackmagicCommand c) => c.Data.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(c.Data) : null;

    private static string Text(BlackmagicCommand c) => Encoding.UTF8.GetString(c.Data).TrimEnd('\0');

    private static double? LeadingNumber(string text)
    {
        var end = 0;
        while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] == '.'))
        {
            end++;
        }

        return double.TryParse(text.AsSpan(0, end), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
    }
}
