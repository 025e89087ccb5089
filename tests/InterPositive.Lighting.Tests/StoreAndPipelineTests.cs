using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Lighting;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;
using InterPositive.Testing;
using InterPositive.Testing.Scenes;
using Microsoft.Extensions.Time.Testing;

namespace InterPositive.Lighting.Tests;

[Trait("Category", "Integration")]
public sealed class StoreAndPipelineTests
{
    private static LightingRecord Analysed(double kelvin, double stops)
    {
        var scene = SceneRenderer.Render(new SceneSpec { Illuminant = new SceneIlluminant(kelvin), ExposureStops = stops, Width = 160, Height = 90 });
        return Analyse.Still(new AnalysisSettings(LogCurve.LogC3, Gamut.Awg3), scene.Image);
    }

    [Fact]
    public void Records_and_alerts_are_stored_with_the_clip_and_reach_the_outbox_in_one_transaction()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.Zero));
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), time);
        catalog.Write(tx =>
        {
            var clips = tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips);
            clips.Insert(new ClipDocument { Id = "A001/A001C001", CardId = "A001", Scene = "12", Take = "1", Camera = "A", ClipJson = "{}" });
            clips.Insert(new ClipDocument { Id = "A001/A001C002", CardId = "A001", Scene = "12", Take = "2", Camera = "A", ClipJson = "{}" });
        });

        var take1 = Analysed(3200, 0);
        LightingStore.Save(catalog, "A001/A001C001", JsonSerializer.Serialize(take1, LightingJsonContext.Default.LightingRecord), "[]");
        Assert.Null(LightingStore.FindReference(catalog, "A001/A001C001"));

        // Take 2: the gaffer swapped a lamp (4300 K) and the stop moved by one.
        var take2 = Analysed(4300, 1);
        var reference = LightingStore.FindReference(catalog, "A001/A001C002");
        Assert.NotNull(reference);
        Assert.Equal("A001/A001C001", reference.Value.Clip.Id);
        var previous = JsonSerializer.Deserialize(reference.Value.Lighting.LightingJson, LightingJsonContext.Default.LightingRecord)!;
        var alerts = Continuity.Compare(previous, take2, reference.Value.Clip.Id);
        Assert.Contains(alerts, a => a.Kind == "cct");
        Assert.Contains(alerts, a => a.Kind == "exposure");
        var before = catalog.Outbox.ReadAfter(0, 100).Count;
        LightingStore.Save(
            catalog,
            "A001/A001C002",
            JsonSerializer.Serialize(take2, LightingJsonContext.Default.LightingRecord),
            JsonSerializer.Serialize(alerts, LightingJsonContext.Default.ListLightingAlert),
            alerts.Select(a => (LightingStore.ContinuityEvent, $"{{\"clipId\":\"A001/A001C002\",\"kind\":\"{a.Kind}\"}}")).ToList());

        var stored = LightingStore.Find(catalog, "A001/A001C002")!;
        Assert.Equal(time.GetUtcNow(), stored.UpdatedAt);
        var back = JsonSerializer.Deserialize(stored.AlertsJson, LightingJsonContext.Default.ListLightingAlert)!;
        Assert.Equal(alerts.Select(a => a.Kind), back.Select(a => a.Kind));
        var messages = catalog.Outbox.ReadAfter(0, 100);
        Assert.Equal(before + 1 + alerts.Count, messages.Count);
        Assert.Contains(messages, m => m.Kind == "shots" && m.Key == "A001/A001C002");
        Assert.Contains(messages, m => m.Kind == "events" && m.Key == LightingStore.ContinuityEvent);
    }

    [Fact]
    public void The_json_contract_has_the_fields_the_issue_prints()
    {
        var record = Analysed(5600, 0);
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(record, LightingJsonContext.Default.LightingRecord));
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("frames").GetInt32());
        foreach (var field in new[] { "averageStops", "clippedPct", "crushedPct", "histogramStops" })
        {
            Assert.True(root.GetProperty("exposure").TryGetProperty(field, out _), field);
        }

        foreach (var field in new[] { "cct", "duv", "tint", "confidence" })
        {
            Assert.True(root.GetProperty("light").TryGetProperty(field, out _), field);
        }

        foreach (var field in new[] { "keyFillStops", "keyAzimuthDeg", "keyElevationDeg" })
        {
            Assert.True(root.GetProperty("contrast").TryGetProperty(field, out _), field);
        }

        foreach (var field in new[] { "detected", "frequencyHz", "depthPct", "safeShutterAngles" })
        {
            Assert.True(root.GetProperty("flicker").TryGetProperty(field, out _), field);
        }

        Assert.Equal(JsonValueKind.Array, root.GetProperty("sensors").ValueKind);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("samples").ValueKind);
    }

    [Fact]
    public void A_v210_style_row_reader_gives_the_same_exposure_as_interleaved_rgb()
    {
        var scene = SceneRenderer.Render(new SceneSpec { Curve = LogCurve.Bt1886, Gamut = Gamut.Rec709, ExposureStops = -0.7, Width = 320, Height = 180, BitDepth = 10 });
        var image = scene.Image;
        var direct = new FrameAnalyzer(new AnalysisSettings(LogCurve.Bt1886, Gamut.Rec709)).Analyze(image.Samples, image.Width, image.Height, 3, 10);

        // Encode the frame as narrow-range BT.709 Y'CbCr 4:2:2 (chroma from the left pixel of each pair), then read it back row by row.
        var w = image.Width;
        var luma = new ushort[image.Height][];
        var cb = new ushort[image.Height][];
        var cr = new ushort[image.Height][];
        for (var y = 0; y < image.Height; y++)
        {
            luma[y] = new ushort[w];
            cb[y] = new ushort[w / 2];
            cr[y] = new ushort[w / 2];
            for (var x = 0; x < w; x++)
            {
                var i = (y * w + x) * 3;
                double r = image.Samples[i] / 1023.0, g = image.Samples[i + 1] / 1023.0, b = image.Samples[i + 2] / 1023.0;
                var yy = 0.2126 * r + 0.7152 * g + 0.0722 * b;
                luma[y][x] = (ushort)Math.Round(64 + 876 * yy);
                if (x % 2 == 0)
                {
                    cb[y][x / 2] = (ushort)Math.Round(512 + 896 * (b - yy) / 1.8556);
                    cr[y][x / 2] = (ushort)Math.Round(512 + 896 * (r - yy) / 1.5748);
                }
            }
        }

        var rows = new FrameAnalyzer(new AnalysisSettings(LogCurve.Bt1886, Gamut.Rec709)).AnalyzeRows(w, image.Height, 10, (row, step, columns, rgb) =>
            YCbCr.ToRgb10(luma[row], cb[row], cr[row], step, columns, rgb));
        Assert.True(Math.Abs(direct.AverageStops - rows.AverageStops) < 0.05, $"{direct.AverageStops} vs {rows.AverageStops}");
        Assert.True(Math.Abs(rows.AverageStops - scene.TrueAverageStops) < 0.1);
    }
}
