using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Cards;
using InterPositive.Catalog.Clips;
using InterPositive.Catalog.Looks;
using InterPositive.Catalog.Takes;
using InterPositive.Formats.Cdl;
using InterPositive.Host.Cli;
using InterPositive.Host.Service;
using InterPositive.Host.Service.Ingest;
using InterPositive.Lighting;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Post;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace InterPositive.Host.Demo;

/// <summary>
/// The demo's run: every step is the product's own path. The cards appear in the service's watched mount root, its card
/// watcher and offload queue ingest them (the one card-ingest component), its take stage measures the light and makes
/// previews from the catalog's work list, a look is set through the catalog's look store, and the outbox publisher
/// carries it all to a post receiver. Each step is timed and reported (as JSON with --json); the run fails when any
/// step fails.
/// </summary>
internal sealed class DemoRun(VerbContext context, string folder)
{
    private const string Production = "demo";
    private static readonly TimeSpan StepBound = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(6);
    private readonly List<DemoStep> _steps = [];
    private readonly DemoSummary _summary = new();
    private CancellationToken _stopping;

    public async Task<int> RunAsync(bool keepServing)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var cardsFolder = Path.Combine(folder, "cards");
        var mount = Directory.CreateDirectory(Path.Combine(folder, "mount")).FullName;
        var destinations = new[] { Path.Combine(folder, "shuttle"), Path.Combine(folder, "raid") };
        foreach (var destination in destinations)
        {
            Directory.CreateDirectory(destination);
        }

        _summary.Folder = folder;
        _stopping = context.CancellationToken;
        context.WriteLine("InterPositive Edge demo");
        var dataFolder = Path.Combine(folder, "data");

        // Under --json stdout carries only the summary: the tokens and the sign-in link go to stderr with the logs.
        var announcements = context.Json ? context.Stderr : context.Stdout;
        await using var app = ApplianceHost.Build(null, dataFolder, announcements, new Dictionary<string, string?>
        {
            ["Appliance:Production"] = Production,
            ["Appliance:Unit"] = "main",
            ["Appliance:Name"] = "demo-cart",
            ["Dashboard:Urls"] = PortFree(8080) ? "http://127.0.0.1:8080" : "http://127.0.0.1:0",
            ["Broker:Embedded:Port"] = PortFree(1883) ? "1883" : "0",
            ["Cards:MountRoots:0"] = mount,
            ["Cards:Destinations:0"] = destinations[0],
            ["Cards:Destinations:1"] = destinations[1],
            ["Cards:ScanInterval"] = "00:00:00.200",
            ["Cards:SettleTime"] = "00:00:00.400",
            ["Relight:PreviewFrames"] = "0",
            ["Relight:Presets:0:Name"] = "tungsten-lamps",
            ["Relight:Presets:0:Cct"] = "3200",
            ["Relight:Presets:1:Name"] = "plus-one-stop",
            ["Relight:Presets:1:Exposure"] = "1",
            ["Relight:Presets:2:Name"] = "key-from-left",
            ["Relight:Presets:2:Key"] = "160,30,1",
        });
        await app.StartAsync(context.CancellationToken);

        // SIGTERM reaches the host's lifetime, SIGINT the command line's token: either one stops the run and the serving.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, app.Lifetime.ApplicationStopping);
        _stopping = stop.Token;
        try
        {
            // The service is up (dashboard and all) while the cards are rendered.
            var cards = await StepAsync("make sample cards", async () =>
            {
                var roots = await SampleCards.CreateAsync(cardsFolder, _stopping, context.Media);
                return (roots, $"{roots.Count} cards ({string.Join(", ", SampleCards.Cameras.Select(c => $"{c.Make} {c.Model}"))}), {SampleCards.Cameras.Sum(c => c.Takes.Count)} clips");
            });
            return cards is null ? Report() : await RunStepsAsync(app, cards, mount, destinations, keepServing, stop.Token);
        }
        finally
        {
            using var bound = new CancellationTokenSource(StopBound);
            try
            {
                await app.StopAsync(bound.Token);
            }
            catch (OperationCanceledException)
            {
                context.Log.Warning("Demo: the service did not stop within {Seconds} s; leaving the rest to the process exit", StopBound.TotalSeconds);
            }
        }
    }

    private async Task<int> RunStepsAsync(WebApplication app, IReadOnlyList<string> cards, string mount, string[] destinations, bool keepServing, CancellationToken cancellationToken)
    {
        var services = app.Services;
        var catalog = services.GetRequiredService<CatalogDatabase>();
        var sync = services.GetRequiredService<SyncStage>();
        var queue = services.GetRequiredService<OffloadQueue>();
        var log = services.GetRequiredService<ILogger>();
        var time = services.GetRequiredService<TimeProvider>();
        _summary.Dashboard = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "";
        _summary.Broker = Invariant($"mqtt://127.0.0.1:{sync.BrokerPort}");

        var postFolder = Path.Combine(folder, "post");
        Directory.CreateDirectory(postFolder);
        await using var store = LiteDbPostStore.Open(Path.Combine(postFolder, "post.db"));
        await using var receiver = new PostReceiver(store, new PostReceiverOptions { Broker = BrokerEndpoint.Parse(_summary.Broker), Production = Production, ClientId = "interpositive-demo-post" }, time, log);
        using var stopReceiver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiving = receiver.RunAsync(stopReceiver.Token);

        // The cards appear in the watched mount root all at once, as a reader mounting them would.
        var appeared = Stopwatch.StartNew();
        foreach (var card in cards)
        {
            Directory.Move(card, Path.Combine(mount, Path.GetFileName(card)));
        }

        var cardIds = new List<string>();
        foreach (var card in cards)
        {
            var name = Path.GetFileName(card);
            var source = Path.Combine(mount, name);
            var job = await StepAsync($"offload {name}", async () =>
            {
                var done = await UntilAsync(() => queue.Jobs.FirstOrDefault(j => j.Source == source && j.FinishedAt is not null), $"the offload of {name} did not finish", cancellationToken);
                if (done.State != CardStatus.Verified || done.CardId is null || CardStore.Find(catalog, done.CardId) is not { } record)
                {
                    throw new IOException($"offload of {name} {done.State}: {done.Error}");
                }

                return (done, Invariant($"{record.FileCount} files to 2 drives, verified by re-read, ASC MHL generation {record.MhlGeneration}; safe to format: {(record.SafeToFormat ? "yes" : "NO")}"));
            });
            if (job?.CardId is { } cardId)
            {
                cardIds.Add(cardId);
                await StepAsync($"read metadata {name}", () =>
                {
                    var clips = ClipStore.Documents(catalog, cardId);
                    var family = CardStore.Find(catalog, cardId)?.CameraFamily;
                    return Task.FromResult((clips, Invariant($"{family} camera, {clips.Count} clips")));
                });
            }
        }

        var all = cardIds.SelectMany(id => ClipStore.Documents(catalog, id)).ToList();
        var looked = all.FirstOrDefault();
        if (looked is not null)
        {
            // The DIT's look on the first take: stored with the clip, sent in its shot record, exported at post as CDL.
            var name = Path.GetFileNameWithoutExtension(looked.Path);
            await StepAsync($"set look {name}", () =>
            {
                var cdl = new Cdl(name, new CdlTriple(1.05, 1.0, 0.94), new CdlTriple(0.01, 0.0, -0.012), new CdlTriple(1.0, 1.0, 1.02), 0.9);
                LookStore.Set(catalog, looked.Id, cdl, "demo");
                return Task.FromResult((cdl, Invariant($"ASC CDL slope ({cdl.Slope.R} {cdl.Slope.G} {cdl.Slope.B}), saturation {cdl.Saturation}")));
            });
        }

        // The service's take stage works from the catalog: the demo waits until the catalog owes no take, then reports.
        await StepAsync("take stage", async () =>
        {
            await UntilAsync(() => TakeStore.Pending(catalog, previewsWanted: true).Count == 0 ? "done" : null, "the take stage did not finish", cancellationToken);
            return ("done", Invariant($"{all.Count} takes measured and previewed by the service's take stage"));
        });
        foreach (var clip in all)
        {
            var name = clip.Path.Split('/')[^1];
            await StepAsync($"measure light {name}", () => Task.FromResult(Lighting(catalog, clip.Id)));
            await StepAsync($"relight previews {name}", () => Task.FromResult(Previews(catalog, clip.Id)));
        }

        var expected = all.Count;
        await StepAsync("sync to post", async () =>
        {
            var shots = await UntilAsync(
                async () =>
                {
                    var backlog = catalog.Outbox.Backlog(SyncStage.LocalSink);
                    var received = await store.ShotsAsync(cancellationToken);
                    var complete = backlog.Count == 0 && received.Count >= expected
                        && received.All(s => s.Shot.TryGetProperty("lighting", out var l) && l.ValueKind == JsonValueKind.Object)
                        && (looked is null || received.Any(s => s.ClipId == looked.Id && s.Shot.TryGetProperty("look", out var look) && look.ValueKind == JsonValueKind.Object));
                    return complete ? received : null;
                },
                $"post did not receive the {expected} shots with their lighting",
                cancellationToken);
            _summary.CardToPostSeconds = appeared.Elapsed.TotalSeconds;
            var exports = PostExport.Write(Path.Combine(folder, "post", "exports"), shots);
            var cdls = exports.Count(e => e.EndsWith(".cdl", StringComparison.OrdinalIgnoreCase) || e.EndsWith(".ccc", StringComparison.OrdinalIgnoreCase));
            return (shots, Invariant($"{shots.Count} shots with metadata and lighting in the post store ({receiver.Stored} messages stored, {receiver.Duplicates} duplicates dropped); {exports.Count} export files ({cdls} CDL); cards to post in {_summary.CardToPostSeconds:0.0} s"));
        });

        await stopReceiver.CancelAsync();
        try
        {
            await receiving;
        }
        catch (OperationCanceledException)
        {
        }

        _summary.Catalog = Path.Combine(folder, "data", "interpositive.db");
        _summary.PostStore = Path.Combine(folder, "post", "post.db");
        _summary.Exports = Path.Combine(folder, "post", "exports");
        context.WriteLine("");
        context.WriteLine($"Cards:        {mount}");
        context.WriteLine($"Copies:       {destinations[0]}, {destinations[1]} (each with ascmhl/)");
        context.WriteLine($"Catalog:      {_summary.Catalog}");
        context.WriteLine($"Previews:     {Path.Combine(folder, "data", "previews")}");
        context.WriteLine($"Post store:   {_summary.PostStore} (exports in {_summary.Exports})");
        context.WriteLine($"Broker:       {_summary.Broker} (topics interpositive/v1/{Production}/#)");
        context.WriteLine($"Dashboard:    {_summary.Dashboard}/ (sign in with the link printed above)");
        var code = Report();
        if (keepServing && code == ExitCode.Success)
        {
            context.WriteLine("The dashboard stays up until Ctrl-C.");
            await context.Stderr.WriteLineAsync("interpositive demo: serving the dashboard until Ctrl-C or SIGTERM");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return code;
    }

    private static (LightingRecord, string) Lighting(CatalogDatabase catalog, string clipId)
    {
        var view = ClipStore.View(catalog, clipId);
        if (view?.Lighting is not { } stored || JsonSerializer.Deserialize(stored.LightingJson, LightingJsonContext.Default.LightingRecord) is not { } record)
        {
            throw new InvalidDataException($"{clipId}: no lighting record: {TakeStore.Failure(catalog, clipId)?.Lighting ?? "not measured"}");
        }

        var alerts = JsonSerializer.Deserialize(stored.AlertsJson, LightingJsonContext.Default.ListLightingAlert) ?? [];
        var detail = Invariant($"{record.Exposure.AverageStops:+0.00;-0.00} stops, {record.Light.Cct:0} K (Duv {record.Light.Duv:0.0000}), key/fill {record.Contrast.KeyFillStops:0.0} stops, flicker {(record.Flicker.Detected ? $"{record.Flicker.FrequencyHz:0} Hz" : "none")}");
        return (record, alerts.Count == 0 ? detail : $"{detail}; alerts: {string.Join("; ", alerts.Select(a => a.Message))}");
    }

    private static (string, string) Previews(CatalogDatabase catalog, string clipId)
    {
        var json = ClipStore.View(catalog, clipId)?.Look?.PreviewsJson;
        using var previews = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        var root = previews.RootElement;
        var list = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("previews", out var inner) ? inner : root;
        var count = list.ValueKind == JsonValueKind.Array ? list.GetArrayLength() : 0;
        if (count == 0)
        {
            throw new InvalidDataException($"{clipId}: no previews: {TakeStore.Failure(catalog, clipId)?.Previews ?? "not made"}");
        }

        return (json!, Invariant($"{count} posters"));
    }

    private static Task<T> UntilAsync<T>(Func<T?> probe, string failure, CancellationToken cancellationToken)
        where T : class => UntilAsync(() => Task.FromResult(probe()), failure, cancellationToken);

    /// <summary>Polls until <paramref name="probe"/> gives a value; a step that never completes fails after <see cref="StepBound"/>.</summary>
    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string failure, CancellationToken cancellationToken)
        where T : class
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (watch.Elapsed > StepBound)
            {
                throw new TimeoutException(Invariant($"{failure} within {StepBound.TotalSeconds:0} s"));
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private async Task<T?> StepAsync<T>(string name, Func<Task<(T Value, string Detail)>> step)
        where T : class
    {
        _stopping.ThrowIfCancellationRequested();
        var watch = Stopwatch.StartNew();
        context.Log.Information("Demo step: {Step}", name);
        try
        {
            var (value, detail) = await step();
            _steps.Add(new DemoStep(name, true, detail, watch.Elapsed.TotalSeconds));
            context.WriteLine(Invariant($"  ok    {name,-40} {detail} ({watch.Elapsed.TotalSeconds:0.0} s)"));
            return value;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            _steps.Add(new DemoStep(name, false, error.Message, watch.Elapsed.TotalSeconds));
            context.Log.Error(error, "Demo step {Step} failed", name);
            await context.Stderr.WriteLineAsync($"interpositive demo: {name} failed: {error.Message}");
            return null;
        }
    }

    private int Report()
    {
        var failed = _steps.Count(s => !s.Ok);
        context.WriteLine(Invariant($"{_steps.Count - failed} steps ok, {failed} failed"));
        var code = failed == 0 ? ExitCode.Success : ExitCode.CheckFailed;
        if (context.Json)
        {
            _summary.Ok = failed == 0;
            _summary.ExitCode = code;
            _summary.Steps = _steps;
            context.WriteJson(_summary, DemoJsonContext.Default.DemoSummary);
        }

        return code;
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
