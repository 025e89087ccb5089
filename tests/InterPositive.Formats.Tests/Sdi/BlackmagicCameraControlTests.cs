using System.Buffers.Binary;
using System.Text;
using CsCheck;
using InterPositive.Formats;
using InterPositive.Formats.Sdi;

namespace InterPositive.Formats.Tests.Sdi;

[Trait("Category", "Unit")]
public sealed class BlackmagicCameraControlTests
{
    private static byte[] Int32Data(int value)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(data, value);
        return data;
    }

    private static readonly BlackmagicCommand[] Settings =
    [
        new(1, 0, 2, BlackmagicCameraControl.TypeFixed16, 0, BlackmagicCameraControl.Fixed16Data(4)), // AV 4 = f/4
        new(1, 1, 2, BlackmagicCameraControl.TypeInt16, 0, [0x7C, 0x15, 0x05, 0x00]), // 5500 K, tint +5
        new(1, 1, 11, BlackmagicCameraControl.TypeInt32, 0, Int32Data(17280)), // 172.8°
        new(1, 1, 14, BlackmagicCameraControl.TypeInt32, 0, Int32Data(800)),
        new(1, 1, 13, BlackmagicCameraControl.TypeInt8, 0, [0xFA]), // -6 dB
        new(1, 1, 16, BlackmagicCameraControl.TypeFixed16, 0, BlackmagicCameraControl.Fixed16Data(3)), // 3 stops = ND 8
        new(1, 12, 9, BlackmagicCameraControl.TypeString, 0, Encoding.UTF8.GetBytes("Zeiss CP.3")),
        new(1, 12, 11, BlackmagicCameraControl.TypeString, 0, Encoding.UTF8.GetBytes("35mm")),
        new(1, 1, 14, BlackmagicCameraControl.TypeInt32, 1, Int32Data(100)), // an offset, not a setting
        new(1, 6, 0, BlackmagicCameraControl.TypeInt8, 0, [1]), // tally: not camera metadata
    ];

    [Fact]
    public void Configuration_commands_round_trip_and_map_to_camera_settings()
    {
        var data = BlackmagicCameraControl.Write(Settings);
        Assert.Equal(0, data.Length % 4);

        var commands = BlackmagicCameraControl.Parse(data);
        Assert.Equal(Settings.Length, commands.Count);
        Assert.Equal(Settings.Select(s => (s.Group, s.Parameter, s.Operation)), commands.Select(c => (c.Group, c.Parameter, c.Operation)));
        Assert.Equal("Zeiss CP.3", Encoding.UTF8.GetString(commands[6].Data));

        var m = BlackmagicCameraControl.ToMetadata(commands)!;
        Assert.Equal(4.0, m.IrisFNumber);
        Assert.Equal(5500, m.WhiteBalanceKelvin);
        Assert.Equal(172.8, m.ShutterAngleDegrees);
        Assert.Equal(800, m.Iso);
        Assert.Equal(-6, m.MasterGainDb);
        Assert.Equal(8, m.NdFilter);
        Assert.Equal("Zeiss CP.3", m.LensAttributes);
        Assert.Equal(35, m.FocalLengthMm);
    }

    [Fact]
    public void Padding_after_the_last_message_ends_the_packet_and_other_command_ids_are_skipped()
    {
        byte[] data = [.. BlackmagicCameraControl.Write([Settings[3]]), 0xFF, 4, 7, 0, 1, 2, 3, 4, 0, 0, 0, 0];
        var command = Assert.Single(BlackmagicCameraControl.Parse(data));
        Assert.Equal(14, command.Parameter);
        Assert.Null(BlackmagicCameraControl.ToMetadata([]));
    }

    [Fact]
    public void A_message_running_past_the_packet_names_its_offset()
    {
        var data = BlackmagicCameraControl.Write(Settings[..2]);
        var error = Assert.Throws<MalformedInputException>(() => BlackmagicCameraControl.Parse(data.AsSpan(0, data.Length - 4), "A"));
        Assert.Equal(12, error.Offset);
        Assert.Contains("runs past the packet", error.Message, StringComparison.Ordinal);
        Assert.Throws<MalformedInputException>(() => BlackmagicCameraControl.Parse([1, 2, 0, 0, 1, 2], "A"));
    }

    [Fact]
    public void Random_bytes_parse_or_throw_malformed_input_only()
    {
        Gen.Byte.Array[0, 255].Sample(bytes =>
        {
            try
            {
                _ = BlackmagicCameraControl.ToMetadata(BlackmagicCameraControl.Parse(bytes, "fuzz"));
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 2000);
    }
}
