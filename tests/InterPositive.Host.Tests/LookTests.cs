using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Clips;
using InterPositive.Catalog.Looks;
using InterPositive.Formats.Cdl;
using InterPositive.Offload.Recognition;
using InterPositive.Testing;
using InterPositive.Testing.Media;
using Microsoft.Extensions.DependencyInjection;

namespace InterPositive.Host.Tests;

/// <summary>A DIT attaches looks: from a .cc/.ccc/.cdl file with <c>clips --cdl</c>, from a .cdl beside the clip, and through the API.</summary>
[Trait("Category", "Integration")]
public sealed class LookTests : IDisposable
{
    private readonly TempFolder _temp = new("ip-looks");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Clips_cdl_stores_matched_looks_with_their_shot_updates_and_warns_naming_the_file_and_the_unmatched_ids()
    {
        var paths = CardBuilder.ArriMov(_temp.Combine("card"), clips: 3);
        var cardRoot = Path.GetDirectoryName(paths[0])!;
        var clips = CardReader.ReadDirectory(cardRoot).Clips;
        var names = clips.Select(c => c.Clip!).ToList();
        var data = _temp.Combine("data");
        using (var catalog = CatalogDatabase.Open(Path.Combine(data, "interpositive.db"), TimeProvider.System))
        {
            catalog.Write(tx =>
            {
                tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards).Upsert(new CardDocument { Id = "A002R2EC", Name = "A002R2EC", SourcePath = cardRoot, Status = CardStatus.Verified, CreatedAt = tx.Now, UpdatedAt = tx.Now });
                ClipStore.UpsertAll(tx, "A002R2EC", clips);
            });
        }

        // One correction per clip name, one that names nothing, and an id as older exports wrote it (CARD/CLIP).
        var ccc = _temp.Combine("day1.ccc");
        using (var file = File.Create(ccc))
        {
            CdlXml.Write(CdlXml.ToCollection(
            [
                new Cdl(names[0], new CdlTriple(0.00001, 1, 1.1), new CdlTriple(0.01, 0, 0), CdlTriple.One, 0.8),
                new Cdl("A002R2EC/" + names[1], new CdlTriple(1.2, 1, 1), CdlTriple.Zero, CdlTriple.One, 1),
                new Cdl("NOT_A_CLIP", CdlTriple.One, CdlTriple.Zero, CdlTriple.One, 1),
            ]), file);
        }

        // The third clip's look sits beside it.
        using (var beside = File.Create(Path.ChangeExtension(paths[2], ".cdl")))
        {
            CdlXml.Write(CdlXml.ToDecisionList([new Cdl("whatever", new CdlTriple(0.9, 0.9, 0.9), CdlTriple.Zero, CdlTriple.One, 1.1)]), beside);
        }

        var run = await Cli.RunAsync(["clips", cardRoot, "--cdl", ccc, "--ale", _temp.Combine("card.ale"), "--json", "--data", data]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var warning = Assert.Single(run.Stderr.Split('\n'), l => l.Contains("warning", StringComparison.Ordinal) && l.Contains(ccc, StringComparison.Ordinal));
        Assert.Contains("NOT_A_CLIP", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(names[0], warning, StringComparison.Ordinal);
        using (JsonDocument.Parse(run.Stdout))
        {
        }

        using (var catalog = CatalogDatabase.Open(Path.Combine(data, "interpositive.db"), TimeProvider.System))
        {
            Assert.Equal(0.00001, LookStore.Find(catalog, "A002R2EC/" + names[0])!.Slope.R);
            Assert.Equal(1.2, LookStore.Find(catalog, "A002R2EC/" + names[1])!.Slope.R);
            Assert.Equal(0.9, LookStore.Find(catalog, "A002R2EC/" + names[2])!.Slope.G);
            var shots = catalog.Outbox.ReadAfter(0, 100).Where(e => e.Kind == "shots").ToList();
            Assert.Equal(3, shots.Count);
            Assert.All(shots, s => Assert.Contains("\"look\":{\"source\":", s.Body, StringComparison.Ordinal));
        }

        Assert.Contains("0.000010", await File.ReadAllTextAsync(_temp.Combine("card.ale")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_sets_and_clears_a_clips_look_for_operators_only_and_tells_post()
    {
        using var announcements = new StringWriter();
        await using var app = TestAppliance.Build(_temp, announcements);
        await app.StartAsync();
        try
        {
            var catalog = app.Services.GetRequiredService<CatalogDatabase>();
            var clip = CardReader.ReadDirectory(Path.GetDirectoryName(CardBuilder.ArriMov(_temp.Combine("card"), clips: 1)[0])!).Clips[0];
            catalog.Write(tx =>
            {
                tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards).Upsert(new CardDocument { Id = "A002R2EC", Name = "A002R2EC", SourcePath = "/media/A002R2EC", CreatedAt = tx.Now, UpdatedAt = tx.Now });
                ClipStore.Upsert(tx, "A002R2EC", clip);
            });
            var clipId = "A002R2EC/" + clip.Clip;
            var lines = announcements.ToString().Split('\n');
            var operatorToken = lines.Single(l => l.Contains("operator token:", StringComparison.Ordinal)).Split(':')[1].Trim();
            var readOnlyToken = lines.Single(l => l.Contains("read-only token:", StringComparison.Ordinal)).Split(':')[1].Trim();
            using var http = new HttpClient { BaseAddress = new Uri(TestAppliance.Address(app)) };
            const string look = """{"id":"day1","slope":[1.1,1.0,0.9],"offset":[0.01,0,-0.01],"power":[1,1,1],"saturation":0.9}""";

            // The clip's take (lighting, previews) is worked in the background; its own shot updates are not the API's.
            await TestAppliance.WaitForTakesAsync(app);
            var before = catalog.Outbox.LastSequence();

            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Put, "/api/v1/looks/" + clipId, readOnlyToken, look)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, HttpMethod.Put, "/api/v1/looks/A002R2EC/nope", operatorToken, look)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(http, HttpMethod.Put, "/api/v1/looks/" + clipId, operatorToken, """{"slope":[1,1],"offset":[0,0,0],"power":[1,1,1],"saturation":1}""")).StatusCode);
            Assert.Equal(before, catalog.Outbox.LastSequence());

            var set = await SendAsync(http, HttpMethod.Put, "/api/v1/looks/" + clipId, operatorToken, look);
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            Assert.Equal(0.9, LookStore.Find(catalog, clipId)!.Saturation);
            var get = await SendAsync(http, HttpMethod.Get, "/api/v1/clips/" + clipId, readOnlyToken, null);
            using (var summary = JsonDocument.Parse(await get.Content.ReadAsStringAsync()))
            {
                Assert.Equal("day1", summary.RootElement.GetProperty("look").GetProperty("id").GetString());
            }

            // The update that tells post is appended before the API answers; previews remade under the new look may follow it.
            var setUpdate = catalog.Outbox.ReadAfter(before, 10)[0];
            Assert.Equal(clipId, setUpdate.Key);
            Assert.Contains("\"look\":{\"source\":\"api\"", setUpdate.Body, StringComparison.Ordinal);
            await TestAppliance.WaitForTakesAsync(app);
            var beforeClear = catalog.Outbox.LastSequence();

            Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Delete, "/api/v1/looks/" + clipId, operatorToken, null)).StatusCode);
            Assert.Null(LookStore.Find(catalog, clipId));
            var clearUpdate = catalog.Outbox.ReadAfter(beforeClear, 10)[0];
            Assert.Equal(clipId, clearUpdate.Key);
            Assert.Contains("\"look\":null", clearUpdate.Body, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string token, string? json)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request);
    }
}
