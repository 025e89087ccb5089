using System.Device.I2c;

namespace InterPositive.Feeds.Sensors;

/// <summary>
/// AMS/TAOS TCS34725 RGBC colour sensor. Lux and CCT per AMS design note DN40: IR removed as (R+G+B−C)/2, lux from
/// G″ = 0.136·R′ + 1.000·G′ − 0.444·B′ over counts-per-lux CPL = (ATIME_ms·AGAIN)/(GA·310), CCT = 3810·B′/R′ + 1391;
/// saturation at 1024 counts per 2.4 ms cycle (analogue) or 65535 (digital), less 25 % ripple margin under 150 ms.
/// Our own driver rather than dotnet/iot's <c>Tcs3472x</c> binding: the binding returns an 8-bit-per-channel colour, not
/// the raw 16-bit clear/red/green/blue counts the DN40 lux and CCT maths need, has no lux or CCT, and waits for a
/// conversion with <c>Thread.Sleep</c>, which would block a pool thread the service shares with the feeds.
/// </summary>
public sealed class Tcs34725 : ILightSensor
{
    public const int DefaultAddress = 0x29;

    /// <summary>Command bit; 0x20 selects auto-increment for block reads.</summary>
    private const byte Command = 0x80;
    private const byte AutoIncrement = 0x20;
    private const byte Enable = 0x00;
    private const byte Atime = 0x01;
    private const byte Control = 0x0F;
    private const byte Id = 0x12;
    private const byte Status = 0x13;
    private const byte Cdatal = 0x14;
    private const byte PowerOn = 0x01;
    private const byte AdcEnable = 0x02;
    private const byte Avalid = 0x01;

    private readonly I2cDevice _device;
    private readonly TimeProvider _time;
    private readonly byte _atime;
    private readonly int _gain;
    private readonly double _glass;

    public Tcs34725(I2cDevice device, TimeProvider time, LightSensorOptions options)
    {
        _device = device;
        _time = time;
        Name = options.Name;
        _gain = options.Gain is 1 or 4 or 16 or 60 ? options.Gain : throw new ArgumentException("TCS34725 gain must be 1, 4, 16 or 60");
        var cycles = (int)Math.Round(options.IntegrationMs / 2.4);
        if (cycles is < 1 or > 256)
        {
            throw new ArgumentException("TCS34725 integration time must be 2.4–614.4 ms");
        }

        _atime = (byte)(256 - cycles);
        _glass = Math.Max(1, options.GlassAttenuation);
        var id = ReadRegister(Id);
        if (id is not (0x44 or 0x4D))
        {
            throw new IOException($"no TCS34725 at 0x{device.ConnectionSettings.DeviceAddress:X2} on bus {device.ConnectionSettings.BusId} (ID register reads 0x{id:X2})");
        }

        WriteRegister(Atime, _atime);
        WriteRegister(Control, (byte)(_gain switch { 1 => 0, 4 => 1, 16 => 2, _ => 3 }));
        WriteRegister(Enable, PowerOn);
    }

    public string Name { get; }

    public double IntegrationMs => (256 - _atime) * 2.4;

    public async Task<LightReading> ReadAsync(CancellationToken cancellationToken)
    {
        // Power on needs 2.4 ms before the ADC starts; then one integration (plus margin) until AVALID.
        WriteRegister(Enable, PowerOn);
        await Task.Delay(TimeSpan.FromMilliseconds(3), _time, cancellationToken);
        WriteRegister(Enable, PowerOn | AdcEnable);
        await Task.Delay(TimeSpan.FromMilliseconds(IntegrationMs + 2.4), _time, cancellationToken);
        for (var tries = 0; (ReadRegister(Status) & Avalid) == 0; tries++)
        {
            if (tries >= 10)
            {
                throw new IOException($"{Name}: TCS34725 never reported a valid conversion");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2.4), _time, cancellationToken);
        }

        Span<byte> data = stackalloc byte[8];
        _device.WriteRead([(byte)(Command | AutoIncrement | Cdatal)], data);
        int c = data[0] | data[1] << 8, r = data[2] | data[3] << 8, g = data[4] | data[5] << 8, b = data[6] | data[7] << 8;
        var (lux, cct, saturated) = Dn40(r, g, b, c, IntegrationMs, _gain, _glass);
        return new LightReading(Name, _time.GetUtcNow(), lux, cct, saturated, [c, r, g, b]);
    }

    /// <summary>DN40 lux and CCT from raw counts. CCT is null in the dark or when red vanishes after IR removal.</summary>
    public static (double Lux, double? Cct, bool Saturated) Dn40(int r, int g, int b, int c, double integrationMs, int gain, double glassAttenuation = 1)
    {
        var cycles = (int)Math.Round(integrationMs / 2.4);
        double saturation = cycles > 63 ? 65535 : 1024.0 * cycles;
        if (integrationMs < 150)
        {
            saturation -= saturation / 4;
        }

        var saturated = c >= saturation;
        var sum = (double)r + g + b;
        var ir = sum > c ? (sum - c) / 2 : 0;
        double r2 = r - ir, g2 = g - ir, b2 = b - ir;
        var g1 = 0.136 * r2 + 1.000 * g2 - 0.444 * b2;
        var cpl = integrationMs * gain / (glassAttenuation * 310.0);
        var lux = Math.Max(0, g1 / cpl);
        double? cct = r2 > 0 && c > 0 ? 3810 * b2 / r2 + 1391 : null;
        return (lux, cct, saturated);
    }

    public void Dispose()
    {
        try
        {
            WriteRegister(Enable, 0);
        }
        catch (IOException)
        {
        }

        _device.Dispose();
    }

    private byte ReadRegister(byte register)
    {
        Span<byte> value = stackalloc byte[1];
        _device.WriteRead([(byte)(Command | register)], value);
        return value[0];
    }

    private void WriteRegister(byte register, byte value) => _device.Write([(byte)(Command | register), value]);
}
