using System.Device.I2c;
using System.Net.Http.Headers;
using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Host.Service;
using InterPositive.Takes;
using InterPositive.Lighting;
using InterPositive.Testing;
using InterPositive.Testing.Media;
using InterPositive.Testing.Scenes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace InterPositive.Host.Tests;

/// <summary>The service's light sensors on a register-level fake I²C bus (and a real, absent one).</summary>
[Trait("Category", "Integration")]
public sealed class LightSensorStageTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Configured_sensors_are_read_shown_in_the_API_tied_to_timecode_and_go_into_the_take_record_and_an_absent_bus_is_survived()
    {
        using var folder = new TempFolder();
        using var announcements = new StringWriter();
        var tcs = FakeI2cDevice.Tcs34725(c: 3300, r: 1200, g: 1500, b: 900);
        var bh = new FakeI2cDevice(1, 0x23) { ReadResponse = _ => [0x04, 0xB0] }; // 1200 counts = 1000 lx
        await using var app = TestAppliance.Build(folder, announcements, new Dictionary<string, string?>
        {
            ["Sensors:0:Kind"] = "tcs34725",
            ["Sensors:0:Name"] = "key-side",
            ["Sensors:0:Interval"] = "00:00:00.200",
            ["Sensors:1:Kind"] = "bh1750",
            ["Sensors:1:Name"] = "camera",
            ["Sensors:1:Interval"] = "00:00:00.200",
            // No /dev/i2c-7 on a test machine: the real System.Device.Gpio path fails as on a box without the bus.
            ["Sensors:2:Kind"] = "tcs34725",
            ["Sensors:2:Name"] = "absent",
            ["Sensors:2:Bus"] = "7",
        }, services => services.AddSingleton<I2cDeviceFactory>((bus, address) => (bus, address) switch
        {
            (1, 0x29) => tcs,
            (1, 0x23) => bh,
            _ => I2cDevice.Create(new I2cConnectionSettings(bus, address)),
        }));
        await app.StartAsync();
        try
        {
            var token = announcements.ToString().Split('\n').Single(l => l.Contains("read-only token:", StringComparison.Ordinal)).Split(':')[1].Trim();
            using var http = new HttpClient { BaseAddress = new Uri(TestAppliance.Address(app)) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var stop = new CancellationTokenSource(Bound);
            Dictionary<string, JsonElement> sensors;
            while (true)
            {
                using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/sensors", UriKind.Relative), stop.Token));
                sensors = json.RootElement.GetProperty("items").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.Clone());
                if (sensors["key-side"].GetProperty("readings").GetInt64() >= 3 && sensors["camera"].GetProperty("readings").GetInt64() >= 3
                    && sensors["key-side"].GetProperty("timecode").ValueKind == JsonValueKind.String && sensors["absent"].GetProperty("state").GetString() != "starting")
                {
                    break;
                }

                await Task.Delay(100, stop.Token);
            }

            // DN40 from the raw counts (the Feeds driver tests derive it by hand): 585.2 lx, 4112 K.
            Assert.Equal("reading", sensors["key-side"].GetProperty("state").GetString());
            Assert.Equal(585.19, sensors["key-side"].GetProperty("lux").GetDouble(), 2);
            Assert.Equal(4112, sensors["key-side"].GetProperty("cct").GetDouble());
            Assert.Equal(1000, sensors["camera"].GetProperty("lux").GetDouble());
            Assert.Equal(JsonValueKind.Null, sensors["camera"].GetProperty("cct").ValueKind);
            Assert.Matches(@"^\d\d:\d\d:\d\d[:;]\d\d$", sensors["key-side"].GetProperty("timecode").GetString()!);
            Assert.Equal("unavailable", sensors["absent"].GetProperty("state").GetString());
            Assert.False(string.IsNullOrEmpty(sensors["absent"].GetProperty("error").GetString()));
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative), stop.Token)).StatusCode);

            // A take shot while the sensors were reading: a real clip whose timecode starts at a reading's timecode.
            var stage = app.Services.GetRequiredService<LightSensorStage>();
            var reading = sensors["key-side"].GetProperty("timecode").GetString()!;
            var card = Directory.CreateDirectory(folder.Combine("card")).FullName;
            Ffmpeg.ProResMov(Path.Combine(card, "A001C001.mov"), "24000/1001", reading.Replace(';', ':'));
            var clip = new ClipDocument
            {
                Id = "A001/A001C001",
                CardId = "A001",
                Path = "A001C001.mov",
                ClipJson = $$$"""{"path":"A001C001.mov","clip":"A001C001","timecode":{"start":"{{{reading}}}","rate":"23.976","dropFrame":false},"fps":23.976}""",
            };
            var catalog = app.Services.GetRequiredService<CatalogDatabase>();
            catalog.Write(tx => tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips).Upsert(clip));
            using var log = new LoggerConfiguration().CreateLogger();
            var (record, _) = await new ClipLighting(catalog, log, stage.During).AnalyseAndStoreAsync(clip, card, int.MaxValue, stop.Token);

            var keySide = record.Sensors.First(s => s.Sensor == "key-side" && s.Timecode == reading);
            Assert.Equal(585.19, keySide.Lux, 2);
            Assert.Equal(4112, keySide.Cct);
            Assert.All(record.Sensors, s => Assert.NotNull(s.Timecode));
            var stored = catalog.Read(db => db.GetCollection<LightingDocument>(CatalogCollections.Lighting).FindById(clip.Id));
            var storedRecord = JsonSerializer.Deserialize(stored.LightingJson, LightingJsonContext.Default.LightingRecord)!;
            Assert.Contains(storedRecord.Sensors, s => s.Sensor == "key-side" && s.Timecode == reading);

            // A take from another time of day gets none.
            var earlier = Formats.Clips.ClipRecord.FromJson("""{"path":"x.mov","timecode":{"start":"03:00:00:00","rate":"24","dropFrame":false},"fps":24}""");
            Assert.Empty(stage.During(earlier, 240, 24));

            // The cable pulled mid-take: the sensor reports the error, the service goes on.
            tcs.Fault = new IOException("Error 121 performing I2C data transfer");
            while (Live(stage, "key-side").State != "error")
            {
                await Task.Delay(100, stop.Token);
            }

            Assert.Contains("121", Live(stage, "key-side").Error, StringComparison.Ordinal);
            Assert.Equal("reading", Live(stage, "camera").State);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static SensorLive Live(LightSensorStage stage, string name) => stage.Live().Single(s => s.Name == name);
}
