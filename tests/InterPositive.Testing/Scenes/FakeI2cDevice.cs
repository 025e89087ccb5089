using System.Device.I2c;

namespace InterPositive.Testing.Scenes;

/// <summary>
/// A register-level I²C device for driver tests. Register-addressed chips (TCS34725) see a command byte select a
/// register, then reads and writes run from it (auto-incrementing when the chip's protocol says so); opcode chips
/// (BH1750) see single-byte commands and answer reads from <see cref="ReadResponse"/>. Every transaction is logged.
/// </summary>
public sealed class FakeI2cDevice : I2cDevice
{
    private readonly I2cConnectionSettings _settings;
    private int _pointer;

    public FakeI2cDevice(int busId, int address, Func<byte, (int Register, bool AutoIncrement)>? decodeCommand = null)
    {
        _settings = new I2cConnectionSettings(busId, address);
        DecodeCommand = decodeCommand;
    }

    public override I2cConnectionSettings ConnectionSettings => _settings;

    /// <summary>The register file (256 registers).</summary>
    public byte[] Registers { get; } = new byte[256];

    /// <summary>Maps a command byte to a register and auto-increment; null for opcode devices.</summary>
    public Func<byte, (int Register, bool AutoIncrement)>? DecodeCommand { get; }

    /// <summary>Answer for reads on opcode devices (e.g. the BH1750's two result bytes).</summary>
    public Func<int, byte[]>? ReadResponse { get; set; }

    /// <summary>Called for every byte written to a register (register, value), so a fake can react (power-on, start).</summary>
    public Action<int, byte>? OnRegisterWrite { get; set; }

    /// <summary>Called for every opcode written to an opcode device.</summary>
    public Action<byte>? OnOpcode { get; set; }

    /// <summary>Every transaction, as text: "W 80 03", "R 94 → 2".</summary>
    public List<string> Log { get; } = [];

    /// <summary>A TCS34725 at its default address on bus 1 (ID 0x44, AVALID set) holding these clear/red/green/blue counts.</summary>
    public static FakeI2cDevice Tcs34725(int c, int r, int g, int b, byte id = 0x44)
    {
        // Command byte: bit 7 set, bits 6–5 the protocol (01 auto-increment), bits 4–0 the register.
        var fake = new FakeI2cDevice(1, 0x29, command => (command & 0x1F, (command & 0x60) == 0x20));
        fake.Registers[0x12] = id;
        fake.Registers[0x13] = 0x01;
        var counts = new[] { c, r, g, b };
        for (var i = 0; i < 4; i++)
        {
            fake.Registers[0x14 + (i * 2)] = (byte)(counts[i] & 0xFF);
            fake.Registers[0x15 + (i * 2)] = (byte)(counts[i] >> 8);
        }

        return fake;
    }

    /// <summary>
    /// A MAX44009 at its default address on bus 1: a register pointer set by the first byte written, auto-incrementing
    /// over reads and writes, result registers 0x03 (exponent, mantissa high nibble) and 0x04 (mantissa low nibble).
    /// </summary>
    public static FakeI2cDevice Max44009(byte luxHigh, byte luxLow)
    {
        var fake = new FakeI2cDevice(1, 0x4A, command => (command, true));
        fake.Registers[0x02] = 0x03; // the chip's power-on configuration (automatic mode, 100 ms), so the test sees the driver's write
        fake.Registers[0x03] = luxHigh;
        fake.Registers[0x04] = luxLow;
        return fake;
    }

    /// <summary>When set, every transfer throws this (a disconnected or unpowered sensor).</summary>
    public Exception? Fault { get; set; }

    private bool _autoIncrement;

    public override byte ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        Read(one);
        return one[0];
    }

    public override void Read(Span<byte> buffer)
    {
        ThrowIfFaulted();
        Log.Add(FormattableString.Invariant($"R {buffer.Length}"));
        if (DecodeCommand is null)
        {
            var answer = ReadResponse?.Invoke(buffer.Length) ?? new byte[buffer.Length];
            answer.AsSpan(0, Math.Min(answer.Length, buffer.Length)).CopyTo(buffer);
            return;
        }

        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = Registers[_pointer & 0xFF];
            if (_autoIncrement)
            {
                _pointer++;
            }
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfFaulted();
        Log.Add("W " + Convert.ToHexString(buffer));
        if (buffer.IsEmpty)
        {
            return;
        }

        if (DecodeCommand is null)
        {
            foreach (var b in buffer)
            {
                OnOpcode?.Invoke(b);
            }

            return;
        }

        (_pointer, _autoIncrement) = DecodeCommand(buffer[0]);
        for (var i = 1; i < buffer.Length; i++)
        {
            Registers[_pointer & 0xFF] = buffer[i];
            OnRegisterWrite?.Invoke(_pointer & 0xFF, buffer[i]);
            if (_autoIncrement)
            {
                _pointer++;
            }
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    private void ThrowIfFaulted()
    {
        if (Fault is not null)
        {
            throw Fault;
        }
    }
}
