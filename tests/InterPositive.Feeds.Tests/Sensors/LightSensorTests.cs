using CsCheck;
using InterPositive.Feeds.Sensors;
using InterPositive.Testing.Scenes;
using Microsoft.Extensions.Time.Testing;

namespace InterPositive.Feeds.Tests.Sensors;

[Trait("Category", "Unit")]
public sealed class LightSensorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);

    private static FakeI2cDevice Tcs(int c, int r, int g, int b, byte id = 0x44)
    {
        var fake = new FakeI2cDevice(1, 0x29, command => (command & 0x1F, (command & 0x60) == 0x20));
        fake.Registers[0x12] = id;
        fake.Registers[0x13] = 0x01;
        var counts = new[] { c, r, g, b };
        for (var i = 0; i < 4; i++)
        {
            fake.Registers[0x14 + i * 2] = (byte)(counts[i] & 0xFF);
            fake.Registers[0x15 + i * 2] = (byte)(counts[i] >> 8);
        }

        return fake;
    }

    private static async Task<LightReading> ReadWithFakeClock(ILightSensor sensor, FakeTimeProvider time, TimeSpan? step = null)
    {
        var reading = sensor.ReadAsync(CancellationToken.None);
        for (var i = 0; i < 100 && !reading.IsCompleted; i++)
        {
            time.Advance(step ?? TimeSpan.FromMilliseconds(5));
            await Task.Yield();
        }

        return await reading;
    }

    [Fact]
    public async Task Tcs34725_reports_dn40_lux_and_cct_time_stamped()
    {
        var time = new FakeTimeProvider(Start);
        var bus = Tcs(c: 3300, r: 1200, g: 1500, b: 900);
        using var sensor = LightSensors.Open(new LightSensorOptions { Chip = "tcs34725", Name = "key-side", IntegrationMs = 154, Gain = 4 }, time, bus);
        var reading = await ReadWithFakeClock(sensor, time);

        // DN40 by hand: IR = (1200+1500+900−3300)/2 = 150; R′ 1050, G′ 1350, B′ 750; G″ = 0.136·1050 + 1350 − 0.444·750 = 1159.8;
        // ATIME 192 → 64 cycles = 153.6 ms; CPL = 153.6·4/310; CCT = 3810·750/1050 + 1391.
        Assert.Equal(1159.8 / (153.6 * 4 / 310), reading.Lux, 6);
        Assert.Equal(3810.0 * 750 / 1050 + 1391, reading.Cct!.Value, 6);
        Assert.False(reading.Saturated);
        Assert.Equal("key-side", reading.Sensor);
        Assert.True(reading.At > Start);
        Assert.Equal(0xC0, bus.Registers[0x01]);
        Assert.Equal(0x01, bus.Registers[0x0F]);
        Assert.Equal(0x03, bus.Registers[0x00]);
        Assert.Contains("W B4", bus.Log);
        var sample = reading.ToSample("01:02:03:04");
        Assert.Equal("01:02:03:04", sample.Timecode);
    }

    [Fact]
    public async Task Tcs34725_flags_saturation_and_refuses_a_wrong_chip()
    {
        var time = new FakeTimeProvider(Start);
        using (var sensor = LightSensors.Open(new LightSensorOptions { IntegrationMs = 24, Gain = 1 }, time, Tcs(c: 8000, r: 3000, g: 3000, b: 3000)))
        {
            // 10 cycles: analogue saturation at 10 240 counts, less 25 % ripple margin = 7680.
            Assert.True((await ReadWithFakeClock(sensor, time)).Saturated);
        }

        Assert.Throws<IOException>(() => LightSensors.Open(new LightSensorOptions(), time, Tcs(1, 1, 1, 1, id: 0x00)));
        Assert.Throws<ArgumentException>(() => LightSensors.Open(new LightSensorOptions { Gain = 3 }, time, Tcs(1, 1, 1, 1)));
    }

    [Fact]
    public async Task A_disconnected_sensor_surfaces_as_an_io_error()
    {
        var time = new FakeTimeProvider(Start);
        var bus = Tcs(100, 40, 40, 40);
        using var sensor = LightSensors.Open(new LightSensorOptions(), time, bus);
        bus.Fault = new IOException("Error 121 performing I2C data transfer.");
        await Assert.ThrowsAsync<IOException>(() => ReadWithFakeClock(sensor, time));
    }

    [Fact]
    public async Task Bh1750_reads_one_time_high_resolution_lux()
    {
        var time = new FakeTimeProvider(Start);
        var bus = new FakeI2cDevice(1, 0x23) { ReadResponse = n => [0x12, 0x34] };
        var opcodes = new List<byte>();
        bus.OnOpcode = opcodes.Add;
        using var sensor = LightSensors.Open(new LightSensorOptions { Chip = "bh1750", Name = "ambient" }, time, bus);
        var reading = await ReadWithFakeClock(sensor, time);
        Assert.Equal(0x1234 / 1.2, reading.Lux, 6);
        Assert.Null(reading.Cct);
        Assert.Equal([0x01, 0x07, 0x01, 0x20], opcodes);
        Assert.True(reading.At >= Start.AddMilliseconds(180));
    }

    [Fact]
    public void Dn40_handles_darkness_and_ir_heavy_light()
    {
        var dark = Tcs34725.Dn40(0, 0, 0, 0, 154, 4);
        Assert.Equal(0, dark.Lux);
        Assert.Null(dark.Cct);
        // Incandescent: lots of IR; after removal red dominates and CCT comes out low.
        var tungsten = Tcs34725.Dn40(r: 5200, g: 3000, b: 1600, c: 8200, 154, 4);
        Assert.InRange(tungsten.Cct!.Value, 1500, 3500);
    }

    [Theory]
    [InlineData(0x00, 0x01, 0.045)] // the smallest step
    [InlineData(0x6A, 0x03, 64 * 0xA3 * 0.045)] // exponent 6, mantissa 0xA3
    [InlineData(0xEF, 0x0F, 16384 * 255 * 0.045)] // exponent 14, full mantissa: 188 006.4 lux, the top of the range
    public async Task Max44009_reads_lux_through_the_binding_after_one_automatic_cycle(byte high, byte low, double lux)
    {
        var time = new FakeTimeProvider(Start);
        var bus = FakeI2cDevice.Max44009(high, low);
        using var sensor = LightSensors.Open(new LightSensorOptions { Chip = "MAX44009", Name = "exterior" }, time, bus);
        Assert.Equal(0x00, bus.Registers[0x02]); // automatic mode: the chip picks integration time and gain

        var pending = sensor.ReadAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(790));
        await Task.Yield();
        Assert.False(pending.IsCompleted, "read before the first 800 ms cycle had finished");
        time.Advance(TimeSpan.FromMilliseconds(20));
        var reading = await pending;

        Assert.Equal(lux, reading.Lux, 3);
        Assert.Null(reading.Cct);
        Assert.False(reading.Saturated);
        Assert.Equal("exterior", reading.Sensor);
        Assert.Equal(Start.AddMilliseconds(810), reading.At);
        Assert.Contains("W 03", bus.Log);

        // Later readings come from the running cycle without another wait.
        time.Advance(TimeSpan.FromSeconds(1));
        var next = sensor.ReadAsync(CancellationToken.None);
        Assert.True(next.IsCompleted);
        Assert.Equal(Start.AddMilliseconds(1810), (await next).At);
    }

    [Fact]
    public async Task Max44009_flags_over_range_as_saturated()
    {
        var time = new FakeTimeProvider(Start);
        using var sensor = LightSensors.Open(new LightSensorOptions { Chip = "max44009" }, time, FakeI2cDevice.Max44009(0xF4, 0x02));
        var reading = await ReadWithFakeClock(sensor, time, TimeSpan.FromMilliseconds(100));
        Assert.True(reading.Saturated);
        Assert.Equal(Max44009.MaximumLux, reading.Lux, 6);
        Assert.Equal(0x4A, LightSensors.DefaultAddress("max44009"));
    }

    [Fact]
    public void Max44009_any_register_pair_reads_as_the_datasheet_says()
    {
        Gen.Select(Gen.Byte, Gen.Byte).Sample((high, low) =>
        {
            var time = new FakeTimeProvider(Start);
            using var sensor = new Max44009(FakeI2cDevice.Max44009(high, low), time, "fuzz");
            time.Advance(Max44009.Cycle);
            var reading = sensor.ReadAsync(CancellationToken.None).GetAwaiter().GetResult();
            var expected = Max44009.Lux(high, low);
            var overRange = high >> 4 == 0xF;
            return reading.Saturated == overRange
                && double.IsFinite(reading.Lux) && reading.Lux >= 0
                && Math.Abs(reading.Lux - (overRange ? Max44009.MaximumLux : expected)) <= 0.0005;
        }, iter: 2000);
    }
}
