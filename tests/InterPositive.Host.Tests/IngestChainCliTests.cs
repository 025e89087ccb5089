using System.Text.Json;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
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

        var post = SyncCli.Start(folder.Combine("post-data"), "post", "--broker", broker.Url, "--db", folder.Combine("post.db"), "--production", "feature", "--until-idle", "3", "--json");
        var sync = await SyncCli.RunAsync(data, Bound, "sync", "--broker", broker.Url, "--once", "--json");
        Assert.True(sync.Code == 0, sync.Stderr);
        var received = await SyncCli.FinishAsync(post, Bound);
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
    public async Task Offload_analyze_sync_once_then_post_export_delivers_the_lighting_in_the_shot()
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

        // The copy's clip, named by its path only: the catalog knows which clip it is.
        var copy = Path.Combine(folder.Combine("raid"), "A001R1AB", Path.GetRelativePath(card, first));
        var analyze = await SyncCli.RunAsync(data, Bound, "analyze", copy, "--json");
        Assert.True(analyze.Code == 0, analyze.Stderr);
        double cct;
        using (var record = JsonDocument.Parse(analyze.Stdout))
        {
            cct = record.RootElement.GetProperty("light").GetProperty("cct").GetDouble();
        }

        var post = SyncCli.Start(folder.Combine("post-data"), "post", "--broker", broker.Url, "--db", folder.Combine("post.db"), "--production", "feature", "--export", folder.Combine("exports"), "--until-idle", "3", "--json");
        var sync = await SyncCli.RunAsync(data, Bound, "sync", "--broker", broker.Url, "--once", "--json");
        Assert.True(sync.Code == 0, sync.Stderr);
        var received = await SyncCli.FinishAsync(post, Bound);
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

        var csv = Directory.GetFiles(folder.Combine("exports"), "*.csv", SearchOption.AllDirectories);
        Assert.NotEmpty(csv);
        Assert.Contains(csv.Select(File.ReadAllText), text => text.Contains("A001C001_261125_R1AB", StringComparison.Ordinal));
    }
}
