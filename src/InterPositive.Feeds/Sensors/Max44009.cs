using System.Device.I2c;
using Max44009Binding = Iot.Device.Max44009.Max44009;

namespace InterPositive.Feeds.Sensors;

/// <summary>
/// Maxim MAX44009 ambient light sensor: 0.045 to 188 000 lux in one range, so one sensor reads a night interior and a
/// sunlit exterior. The chip runs in its automatic mode (configuration 0x00: a measurement every 800 ms, integration
/// time and gain chosen by the chip), and this driver reads through dotnet/iot's <c>Max44009</c> binding, which is right
/// for that mode: it writes the configuration once and decodes lux = 2^exponent × mantissa × 0.045 from registers 0x03
/// and 0x04. What the binding lacks we add here: the first reading waits out one 800 ms cycle after power-up (before it the
/// result registers hold 0), and an exponent of 1111 — over range, above 188 006 lux — is flagged as saturated.
/// </summary>
public sealed class Max44009 : ILightSensor
{
    /// <summary>A0 low; 0x4B with A0 high.</summary>
    public const int DefaultAddress = Max44009Binding.DefaultI2cAddress;

    /// <summary>One automatic-mode measurement cycle.</summary>
    public static readonly TimeSpan Cycle = TimeSpan.FromMilliseconds(800);

    /// <summary>Exponent 1110 with the full mantissa: readings above it are over range.</summary>
    public const double MaximumLux = 16384 * 255 * LuxPerCount;

    private const double LuxPerCount = 0.045;
    private const byte LuxHighRegister = 0x03;

    private readonly Max44009Binding _chip;
    private readonly I2cDevice _device;
    private readonly TimeProvider _time;
    private readonly long _poweredAt;

    public Max44009(I2cDevice device, TimeProvider time, string name)
    {
        _time = time;
        Name = name;
        _device = device;
        _chip = new Max44009Binding(device);
        _poweredAt = time.GetTimestamp();
    }

    public string Name { get; }

    public async Task<LightReading> ReadAsync(CancellationToken cancellationToken)
    {
        var sincePowerUp = _time.GetElapsedTime(_poweredAt);
        if (sincePowerUp < Cycle)
        {
            await Task.Delay(Cycle - sincePowerUp, _time, cancellationToken);
        }

        var lux = _chip.Illuminance;
        Span<byte> exponent = stackalloc byte[1];
        _device.WriteRead([LuxHighRegister], exponent);
        var overRange = exponent[0] >> 4 == 0xF;
        var counts = (int)Math.Round(lux / LuxPerCount);
        return new LightReading(Name, _time.GetUtcNow(), overRange ? MaximumLux : lux, null, overRange, [counts]);
    }

    /// <summary>Lux from the two result registers as the datasheet gives it (the binding's own arithmetic, for tests).</summary>
    public static double Lux(byte high, byte low)
    {
        var exponent = high >> 4;
        var mantissa = ((high & 0x0F) << 4) | (low & 0x0F);
        return Math.Pow(2, exponent) * mantissa * LuxPerCount;
    }

    public void Dispose() => _chip.Dispose();
}
