using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Shots;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;

namespace InterPositive.Host.Tests;

[Trait("Category", "Integration")]
public sealed class SyncVerbTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task An_offloaded_card_then_sync_once_reaches_post_through_mosquitto_with_its_card_status_and_one_shot_per_clip()
    {
        using var folder = new TempFolder();
        await using var broker = await MosquittoBroker.StartPrivateAsync();
        var data = folder.Combine("appliance");
        using (var catalog = CatalogDatabase.Open(Path.Combine(data, "interpositive.db"), TimeProvider.System))
        {
            SyncTestCatalog.AddCard(catalog, "A001R1AB", clips: 3);
        }

        var post = SyncCli.Start(folder.Combine("post-data"), "post", "--broker", broker.Url, "--db", folder.Combine("post.db"), "--export", folder.Combine("exports"), "--production", "feature", "--until-idle", "3", "--json");
        var sync = await SyncCli.RunAsync(data, Bound, "sync", "--broker", broker.Url, "--once", "--json");
        Assert.True(sync.Code == 0, sync.Stderr);
        using (var status = JsonDocument.Parse(sync.Stdout))
        {
            Assert.Equal(4, status.RootElement.GetProperty("checkpoint").GetInt64());
            Assert.Equal(0, status.RootElement.GetProperty("backlogCount").GetInt32());
        }

        var received = await SyncCli.FinishAsync(post, Bound);
        Assert.True(received.Code == 0, received.Stderr);
        using (var report = JsonDocument.Parse(received.Stdout))
        {
            Assert.Equal(3, report.RootElement.GetProperty("shots").GetInt64());
            Assert.Equal(1, report.RootElement.GetProperty("cards").GetInt64());
        }

        var list = await SyncCli.RunAsync(folder.Combine("post-data"), Bound, "post", "list", "--db", folder.Combine("post.db"), "--json");
        Assert.True(list.Code == 0, list.Stderr);
        using (var shots = JsonDocument.Parse(list.Stdout))
        {
            var items = shots.RootElement.GetProperty("shots").EnumerateArray().ToList();
            Assert.Equal(3, items.Count);
            Assert.All(items, s => Assert.Equal("verified", s.GetProperty("shot").GetProperty("offload").GetProperty("status").GetString()));
            Assert.Equal(["A001R1AB/A001C001_261125_R1AB", "A001R1AB/A001C002_261125_R1AB", "A001R1AB/A001C003_261125_R1AB"], items.Select(s => s.GetProperty("clipId").GetString()));
        }

        var csv = Directory.GetFiles(folder.Combine("exports"), "*.csv", SearchOption.AllDirectories);
        var reel = Assert.Single(csv);
        Assert.Equal("A001.csv", Path.GetFileName(reel));
        Assert.Equal(4, (await File.ReadAllLinesAsync(reel)).Length);
        Assert.Single(Directory.GetFiles(folder.Combine("exports"), "A001.ccc", SearchOption.AllDirectories));
        var ale = await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(folder.Combine("exports"), "A001.ale", SearchOption.AllDirectories)));
        Assert.Contains("A001C002_261125_R1AB", ale, StringComparison.Ordinal);
        Assert.Contains("(1.100000 1.000000 0.900000)", ale, StringComparison.Ordinal); // ASC_SOP keeps six decimals
    }

    [Fact]
    public async Task Sync_once_to_an_unreachable_broker_gives_up_at_its_timeout_with_exit_4_and_keeps_the_backlog()
    {
        using var folder = new TempFolder();
        var data = folder.Combine("appliance");
        using (var catalog = CatalogDatabase.Open(Path.Combine(data, "interpositive.db"), TimeProvider.System))
        {
            SyncTestCatalog.AddCard(catalog, "A001R1AB", clips: 1);
        }

        var result = await SyncCli.RunAsync(data, Bound, "sync", "--broker", $"mqtt://user:hunter2@127.0.0.1:{LoopbackPort.Free()}", "--once", "--timeout", "2", "--json");
        Assert.Equal(4, result.Code);
        Assert.Contains("2 messages wait", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.Stderr + result.Stdout, StringComparison.Ordinal);
        var logs = Directory.GetFiles(Path.Combine(data, "logs"));
        Assert.All(logs, log => Assert.DoesNotContain("hunter2", File.ReadAllText(log), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_command_lines_exit_2()
    {
        using var folder = new TempFolder();
        Assert.Equal(2, (await SyncCli.RunAsync(folder.Path, Bound, "sync", "--broker", "http://example", "--once")).Code);
        Assert.Equal(2, (await SyncCli.RunAsync(folder.Path, Bound, "sync", "--once")).Code);
        Assert.Equal(2, (await SyncCli.RunAsync(folder.Path, Bound, "post", "--broker", "mqtt://127.0.0.1:1")).Code);
        Assert.Equal(3, (await SyncCli.RunAsync(folder.Path, Bound, "post", "list", "--db", folder.Combine("missing.db"))).Code);
    }
}

/// <summary>Catalog content as an offload and the clip stage leave it (a verified card, its clips), with the messages enqueued.</summary>
internal static class SyncTestCatalog
{
    public static void AddCard(CatalogDatabase catalog, string cardId, int clips) => catalog.Write(tx =>
    {
        tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards).Upsert(new CardDocument
        {
            Id = cardId,
            Name = cardId,
            SourcePath = "/media/" + cardId,
            Status = CardStatus.Verified,
            FileCount = clips,
            Destinations = [new CardDestination { Path = "/raid/" + cardId, Status = CardStatus.Verified, FilesVerified = clips }],
            CreatedAt = tx.Now,
            UpdatedAt = tx.Now,
        });
        for (var i = 1; i <= clips; i++)
        {
            var name = FormattableString.Invariant($"{cardId[..4]}C{i:D3}_261125_R1AB");
            tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips).Upsert(new ClipDocument
            {
                Id = cardId + "/" + name,
                CardId = cardId,
                Path = name + ".mxf",
                Reel = cardId[..4],
                ClipJson = FormattableString.Invariant($$"""{"name":"{{name}}","reel":"{{cardId[..4]}}"}"""),
                UpdatedAt = tx.Now,
            });
            tx.Database.GetCollection<LookDocument>(CatalogCollections.Looks).Upsert(new LookDocument
            {
                ClipId = cardId + "/" + name,
                CdlJson = """{"id":"day1","slope":[1.1,1.0,0.9],"offset":[0.0,0.0,0.0],"power":[1.0,1.0,1.0],"saturation":0.9}""",
                UpdatedAt = tx.Now,
            });
        }

        ShotRecords.EnqueueCardAndShots(tx, cardId);
    });
}
