using System.Device.I2c;
using InterPositive.Lighting;

namespace InterPositive.Feeds.Sensors;

/// <summary>Which chip, on which bus and address (from configuration: <c>Sensors:0:Chip</c>, <c>Bus</c>, <c>Address</c>).</summary>
public sealed record LightSensorOptions
{
    /// <summary><c>tcs34725</c> (lux and CCT), <c>bh1750</c> (lux) or <c>max44009</c> (lux, 0.045 to 188 000).</summary>
    public string Chip { get; init; } = "tcs34725";

    /// <summary>Linux I²C bus number (<c>/dev/i2c-N</c>).</summary>
    public int Bus { get; init; } = 1;

    /// <summary>7-bit address; null for the chip's default (TCS34725 0x29, BH1750 0x23, MAX44009 0x4A).</summary>
    public int? Address { get; init; }

    /// <summary>A name for logs and records (<c>key-side</c>, <c>camera</c>).</summary>
    public string Name { get; init; } = "light";

    /// <summary>TCS34725 integration time in milliseconds (2.4–614.4).</summary>
    public double IntegrationMs { get; init; } = 154;

    /// <summary>TCS34725 analogue gain: 1, 4, 16 or 60.</summary>
    public int Gain { get; init; } = 4;

    /// <summary>Light lost in a diffuser or window in front of the sensor (DN40's glass attenuation, ≥ 1).</summary>
    public double GlassAttenuation { get; init; } = 1;
}

/// <summary>One reading of a light sensor.</summary>
/// <param name="Sensor">The configured name.</param>
/// <param name="At">When the integration ended (from the injected clock).</param>
/// <param name="Lux">Illuminance in lux.</param>
/// <param name="Cct">Correlated colour temperature in kelvin (colour sensors only).</param>
/// <param name="Saturated">The sensor saturated: lux and CCT are a lower bound / unreliable.</param>
/// <param name="Raw">The raw counts (C, R, G, B or the single light count).</param>
public sealed record LightReading(string Sensor, DateTimeOffset At, double Lux, double? Cct, bool Saturated, int[] Raw)
{
    /// <summary>As stored in a lighting record, with the take's timecode at <see cref="At"/> when known.</summary>
    public SensorSample ToSample(string? timecode) => new(Sensor, At, timecode, Math.Round(Lux, 2), Cct is { } c ? Math.Round(c, 0) : null);
}

/// <summary>A light sensor on the I²C bus.</summary>
public interface ILightSensor : IDisposable
{
    string Name { get; }

    /// <summary>Waits one integration and returns a time-stamped reading.</summary>
    Task<LightReading> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>Opens the configured sensor on a real bus (or on the device the caller passes, for tests).</summary>
public static class LightSensors
{
    public static ILightSensor Open(LightSensorOptions options, TimeProvider time, I2cDevice? device = null)
    {
        var chip = options.Chip.Trim().ToLowerInvariant();
        var address = options.Address ?? DefaultAddress(chip);
        I2cDevice? bus = device ?? I2cDevice.Create(new I2cConnectionSettings(options.Bus, address));
        try
        {
            ILightSensor sensor = chip switch
            {
                "tcs34725" => new Tcs34725(bus, time, options),
                "bh1750" => new Bh1750(bus, time, options.Name),
                "max44009" => new Max44009(bus, time, options.Name),
                _ => throw new ArgumentException($"unknown light sensor chip '{options.Chip}' (tcs34725, bh1750, max44009)"),
            };
            bus = null; // the sensor owns it now
            return sensor;
        }
        finally
        {
            bus?.Dispose();
        }
    }

    /// <summary>The chip's default 7-bit address; the TCS34725's for a name it does not know (Open refuses those).</summary>
    public static int DefaultAddress(string chip) => chip.Trim().ToLowerInvariant() switch
    {
        "bh1750" => Bh1750.DefaultAddress,
        "max44009" => Max44009.DefaultAddress,
        _ => Tcs34725.DefaultAddress,
    };
}
