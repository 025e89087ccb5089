using InterPositive.Catalog;
using InterPositive.Formats.Images;
using InterPositive.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace InterPositive.Host.Tests;

/// <summary>The dashboard in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser).</summary>
[Trait("Category", "Integration")]
public sealed class DashboardBrowserTests
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic",
    ];

    [Fact]
    public async Task Signing_in_through_the_one_time_link_shows_cards_safe_to_format_only_when_every_destination_is_verified()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: tests/run.sh installs Debian's chromium");
        using var folder = new TempFolder();
        using var announcements = new StringWriter();
        await using var app = TestAppliance.Build(folder, announcements);
        await app.StartAsync();
        try
        {
            var address = TestAppliance.Address(app);
            var catalog = app.Services.GetRequiredService<CatalogDatabase>();
            catalog.Write(tx =>
            {
                var cards = tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards);
                // Its shuttle drive is exFAT: the card's link was not made there (its target was copied).
                var exfat = Card("A002R2EC", CardStatus.Verified, CardStatus.Verified, tx.Now);
                exfat.Symlinks = [new CardSymlink { Path = "latest.mov", Target = "Clips/A002C006_141024_R2EC.mov", InsideCard = true }];
                exfat.Destinations[0].LinksLeftOut = ["latest.mov"];
                cards.Upsert(exfat);
                cards.Upsert(Card("B001R1AB", CardStatus.Verified, CardStatus.Copying, tx.Now));
                tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips).Upsert(new ClipDocument
                {
                    Id = "A002R2EC/A002C006_141024_R2EC",
                    CardId = "A002R2EC",
                    Path = "Clips/A002C006_141024_R2EC.mov",
                    Reel = "A002",
                    ClipJson = """{"clip":"A002C006_141024_R2EC","reel":"A002","scene":"12","take":"3","timecode":{"start":"14:10:24:00","rate":"23.976","dropFrame":false},"camera":{"make":"ARRI","model":"ALEXA 35","serial":"1234"},"iso":800,"whiteBalanceK":5600,"shutterAngle":172.8}""",
                    UpdatedAt = tx.Now,
                });
            });

            var signIn = announcements.ToString().Split('\n').Single(l => l.Contains("#signin=", StringComparison.Ordinal)).Split("#signin=")[1].Trim();
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArgs,
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 820, Height = 1180 } });
            await page.GotoAsync($"{address}/#signin={signIn}");

            var verified = page.Locator("[data-card='A002R2EC'] .safe");
            await verified.WaitForAsync(new LocatorWaitForOptions { Timeout = 15000 });
            Assert.Equal("safe to format", await verified.InnerTextAsync());
            Assert.Equal(0, await page.Locator("[data-card='B001R1AB'] .safe").CountAsync());
            Assert.Contains("holds no links: 1 of the card's links not made", await page.Locator("[data-card='A002R2EC']").InnerTextAsync(), StringComparison.Ordinal);

            // The API the dashboard reads names the card's links and, per destination, those it could not hold.
            using (var card = System.Text.Json.JsonDocument.Parse(await page.EvaluateAsync<string>("fetch('/api/v1/cards/A002R2EC').then(r => r.text())")))
            {
                var link = Assert.Single(card.RootElement.GetProperty("links").EnumerateArray());
                Assert.Equal("Clips/A002C006_141024_R2EC.mov", link.GetProperty("target").GetString());
                Assert.True(link.GetProperty("insideCard").GetBoolean());
                var destinations = card.RootElement.GetProperty("destinations").EnumerateArray().ToList();
                Assert.Equal(["latest.mov"], destinations[0].GetProperty("linksLeftOut").EnumerateArray().Select(l => l.GetString()));
                Assert.Empty(destinations[1].GetProperty("linksLeftOut").EnumerateArray());
            }

            await page.Locator("[data-clip='A002R2EC/A002C006_141024_R2EC']").WaitForAsync(new LocatorWaitForOptions { Timeout = 15000 });
            Assert.Contains("14:10:24:00", await page.Locator("#clips").InnerTextAsync(), StringComparison.Ordinal);

            // The live feed monitor: the default pattern feed's picture and timecode.
            await page.Locator("[data-feed='A'] img[src^='blob:']").WaitForAsync(new LocatorWaitForOptions { Timeout = 20000 });
            Assert.Matches(@"A\s+\d\d:\d\d:\d\d[:;]\d\d", await page.Locator("[data-feed='A'] .tc").InnerTextAsync());
            await page.Locator("#false-colour").CheckAsync();

            var shot = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
            if (Environment.GetEnvironmentVariable("INTERPOSITIVE_TEST_ARTIFACTS") is { } artifacts)
            {
                Directory.CreateDirectory(artifacts);
                await File.WriteAllBytesAsync(Path.Combine(artifacts, "dashboard.png"), shot);
            }

            var image = PngCodec.Read(shot, "dashboard.png");
            Assert.Equal(820, image.Width);
            Assert.True(DistinctColours(image) > 8, "the screenshot is blank");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static CardDocument Card(string id, string first, string second, DateTimeOffset now) => new()
    {
        Id = id,
        Name = id,
        SourcePath = $"/media/cards/{id}",
        CameraFamily = "arri",
        Status = first == second ? CardStatus.Verified : CardStatus.Copying,
        FileCount = 12,
        TotalBytes = 4_000_000_000,
        Destinations =
        [
            new CardDestination { Path = $"/mnt/shuttle/{id}", Status = first, BytesVerified = 4_000_000_000, FilesVerified = 12 },
            new CardDestination { Path = $"/mnt/raid/{id}", Status = second, BytesVerified = second == CardStatus.Verified ? 4_000_000_000 : 1_000_000_000 },
        ],
        CreatedAt = now,
        UpdatedAt = now,
    };

    private static int DistinctColours(RasterImage image)
    {
        var seen = new HashSet<int>();
        for (var i = 0; i + 2 < image.Samples.Length && seen.Count < 1000; i += image.Channels * 7)
        {
            seen.Add((image.Samples[i] << 16) | (image.Samples[i + 1] << 8) | image.Samples[i + 2]);
        }

        return seen.Count;
    }
}
