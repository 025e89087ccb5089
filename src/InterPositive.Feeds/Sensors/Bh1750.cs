using System.Device.I2c;

namespace InterPositive.Feeds.Sensors;

/// <summary>
/// ROHM BH1750FVI ambient light sensor in one-time high-resolution mode: power on, start a measurement (opcode 0x20),
/// wait the 180 ms maximum, read two bytes big-endian; lux = counts / 1.2 at the default measurement time (MTreg 69).
/// One-time mode powers the chip down after each reading.
/// Our own driver rather than dotnet/iot's <c>Bh1750fvi</c> binding: the binding writes the mode command and reads the
/// result in the same breath, with no conversion wait, so a one-time reading returns the previous result (or 0) and a
/// continuous one restarts its measurement on every read. Here the wait is awaited on the injected clock.
/// </summary>
public sealed class Bh1750 : ILightSensor
{
    /// <summary>ADDR pin low; 0x5C with ADDR high.</summary>
    public const int DefaultAddress = 0x23;

    private const byte PowerOn = 0x01;
    private const byte Reset = 0x07;
    private const byte OneTimeHighResolution = 0x20;

    private readonly I2cDevice _device;
    private readonly TimeProvider _time;

    public Bh1750(I2cDevice device, TimeProvider time, string name)
    {
        _device = device;
        _time = time;
        Name = name;
        _device.WriteByte(PowerOn);
        _device.WriteByte(Reset);
    }

    public string Name { get; }

    public async Task<LightReading> ReadAsync(CancellationToken cancellationToken)
    {
        _device.WriteByte(PowerOn);
        _device.WriteByte(OneTimeHighResolution);
        await Task.Delay(TimeSpan.FromMilliseconds(180), _time, cancellationToken);
        Span<byte> data = stackalloc byte[2];
        _device.Read(data);
        var counts = data[0] << 8 | data[1];
        return new LightReading(Name, _time.GetUtcNow(), Lux(counts), null, counts == 0xFFFF, [counts]);
    }

    /// <summary>Lux from the 16-bit result in high-resolution mode at the default measurement time.</summary>
    public static double Lux(int counts) => counts / 1.2;

    public void Dispose() => _device.Dispose();
}
