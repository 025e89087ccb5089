using System.Globalization;
using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Looks;
using InterPositive.Formats.Images;
using InterPositive.Host.Service.Stages;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;
using InterPositive.Testing;
using InterPositive.Testing.Relight;
using InterPositive.Testing.Scenes;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace InterPositive.Host.Tests;

/// <summary>The passes and match verbs through the built executable, and matching through the catalog as the API and dashboard drive it.</summary>
[Trait("Category", "Integration")]
public sealed class PostToolsCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new("posttools");

    public void Dispose() => _temp.Dispose();

    private string Chart(string name, double kelvin, double stops)
    {
        var scene = SceneRenderer.Render(new SceneSpec { Width = 240, Height = 136, Illuminant = new SceneIlluminant(kelvin), ExposureStops = stops, Curve = LogCurve.LogC3, Gamut = Gamut.Awg3 });
        var path = _temp.Combine(name);
        using var stream = File.Create(path);
        PngCodec.Write(stream, scene.Image);
        return path;
    }

    private string Spheres(string name)
    {
        var scene = RelightScene.Spheres(128, 96);
        var code = scene.Render(RelightScene.KeyAndFill(), 0.6).Select(v => (float)Relight.Colour.LogTransfer.LogC3.Encode(v)).ToArray();
        var path = _temp.Combine(name);
        Relight.Media.StillFrames.Write(path, code, 128, 96, Relight.Media.StillKind.Png16);
        return path;
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => Cli.RunAsync([.. args, "--data", _temp.Combine("data")]);

    [Fact]
    public async Task Passes_writes_exr_passes_and_prints_the_manifest()
    {
        var input = Spheres("shot.png");
        var (code, stdout, stderr) = await RunAsync("passes", input, "--out", _temp.Combine("passes"), "--log", "logc3", "--json");
        Assert.True(code == 0, stderr);
        var manifest = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("exr", manifest.GetProperty("format").GetString());
        Assert.Equal("still", manifest.GetProperty("kind").GetString());
        var frame = manifest.GetProperty("frames")[0];
        var normals = ExrCodec.Read(await File.ReadAllBytesAsync(_temp.Combine("passes", frame.GetProperty("normals").GetString()!)), "normals.exr");
        Assert.Equal(128, normals.Width);
        Assert.Equal("normals", normals.Attributes["interpositive.pass"]);
        Assert.True(File.Exists(_temp.Combine("passes", "lighting.json")));
        Assert.True(File.Exists(_temp.Combine("passes", "manifest.json")));
    }

    [Fact]
    public async Task Passes_exit_codes_name_the_cause()
    {
        var input = Spheres("shot.png");
        var (usage, _, usageErr) = await RunAsync("passes", input, "--out", _temp.Combine("p1"), "--format", "tiff");
        Assert.Equal(2, usage);
        Assert.Contains("--format tiff", usageErr, StringComparison.Ordinal);

        var (missing, _, missingErr) = await RunAsync("passes", _temp.Combine("nothing.png"), "--out", _temp.Combine("p2"), "--json");
        Assert.Equal(3, missing);
        Assert.Contains("nothing.png", missingErr, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(_temp.Combine("broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var (bad, badOut, badErr) = await RunAsync("passes", _temp.Combine("broken.png"), "--out", _temp.Combine("p3"), "--json");
        Assert.Equal(3, bad);
        var line = Assert.Single(badErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("interpositive passes: error:", StringComparison.Ordinal));
        Assert.Contains("broken.png", line, StringComparison.Ordinal);
        Assert.Equal(3, JsonDocument.Parse(badOut).RootElement.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task Match_prints_the_changes_and_the_residual_after_matching()
    {
        var take = Chart("take.png", 3600, -0.6);
        var reference = Chart("reference.png", 5400, 0);
        var (code, stdout, stderr) = await RunAsync("match", take, "--to", reference, "--out", _temp.Combine("matched.png"), "--log", "logc3", "--gamut", "awg3", "--json");
        Assert.True(code == 0, stderr);
        var report = JsonDocument.Parse(stdout).RootElement;
        var before = report.GetProperty("before");
        var after = report.GetProperty("after");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CLI match 3600 K −0.6 stop → 5400 K: ΔCCT {before.GetProperty("cctK").GetDouble()} → {after.GetProperty("cctK").GetDouble()} K, exposure {before.GetProperty("exposureStops").GetDouble():F3} → {after.GetProperty("exposureStops").GetDouble():F3} stops"));
        Assert.True(Math.Abs(after.GetProperty("cctK").GetDouble()) < 100);
        Assert.True(Math.Abs(after.GetProperty("exposureStops").GetDouble()) < 0.1);
        Assert.Equal("analysed", report.GetProperty("changes").GetProperty("lightingFrom").GetString());
        Assert.True(File.Exists(_temp.Combine("matched.png")));

        var (usage, _, _) = await RunAsync("match", take, "--out", _temp.Combine("m.png"));
        Assert.Equal(2, usage);
        var (missing, _, missingErr) = await RunAsync("match", _temp.Combine("none.png"), "--to", reference, "--out", _temp.Combine("m.png"));
        Assert.Equal(3, missing);
        Assert.Contains("none.png", missingErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_continuity_alert_offers_a_match_and_an_accepted_one_goes_to_post_with_the_shot()
    {
        var destination = Directory.CreateDirectory(_temp.Combine("dest")).FullName;
        File.Copy(Chart("t2.png", 3800, -0.5), Path.Combine(destination, "take2.png"));
        File.Copy(Chart("t1.png", 5200, 0), Path.Combine(destination, "take1.png"));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero));
        using var catalog = CatalogDatabase.Open(_temp.Combine("catalog.db"), time);
        catalog.Write(tx =>
        {
            tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards).Insert(new CardDocument { Id = "A001", Name = "A001", Status = CardStatus.Verified, Destinations = [new CardDestination { Path = destination, Status = CardStatus.Verified }] });
            var clips = tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips);
            clips.Insert(new ClipDocument { Id = "A001/take1", CardId = "A001", Path = "take1.png", Scene = "12", Take = "1" });
            clips.Insert(new ClipDocument { Id = "A001/take2", CardId = "A001", Path = "take2.png", Scene = "12", Take = "2" });
            tx.Database.GetCollection<LightingDocument>(CatalogCollections.Lighting).Insert(new LightingDocument
            {
                ClipId = "A001/take2",
                AlertsJson = """[{"kind":"cct","message":"light colour changed -1400 K","referenceClip":"A001/take1","delta":-1400,"threshold":150}]""",
            });
        });
        var matching = new ClipMatching(catalog, _temp.Combine("data"), time, Serilog.Core.Logger.None);
        Assert.Null(matching.Decide("A001/take2", accept: true));

        using var model = new BuiltInModel(ExecutionPreference.Cpu, 1);
        var offered = await matching.OfferAsync("A001/take2", model, CancellationToken.None);
        Assert.NotNull(offered);
        Assert.Equal(MatchStatus.Offered, offered.Status);
        Assert.Equal("A001/take1", offered.ReferenceClip);
        Assert.True(File.Exists(Path.Combine(_temp.Combine("data"), offered.Preview!)));
        var adjustment = JsonDocument.Parse(offered.AdjustmentJson).RootElement;
        output.WriteLine($"offer: {offered.AdjustmentJson}");
        Assert.True(Math.Abs(adjustment.GetProperty("after").GetProperty("cctK").GetDouble()) < Math.Abs(adjustment.GetProperty("before").GetProperty("cctK").GetDouble()));
        var queued = catalog.Outbox.LastSequence();

        var accepted = matching.Decide("A001/take2", accept: true);
        Assert.Equal(MatchStatus.Accepted, accepted!.Status);
        var shot = catalog.Outbox.ReadAfter(queued, 10).Single(e => e.Key == "A001/take2");
        var match = JsonDocument.Parse(shot.Body).RootElement.GetProperty("match");
        Assert.Equal("A001/take1", match.GetProperty("referenceClip").GetString());
        Assert.True(match.GetProperty("adjustment").GetProperty("changes").GetProperty("exposureStops").GetDouble() > 0.3);

        var rejected = matching.Decide("A001/take2", accept: false);
        Assert.Equal(MatchStatus.Rejected, rejected!.Status);
        var cleared = catalog.Outbox.ReadAfter(queued, 10).Last(e => e.Key == "A001/take2");
        Assert.False(JsonDocument.Parse(cleared.Body).RootElement.TryGetProperty("match", out _));
    }
}
