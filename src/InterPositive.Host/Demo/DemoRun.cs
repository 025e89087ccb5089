using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using InterPositive.Catalog;
using InterPositive.Host.Cli;
using InterPositive.Host.Service;
using InterPositive.Host.Service.Ingest;
using InterPositive.Host.Service.Stages;
using InterPositive.Offload;
using InterPositive.Relight.Models;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Post;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace InterPositive.Host.Demo;

/// <summary>
/// The demo's run: every step is the product's own code path (the service host, card ingest, lighting, previews, the
/// outbox publisher and the post receiver), timed and reported; the run fails when any step fails.
/// </summary>
internal sealed class DemoRun(VerbContext context, string folder)
{
    private const string Production = "demo";
    private readonly List<(string Step, bool Ok, string Detail, double Seconds)> _steps = [];

    public async Task<int> RunAsync(bool keepServing)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var cardsFolder = Path.Combine(folder, "cards");
        var destinations = new[] { Path.Combine(folder, "shuttle"), Path.Combine(folder, "raid") };
        foreach (var destination in destinations)
        {
            Directory.CreateDirectory(destination);
        }

        context.WriteLine("InterPositive Edge demo");
        var cards = await StepAsync("make sample cards", async () =>
        {
            var roots = await SampleCards.CreateAsync(cardsFolder, context.CancellationToken, context.Media);
            return (roots, $"{roots.Count} cards ({string.Join(", ", SampleCards.Cameras.Select(c => $"{c.Make} {c.Model}"))}), {SampleCards.Cameras.Sum(c => c.Takes.Count)} clips");
        });
        if (cards is null)
        {
            return Report();
        }

        var dataFolder = Path.Combine(folder, "data");
        await using var app = ApplianceHost.Build(null, dataFolder, context.Stdout, new Dictionary<string, string?>
        {
            ["Appliance:Production"] = Production,
            ["Appliance:Unit"] = "main",
            ["Appliance:Name"] = "demo-cart",
            ["Dashboard:Urls"] = PortFree(8080) ? "http://127.0.0.1:8080" : "http://127.0.0.1:0",
            ["Broker:Embedded:Port"] = PortFree(1883) ? "1883" : "0",
            ["Cards:Destinations:0"] = destinations[0],
            ["Cards:Destinations:1"] = destinations[1],
        });
        await app.StartAsync(context.CancellationToken);
        try
        {
            return await RunStepsAsync(app, cards, destinations, keepServing);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    private async Task<int> RunStepsAsync(WebApplication app, IReadOnlyList<string> cards, string[] destinations, bool keepServing)
    {
        var services = app.Services;
        var catalog = services.GetRequiredService<CatalogDatabase>();
        var sync = services.GetRequiredService<SyncStage>();
        var log = services.GetRequiredService<ILogger>();
        var time = services.GetRequiredService<TimeProvider>();
        var dashboard = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "";

        var postFolder = Path.Combine(folder, "post");
        Directory.CreateDirectory(postFolder);
        await using var store = LiteDbPostStore.Open(Path.Combine(postFolder, "post.db"));
        await using var receiver = new PostReceiver(store, new PostReceiverOptions { Broker = BrokerEndpoint.Parse($"mqtt://127.0.0.1:{sync.BrokerPort}"), Production = Production, ClientId = "interpositive-demo-post" }, time, log);
        using var stopReceiver = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var receiving = receiver.RunAsync(stopReceiver.Token);

        var ingested = new List<CardIngestResult>();
        var ingest = services.GetRequiredService<CardIngest>();
        foreach (var card in cards)
        {
            var result = await StepAsync($"offload {Path.GetFileName(card)}", async () =>
            {
                var done = await ingest.RunAsync(new OffloadRequest(card, destinations) { Comment = "InterPositive Edge demo" }, null, context.CancellationToken);
                if (done.Offload.Failure != OffloadFailureKind.None)
                {
                    throw new IOException(done.Offload.Error ?? done.Offload.Status);
                }

                return (done, Invariant($"{done.Offload.Files} files to 2 drives, verified by re-read, ASC MHL generation {done.Offload.MhlGeneration}; safe to format: {(done.Offload.SafeToFormat ? "yes" : "NO")}"));
            });
            if (result is not null)
            {
                ingested.Add(result);
                await StepAsync($"read metadata {Path.GetFileName(card)}", () => Task.FromResult((result, Invariant($"{result.Clips?.Family} camera, {result.Clips?.Clips.Count} clips, {result.Clips?.Errors.Count} unreadable"))));
            }
        }

        var clips = catalog.Read(db => db.GetCollection<ClipDocument>(CatalogCollections.Clips).FindAll().OrderBy(c => c.Id, StringComparer.Ordinal).ToList());
        var roots = ingested.ToDictionary(i => i.Offload.CardId, i => i.Offload.VerifiedRoots.First(), StringComparer.Ordinal);
        var lighting = new ClipLighting(catalog, log, media: context.Media);
        foreach (var clip in clips)
        {
            await StepAsync($"measure light {clip.Path.Split('/')[^1]}", async () =>
            {
                var (record, alerts) = await lighting.AnalyseAndStoreAsync(clip, roots[clip.CardId], int.MaxValue, context.CancellationToken);
                var detail = Invariant($"{record.Exposure.AverageStops:+0.00;-0.00} stops, {record.Light.Cct:0} K (Duv {record.Light.Duv:0.0000}), key/fill {record.Contrast.KeyFillStops:0.0} stops, flicker {(record.Flicker.Detected ? $"{record.Flicker.FrequencyHz:0} Hz" : "none")}");
                return (record, alerts.Count == 0 ? detail : $"{detail}; alerts: {string.Join("; ", alerts.Select(a => a.Message))}");
            });
        }

        using (var model = new BuiltInModel())
        {
            var previews = new ClipPreviews(catalog, model, time, log, context.Media);
            var presets = new List<RelightPreset>
            {
                new("tungsten-lamps", LampKelvin: 3200),
                new("plus-one-stop", ExposureStops: 1),
                new("key-from-left", Key: new KeyChange(160, 30, 1)),
            };
            foreach (var clip in clips)
            {
                await StepAsync($"relight previews {clip.Path.Split('/')[^1]}", async () =>
                {
                    var set = await previews.MakeAsync(clip, roots[clip.CardId], presets, Path.Combine(folder, "data"), 0, context.CancellationToken);
                    return (set, Invariant($"{set.Previews.Count} posters ({model.Name}, {set.Previews.FirstOrDefault()?.Report.Provider})"));
                });
            }
        }

        var expected = clips.Count;
        await StepAsync("sync to post", async () =>
        {
            var watch = Stopwatch.StartNew();
            while (true)
            {
                var backlog = catalog.Outbox.Backlog(SyncStage.LocalSink);
                var shots = await store.ShotsAsync(context.CancellationToken);
                if (backlog.Count == 0 && shots.Count >= expected && shots.All(s => s.Shot.TryGetProperty("lighting", out var l) && l.ValueKind == System.Text.Json.JsonValueKind.Object))
                {
                    var exports = PostExport.Write(Path.Combine(folder, "post", "exports"), shots);
                    return (shots, Invariant($"{shots.Count} shots with metadata and lighting in the post store ({receiver.Stored} messages stored, {receiver.Duplicates} duplicates dropped); {exports.Count} export files"));
                }

                if (watch.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException(Invariant($"post has {shots.Count} of {expected} shots; {backlog.Count} messages still in the outbox"));
                }

                await Task.Delay(200, context.CancellationToken);
            }
        });

        await stopReceiver.CancelAsync();
        try
        {
            await receiving;
        }
        catch (OperationCanceledException)
        {
        }

        context.WriteLine("");
        context.WriteLine($"Cards:        {Path.Combine(folder, "cards")}");
        context.WriteLine($"Copies:       {destinations[0]}, {destinations[1]} (each with ascmhl/)");
        context.WriteLine($"Catalog:      {Path.Combine(folder, "data", "interpositive.db")}");
        context.WriteLine($"Previews:     {Path.Combine(folder, "data", "previews")}");
        context.WriteLine($"Post store:   {Path.Combine(folder, "post", "post.db")} (exports in {Path.Combine(folder, "post", "exports")})");
        context.WriteLine($"Broker:       mqtt://127.0.0.1:{sync.BrokerPort} (topics interpositive/v1/{Production}/#)");
        context.WriteLine($"Dashboard:    {dashboard}/ (sign in with the link printed above)");
        var code = Report();
        if (keepServing && code == ExitCode.Success)
        {
            context.WriteLine("The dashboard stays up until Ctrl-C.");
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return code;
    }

    private async Task<T?> StepAsync<T>(string name, Func<Task<(T Value, string Detail)>> step)
        where T : class
    {
        var watch = Stopwatch.StartNew();
        context.Log.Information("Demo step: {Step}", name);
        try
        {
            var (value, detail) = await step();
            _steps.Add((name, true, detail, watch.Elapsed.TotalSeconds));
            context.WriteLine(Invariant($"  ok    {name,-40} {detail} ({watch.Elapsed.TotalSeconds:0.0} s)"));
            return value;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            _steps.Add((name, false, error.Message, watch.Elapsed.TotalSeconds));
            context.Log.Error(error, "Demo step {Step} failed", name);
            await context.Stderr.WriteLineAsync($"interpositive demo: {name} failed: {error.Message}");
            return null;
        }
    }

    private int Report()
    {
        var failed = _steps.Count(s => !s.Ok);
        context.WriteLine(Invariant($"{_steps.Count - failed} steps ok, {failed} failed"));
        return failed == 0 ? ExitCode.Success : ExitCode.CheckFailed;
    }

    private static bool PortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
