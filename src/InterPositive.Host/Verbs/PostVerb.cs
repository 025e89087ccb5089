using System.CommandLine;
using InterPositive.Host.Cli;
using InterPositive.Sync;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Post;

namespace InterPositive.Host.Verbs;

/// <summary>
/// <c>interpositive post --broker URL --db STORE [--production P] [--export DIR]</c>: the post-house receiver. Stores
/// every shot exactly once (STORE: a LiteDB file or <c>postgresql://…</c>), refuses and counts bad messages, and keeps
/// ALE-ready CSV and CDL exports per day and reel up to date. <c>post list --db STORE</c> prints the stored shots.
/// </summary>
internal static class PostVerb
{
    public static Command Create()
    {
        var broker = new Option<string?>("--broker") { Description = "Broker URL: mqtt://host[:1883] or mqtts://host[:8883]." };
        var db = new Option<string?>("--db") { Description = "Post store: a LiteDB file, or postgresql://user@host:port/database." };
        var production = new Option<string?>("--production") { Description = "Accept only this production (others are rejected as foreign)." };
        var export = new Option<string?>("--export") { Description = "Folder for CSV and CDL exports per production, day and reel." };
        var share = new Option<string?>("--share") { Description = "MQTT 5 shared-subscription group, for several receivers on one PostgreSQL store." };
        var clientId = new Option<string?>("--client-id") { Description = "Persistent session id (default interpositive-post-{host})." };
        var maxPayload = new Option<int>("--max-payload") { Description = "Largest payload accepted, bytes.", DefaultValueFactory = _ => Envelope.DefaultMaxPayloadBytes };
        var idle = new Option<double?>("--until-idle") { Description = "Exit 0 after this many seconds without a new message (for scripts)." };
        var root = new Option<string?>("--topic-root") { Description = "Topic root (default interpositive/v1)." };
        var tls = new TlsOptions();
        return Verb.Define(
            "post",
            "Receive shot data from appliances into a post store, exactly once, with CSV and CDL exports.",
            configure: cmd =>
            {
                cmd.Options.Add(broker);
                cmd.Options.Add(db);
                cmd.Options.Add(production);
                cmd.Options.Add(export);
                cmd.Options.Add(share);
                cmd.Options.Add(clientId);
                cmd.Options.Add(maxPayload);
                cmd.Options.Add(idle);
                cmd.Options.Add(root);
                tls.AddTo(cmd);
                cmd.Subcommands.Add(ListCommand());
            },
            run: async ctx =>
            {
                var url = ctx.Value(broker) ?? throw new UsageException("--broker URL is required");
                var storeName = ctx.Value(db) ?? throw new UsageException("--db STORE is required");
                if (ctx.Value(production) is { } p && !SyncIdentity.IsValidName(p))
                {
                    throw new UsageException($"--production '{p}': use letters, digits, '.', '-' or '_'");
                }

                var options = new PostReceiverOptions
                {
                    Broker = tls.Endpoint(ctx, url),
                    Production = ctx.Value(production),
                    SharedGroup = ctx.Value(share),
                    ClientId = ctx.Value(clientId) ?? "interpositive-post-" + Environment.MachineName.ToLowerInvariant(),
                    MaxPayloadBytes = ctx.Value(maxPayload),
                    TopicRoot = ctx.Value(root) ?? SyncIdentity.DefaultRoot,
                };
                await using var store = await PostStores.OpenAsync(storeName, ctx.CancellationToken);
                await using var receiver = new PostReceiver(store, options, ctx.Time, ctx.Log);
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken);
                var receiving = receiver.RunAsync(stop.Token);
                var exportFolder = ctx.Value(export);
                var exported = new List<string>();
                IReadOnlyList<SkippedShot> skipped = [];
                var idleLimit = ctx.Value(idle) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
                var lastCount = -1L;
                var lastChange = ctx.Time.GetUtcNow();
                ctx.Log.Information("Post receiver on {Broker}, filter {Filter}, store {Store}", options.Broker.ToString(), receiver.Filter, Sync.Brokers.BrokerEndpoint.Redact(storeName));
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), ctx.Time, stop.Token);
                        var count = receiver.Stored + receiver.Duplicates + receiver.Rejected;
                        if (count != lastCount)
                        {
                            lastCount = count;
                            lastChange = ctx.Time.GetUtcNow();
                            if (exportFolder is not null)
                            {
                                try
                                {
                                    (exported, skipped) = Export(ctx, exportFolder, await store.ShotsAsync(stop.Token));
                                }
                                catch (Exception error) when (error is not OperationCanceledException)
                                {
                                    // An export that fails (a full disk, an odd record) must not stop receiving.
                                    ctx.Log.Error("Export to {Folder} failed: {Error}", exportFolder, error.Message);
                                }
                            }
                        }
                        else if (idleLimit is { } limit && ctx.Time.GetUtcNow() - lastChange >= limit)
                        {
                            break;
                        }
                    }
                }
                catch (OperationCanceledException) when (ctx.CancellationToken.IsCancellationRequested)
                {
                    // Ctrl-C: stop receiving, export once more, report.
                }

                await stop.CancelAsync();
                await receiving;
                if (exportFolder is not null)
                {
                    (exported, skipped) = Export(ctx, exportFolder, await store.ShotsAsync(CancellationToken.None));
                }

                var report = await receiver.ReportAsync(exported, CancellationToken.None) with { ExportSkipped = skipped };
                if (ctx.Json)
                {
                    ctx.WriteJson(report, SyncCliJsonContext.Default.PostReport);
                }
                else
                {
                    ctx.WriteLine($"{report.Shots} shots, {report.Cards} cards, {report.Messages} messages; {report.Stored} stored, {report.Duplicates} duplicates, {report.Rejected.Sum(r => r.Count)} rejected this run");
                    foreach (var appliance in report.Appliances.Where(a => a.Missing > 0))
                    {
                        ctx.WriteLine($"  {appliance.Appliance}: {appliance.Missing} sequences missing below {appliance.Highest}");
                    }
                }

                return ExitCode.Success;
            });
    }

    // One bad shot never fails an export: it is left out and named, once per export, on stderr and in the report.
    private static (List<string> Written, IReadOnlyList<SkippedShot> Skipped) Export(VerbContext ctx, string folder, IReadOnlyList<PostShot> shots)
    {
        var result = PostExport.Export(folder, shots);
        foreach (var skip in result.Skipped)
        {
            ctx.Log.Warning("Export left out shot {Appliance} {Clip}: {Reason}", skip.Appliance, skip.ClipId, skip.Reason);
        }

        return ([.. result.Written], result.Skipped);
    }

    private static Command ListCommand()
    {
        var db = new Option<string?>("--db") { Description = "Post store: a LiteDB file, or postgresql://…" };
        return Verb.Define(
            "list",
            "Print the shots held in a post store.",
            configure: cmd => cmd.Options.Add(db),
            run: async ctx =>
            {
                var storeName = ctx.Value(db) ?? throw new UsageException("--db STORE is required");
                if (!storeName.Contains("://", StringComparison.Ordinal) && !File.Exists(storeName))
                {
                    throw new FileNotFoundException($"{storeName}: no such post store", storeName);
                }

                await using var store = await PostStores.OpenAsync(storeName, ctx.CancellationToken);
                var shots = await store.ShotsAsync(ctx.CancellationToken);
                var quarantine = await store.RejectsAsync(ctx.CancellationToken);
                if (ctx.Json)
                {
                    ctx.WriteJson(new PostShotList(shots, quarantine, await store.QuarantinedAsync(100, ctx.CancellationToken)), SyncCliJsonContext.Default.PostShotList);
                }
                else
                {
                    foreach (var shot in shots)
                    {
                        ctx.WriteLine($"{shot.Production}/{shot.Unit}/{shot.Appliance}  {shot.ClipId}  seq {shot.Sequence}");
                    }

                    ctx.WriteLine($"{shots.Count} shots; quarantined: {(quarantine.Count == 0 ? "none" : string.Join(", ", quarantine.Select(q => $"{q.Count} {q.Reason}")))}");
                }

                return ExitCode.Success;
            });
    }
}
