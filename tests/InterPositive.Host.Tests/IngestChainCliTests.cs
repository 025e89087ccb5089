using System.Text.Json;
using InterPositive.Formats.Cdl;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
using InterPositive.Testing.Exports;
using InterPositive.Testing.Media;

namespace InterPositive.Host.Tests;

/// <summary>
/// The chain a new user runs by hand, each verb the real executable as a child process, against a real Mosquitto and a
/// real post receiver: what one verb leaves in the catalog is what the next one sends.
/// </summary>
[Trait("Category", "Integration")]
public sealed class IngestChainCliTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Offload_then_sync_once_delivers_the_card_and_one_complete_shot_per_clip_of_a_60_clip_card()
    {
        using var folder = new TempFolder();
        await using var broker = await MosquittoBroker.StartPrivateAsync();
        var card = folder.Combine("A002R2EC");
        var clips = CardBuilder.ArriMov(card, clips: 60);
        Directory.CreateDirectory(folder.Combine("raid"));
        var data = folder.Combine("appliance");

        var offload = await SyncCli.RunAsync(data, Bound, "offload", card, "--dest", folder.Combine("raid"), "--json");
        Assert.True(offload.Code == 0, offload.Stderr);

        using var post = await SyncCli.StartPostAsync(folder.Combine("post-data"), Bound, "--broker", broker.Url, "--db", folder.Combine("post.db"), "--production", "feature", "--until-idle", "10", "--json");
        var sync = await SyncCli.RunAsync(data, Bound, "sync", "--broker", broker.Url, "--once", "--json");
        Assert.True(sync.Code == 0, sync.Stderr);
        var received = await post.FinishAsync(Bound);
        Assert.True(received.Code == 0, received.Stderr);
        using (var report = JsonDocument.Parse(received.Stdout))
        {
            Assert.Equal(60, report.RootElement.GetProperty("shots").GetInt64());
            Assert.Equal(1, report.RootElement.GetProperty("cards").GetInt64());
        }

        var list = await SyncCli.RunAsync(folder.Combine("post-data"), Bound, "post", "list", "--db", folder.Combine("post.db"), "--json");
        Assert.True(list.Code == 0, list.Stderr);
        using var shots = JsonDocument.Parse(list.Stdout);
        var items = shots.RootElement.GetProperty("shots").EnumerateArray().Select(s => s.GetProperty("shot")).ToList();
        Assert.Equal(clips.Select(c => Path.GetFileNameWithoutExtension(c)).Order(StringComparer.Ordinal), items.Select(s => s.GetProperty("clipId").GetString()!.Split('/')[^1]).Order(StringComparer.Ordinal));
        Assert.All(items, shot =>
        {
            // Clip metadata, offload state and the ASC MHL status of the copy, all in the one shot record.
            var clip = shot.GetProperty("clip");
            Assert.Equal("ALEXA Mini LF", clip.GetProperty("camera").GetProperty("model").GetString());
            Assert.Equal("42A", shot.GetProperty("scene").GetString());
            Assert.Equal(JsonValueKind.String, clip.GetProperty("timecode").GetProperty("start").ValueKind);
            var offloadState = shot.GetProperty("offload");
            Assert.Equal("verified", offloadState.GetProperty("status").GetString());
            Assert.True(offloadState.GetProperty("safeToFormat").GetBoolean());
            Assert.Equal(1, offloadState.GetProperty("mhlGeneration").GetInt32());
            var destination = Assert.Single(offloadState.GetProperty("destinations").EnumerateArray());
            Assert.EndsWith(".mhl", destination.GetProperty("mhlManifest").GetString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Offload_clips_cdl_analyze_sync_once_then_post_export_delivers_the_lighting_and_the_look_in_the_shot_and_complete_exports()
    {
        Assert.True(Ffmpeg.Available, "ffmpeg is needed to make decodable clips");
        using var folder = new TempFolder();
        await using var broker = await MosquittoBroker.StartPrivateAsync();
        var card = folder.Combine("A001R1AB");
        Directory.CreateDirectory(Path.Combine(card, "A001R1AB"));
        var first = Ffmpeg.ProResMov(Path.Combine(card, "A001R1AB", "A001C001_261125_R1AB.mov"), timecode: "14:10:24:00");
        Ffmpeg.ProResMov(Path.Combine(card, "A001R1AB", "A001C002_261125_R1AB.mov"), timecode: "14:16:02:00");
        Directory.CreateDirectory(folder.Combine("raid"));
        var data = folder.Combine("appliance");

        var offload = await SyncCli.RunAsync(data, Bound, "offload", card, "--dest", folder.Combine("raid"), "--json");
        Assert.True(offload.Code == 0, offload.Stderr);

        // The DIT's grade for the first clip, matched by its ColorCorrection id (the clip name), stored for post.
        var grade = new Cdl("day1", new CdlTriple(1.1, 1.0, 0.9), new CdlTriple(0.01, 0, -0.01), CdlTriple.One, 0.9);
        using (var ccc = File.Create(folder.Combine("day1.ccc")))
        {
            CdlXml.Write(CdlXml.ToCollection([grade with { Id = "A001C001_261125_R1AB" }]), ccc);
        }

        var looks = await SyncCli.RunAsync(data, Bound, "clips", card, "--cdl", folder.Combine("day1.ccc"), "--json");
        Assert.True(looks.Code == 0, looks.Stderr);

        // The copy's clip, named by its path only: the catalog knows which clip it is.
        var copy = Path.Combine(folder.Combine("raid"), "A001R1AB", Path.GetRelativePath(card, first));
        var analyze = await SyncCli.RunAsync(data, Bound, "analyze", copy, "--json");
        Assert.True(analyze.Code == 0, analyze.Stderr);
        double cct;
        using (var record = JsonDocument.Parse(analyze.Stdout))
        {
            cct = record.RootElement.GetProperty("light").GetProperty("cct").GetDouble();
        }

        using var post = await SyncCli.StartPostAsync(folder.Combine("post-data"), Bound, "--broker", broker.Url, "--db", folder.Combine("post.db"), "--production", "feature", "--export", folder.Combine("exports"), "--until-idle", "10", "--json");
        var sync = await SyncCli.RunAsync(data, Bound, "sync", "--broker", broker.Url, "--once", "--json");
        Assert.True(sync.Code == 0, sync.Stderr);
        var received = await post.FinishAsync(Bound);
        Assert.True(received.Code == 0, received.Stderr);

        var list = await SyncCli.RunAsync(folder.Combine("post-data"), Bound, "post", "list", "--db", folder.Combine("post.db"), "--json");
        Assert.True(list.Code == 0, list.Stderr);
        using var shots = JsonDocument.Parse(list.Stdout);
        var items = shots.RootElement.GetProperty("shots").EnumerateArray().Select(s => s.GetProperty("shot")).ToDictionary(s => s.GetProperty("clipId").GetString()!.Split('/')[^1], StringComparer.Ordinal);
        Assert.Equal(2, items.Count);
        var analysed = items["A001C001_261125_R1AB"].GetProperty("lighting");
        Assert.Equal(JsonValueKind.Object, analysed.ValueKind);
        Assert.Equal(cct, analysed.GetProperty("light").GetProperty("cct").GetDouble());
        Assert.Equal(JsonValueKind.Null, items["A001C002_261125_R1AB"].GetProperty("lighting").ValueKind);
        var look = items["A001C001_261125_R1AB"].GetProperty("look");
        Assert.Equal("day1.ccc", look.GetProperty("source").GetString());
        Assert.Equal([1.1, 1.0, 0.9], look.GetProperty("cdl").GetProperty("slope").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(JsonValueKind.Null, items["A001C002_261125_R1AB"].GetProperty("look").ValueKind);

        // The analysed, graded clip's row is complete in the CSV and the ALE; the other has its camera values.
        var exports = folder.Combine("exports");
        var rows = Directory.GetFiles(exports, "*.csv", SearchOption.AllDirectories).SelectMany(f => CsvTable.Read(File.ReadAllText(f)).Rows).ToDictionary(r => r["Name"], StringComparer.Ordinal);
        Assert.Equal(2, rows.Count);
        foreach (var column in new[] { "Start", "End", "Duration", "FPS", "Exposure EV", "CCT", "Duv", "Flicker", "Look", "ASC_SOP", "ASC_SAT" })
        {
            Assert.False(string.IsNullOrEmpty(rows["A001C001_261125_R1AB"][column]), $"CSV: {column} is empty");
        }

        Assert.Equal("(1.100000 1.000000 0.900000)(0.010000 0.000000 -0.010000)(1.000000 1.000000 1.000000)", rows["A001C001_261125_R1AB"]["ASC_SOP"]);
        Assert.All(new[] { "Start", "End", "Duration", "FPS" }, c => Assert.False(string.IsNullOrEmpty(rows["A001C002_261125_R1AB"][c]), $"CSV: {c} is empty"));
        var ale = Assert.Single(Directory.GetFiles(exports, "*.ale", SearchOption.AllDirectories));
        OtioAleRules.Check(await File.ReadAllTextAsync(ale));
        var cdl = Assert.Single(Directory.GetFiles(exports, "*.cdl", SearchOption.AllDirectories));
        Assert.Equal("A001C001_261125_R1AB.cdl", Path.GetFileName(cdl));
        if (OpenColorIO.Available)
        {
            var expected = grade.Apply(0.5, 0.4, 0.3);
            var rgb = Assert.Single(await OpenColorIO.ApplyAsync([(cdl, "A001C001_261125_R1AB")], (0.5, 0.4, 0.3)));
            Assert.Equal(expected.R, rgb[0], 5);
            Assert.Equal(expected.G, rgb[1], 5);
            Assert.Equal(expected.B, rgb[2], 5);
        }
    }
}
