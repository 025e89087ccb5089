using System.Diagnostics;
using System.Globalization;
using InterPositive.Catalog;
using InterPositive.Offload;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Post;
using InterPositive.Sync.Publishing;
using InterPositive.Takes;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
using InterPositive.Testing.Media;
using Serilog;

namespace InterPositive.Benchmarks;

/// <summary>
/// <c>chain [clips]</c>: a card of header-only ARRI MOVs (default 1,000 clips) through the whole chain as the product
/// runs it (card ingest: offload with ASC MHL, clips indexed, a shot per clip in the outbox; the outbox publisher to the
/// embedded broker; the post receiver committing to its LiteDB store), timed from the start of the offload to the last
/// shot committed at post. Baseline in the same run: <c>cp -r</c> of the same card to the same drive.
/// </summary>
public sealed class ChainBenchmark : IEndToEndBenchmark
{
    private static readonly ILogger Log = new LoggerConfiguration().CreateLogger();

    public string Name => "chain";

    public string Description => "Shots per second from offload to committed at post for a 1,000-clip card (headers only) vs cp -r of the card";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var clips = args.Length > 0 && int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1000;
        using var folder = new TempFolder("bench-chain");
        var card = folder.Combine("A002R2EC");
        CardBuilder.ArriMov(card, clips);
        var bytes = new DirectoryInfo(card).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        Console.WriteLine($"chain benchmark: {clips} clips, {bytes / 1024.0:F0} KiB of headers, {Environment.ProcessorCount} cores (shared machine: compare the ratio, not the seconds)");

        // Baseline: the same files copied by cp to the same drive, no hashing, no catalog, no network.
        Directory.CreateDirectory(folder.Combine("baseline"));
        var copy = Stopwatch.StartNew();
        using (var cp = Process.Start(new ProcessStartInfo("cp", ["-r", card, folder.Combine("baseline")]) { UseShellExecute = false }) ?? throw new InvalidOperationException("cp did not start"))
        {
            await cp.WaitForExitAsync(cancellationToken);
        }

        var baseline = copy.Elapsed.TotalSeconds;

        var port = LoopbackPort.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, AnonymousProductions = ["*"] }, Log);
        await broker.StartAsync();
        var endpoint = BrokerEndpoint.Parse($"mqtt://127.0.0.1:{port}");
        await using var store = LiteDbPostStore.Open(folder.Combine("post.db"));
        using var catalog = CatalogDatabase.Open(folder.Combine("data", "interpositive.db"), TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var receiver = new PostReceiver(store, new PostReceiverOptions { Broker = endpoint, ClientId = "bench-chain-post" }, TimeProvider.System, Log);
        var receiving = receiver.RunAsync(stop.Token);
        await receiver.Subscribed.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        await using var publisher = new OutboxPublisher(catalog, new PublisherOptions { Identity = new SyncIdentity("bench", "main", "cart-a"), Broker = endpoint, Sink = "post", PublishStatus = false }, TimeProvider.System, Log);
        var publishing = publisher.RunAsync(untilEmpty: false, stop.Token);

        Directory.CreateDirectory(folder.Combine("raid"));
        var clock = Stopwatch.StartNew();
        var ingested = await new CardIngest(catalog, TimeProvider.System, Log).RunAsync(new OffloadRequest(card, [folder.Combine("raid")]), null, cancellationToken);
        var ingest = clock.Elapsed.TotalSeconds;
        if (ingested.Offload.Failure != OffloadFailureKind.None || ingested.Clips?.Clips.Count != clips)
        {
            await Console.Error.WriteLineAsync($"chain: ingest {ingested.Offload.Status}, {ingested.Clips?.Clips.Count} clips: {ingested.Offload.Error}");
            return 1;
        }

        long shots = 0;
        while (shots < clips && clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            shots = (await store.CountsAsync(cancellationToken)).Shots;
            await Task.Delay(20, cancellationToken);
        }

        var total = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        foreach (var running in new[] { publishing, receiving })
        {
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (shots < clips)
        {
            await Console.Error.WriteLineAsync($"chain: post holds {shots} of {clips} shots after 10 minutes");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"offload (copy, hash, re-read, ASC MHL) + clips indexed + shots queued: {ingest:F2} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"offload start to last shot committed at post: {total:F2} s = {clips / total:F0} shots/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"baseline cp -r of the card: {baseline:F2} s; ratio chain/cp {total / baseline:F1}"));
        return 0;
    }
}
