using System.Globalization;
using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Lighting;
using InterPositive.Formats.Images;
using InterPositive.Lighting;
using InterPositive.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace InterPositive.Host.Tests;

/// <summary>The selected take's plots (exposure histogram, CCT and exposure over the take, flicker spectrum) in Chromium.</summary>
[Trait("Category", "Integration")]
public sealed class DashboardPlotTests
{
    private const string Flickering = "A003R1AB/A003C001_150000_R1AB";
    private const string Steady = "A003R1AB/A003C002_150100_R1AB";

    [Fact]
    public async Task A_selected_take_shows_its_histogram_its_light_over_the_take_and_its_flicker_spectrum()
    {
        Assert.True(File.Exists(DashboardBrowserTests.ChromiumPath), $"{DashboardBrowserTests.ChromiumPath} is missing: tests/run.sh installs Debian's chromium");
        using var folder = new TempFolder();
        using var announcements = new StringWriter();
        await using var app = TestAppliance.Build(folder, announcements);
        await app.StartAsync();
        try
        {
            var catalog = app.Services.GetRequiredService<CatalogDatabase>();
            AddClip(catalog, Flickering, "A003C001_150000_R1AB", Record(withSpectrum: true));
            AddClip(catalog, Steady, "A003C002_150100_R1AB", Record(withSpectrum: false));

            var signIn = announcements.ToString().Split('\n').Single(l => l.Contains("#signin=", StringComparison.Ordinal)).Split("#signin=")[1].Trim();
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await Chromium.LaunchAsync(playwright);
            // A tablet held upright on the cart.
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 820, Height = 1180 } });
            await page.GotoAsync($"{TestAppliance.Address(app)}/#signin={signIn}");

            await page.Locator($"[data-clip='{Flickering}']").ClickAsync(new LocatorClickOptions { Timeout = 15000 });
            var histogram = page.Locator("#take-plots svg[data-plot='histogram']");
            await histogram.WaitForAsync(new LocatorWaitForOptions { Timeout = 15000 });

            // Every stop bin from −6 to +6 (the bins outside hold nothing), plus the clipped and crushed bars.
            Assert.Equal(13, await histogram.Locator(".pt.bin").CountAsync());
            Assert.Equal("2.5", await histogram.Locator(".pt.clip").GetAttributeAsync("data-y"));
            Assert.Equal("1.2", await histogram.Locator(".pt.crush").GetAttributeAsync("data-y"));
            Assert.Equal("stops from 18 % grey", await histogram.Locator(".axis-x").TextContentAsync());
            Assert.Equal("% of picture", await histogram.Locator(".axis-y").TextContentAsync());

            var cct = page.Locator("#take-plots svg[data-plot='cct']");
            Assert.Equal(6, await cct.Locator(".pt").CountAsync());
            Assert.Equal("CCT (K)", await cct.Locator(".axis-y").TextContentAsync());
            Assert.Equal("time in take (s)", await cct.Locator(".axis-x").TextContentAsync());
            Assert.Equal("5650", await cct.Locator(".pt").Nth(5).GetAttributeAsync("data-y"));
            var exposure = page.Locator("#take-plots svg[data-plot='exposure']");
            Assert.Equal(6, await exposure.Locator(".pt").CountAsync());

            var spectrum = page.Locator("#take-plots svg[data-plot='flicker']");
            Assert.Equal(40, await spectrum.Locator(".pt").CountAsync());
            Assert.Equal("frequency (Hz)", await spectrum.Locator(".axis-x").TextContentAsync());
            Assert.Equal(1, await spectrum.Locator(".detected").CountAsync());
            Assert.Contains("flicker 100 Hz", await page.Locator("#take-summary").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("tcs34725 812 lx", await page.Locator("#take-summary").InnerTextAsync(), StringComparison.Ordinal);

            // What the DIT sees: the histogram's bars, the clipped bar and the CCT line really are drawn.
            var plotShot = PngCodec.Read(await page.Locator("#take-plots").ScreenshotAsync(), "plots.png");
            if (Environment.GetEnvironmentVariable("INTERPOSITIVE_TEST_ARTIFACTS") is { } artifacts)
            {
                Directory.CreateDirectory(artifacts);
                await File.WriteAllBytesAsync(Path.Combine(artifacts, "take-plots.png"), await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true }));
            }

            Assert.True(Pixels(plotShot, 0x4e, 0xa1, 0xff) > 500, "no histogram bars or spectrum in the screenshot");
            Assert.True(Pixels(plotShot, 0xe5, 0x48, 0x4d) > 50, "no clipped bar in the screenshot");
            Assert.True(Pixels(plotShot, 0xf5, 0xa5, 0x24) > 50, "no CCT line in the screenshot");

            // A take whose flicker was not measured says so rather than drawing an empty axis.
            await page.Locator($"[data-clip='{Steady}']").ClickAsync();
            await page.Locator("#take-clip", new PageLocatorOptions { HasTextString = "A003C002" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 15000 });
            var notMeasured = page.Locator("#take-plots [data-plot='flicker']");
            Assert.Contains("not measured", await notMeasured.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await notMeasured.Locator(".pt").CountAsync());
            Assert.Equal(13, await page.Locator("#take-plots svg[data-plot='histogram'] .pt.bin").CountAsync());
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static LightingRecord Record(bool withSpectrum)
    {
        var histogram = new List<HistogramBin>();
        for (var stop = -10; stop <= 10; stop++)
        {
            // A bell around +0.3 stop; nothing beyond ±6.
            histogram.Add(new HistogramBin(stop, Math.Abs(stop) > 6 ? 0 : Math.Round(22 * Math.Exp(-(stop - 0.3) * (stop - 0.3) / 6), 3)));
        }

        var samples = Enumerable.Range(0, 6).Select(s => new SecondSample { Second = s, Frames = 24, AverageStops = 0.1 * s, Cct = 5400 + (50 * s), ClippedPct = 2.5 }).ToList();
        var spectrum = withSpectrum
            ? Enumerable.Range(1, 40).Select(i => new SpectrumBin(i * 5, i == 20 ? 11.5 : 0.4 + (0.01 * i))).ToList()
            : [];
        return new LightingRecord
        {
            Frames = 144,
            Fps = 24,
            Width = 1920,
            Height = 1080,
            Exposure = new ExposureSummary { AverageStops = 0.3, ClippedPct = 2.5, CrushedPct = 1.2, HistogramStops = histogram },
            Light = new LightColour { Cct = 5520, Duv = 0.002, Tint = 1.5, Confidence = 0.8 },
            Flicker = withSpectrum
                ? new FlickerSummary { Detected = true, FrequencyHz = 100, DepthPct = 11.5, SafeShutterAngles = [180, 360], Spectrum = spectrum }
                : new FlickerSummary(),
            Sensors = [new SensorSample("tcs34725", new DateTimeOffset(2026, 11, 25, 15, 0, 1, TimeSpan.Zero), "15:00:01:00", 812, 5480)],
            Samples = samples,
        };
    }

    private static void AddClip(CatalogDatabase catalog, string id, string name, LightingRecord record)
    {
        catalog.Write(tx => tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips).Upsert(new ClipDocument
        {
            Id = id,
            CardId = "A003R1AB",
            Path = $"Clips/{name}.mov",
            Reel = "A003",
            ClipJson = string.Create(CultureInfo.InvariantCulture, $$$"""{"clip":"{{{name}}}","reel":"A003","scene":"4","take":"1","timecode":{"start":"15:00:00:00","rate":"24","dropFrame":false}}"""),
            UpdatedAt = tx.Now,
        }));
        LightingStore.Save(catalog, id, JsonSerializer.Serialize(record, LightingJsonContext.Default.LightingRecord), "[]");
    }

    /// <summary>Pixels within a few levels of an exact colour (anti-aliased edges do not count).</summary>
    private static int Pixels(RasterImage image, int r, int g, int b)
    {
        var count = 0;
        for (var i = 0; i + 2 < image.Samples.Length; i += image.Channels)
        {
            if (Math.Abs(image.Samples[i] - r) <= 6 && Math.Abs(image.Samples[i + 1] - g) <= 6 && Math.Abs(image.Samples[i + 2] - b) <= 6)
            {
                count++;
            }
        }

        return count;
    }
}

/// <summary>Debian's Chromium under Playwright, with the flags that keep it offline and quiet (never a downloaded browser).</summary>
internal static class Chromium
{
    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic",
    ];

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = DashboardBrowserTests.ChromiumPath,
        Headless = true,
        Args = Args,
    });
}
