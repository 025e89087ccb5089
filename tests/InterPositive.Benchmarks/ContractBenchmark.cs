using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Sync.Contract;

namespace InterPositive.Benchmarks;

/// <summary>
/// <c>contract [count]</c>: what checking every received message against the contract's JSON Schemas costs the post
/// receiver: <see cref="Envelope.Read"/> (size, UTF-8, version, topic, hash, schema validation of envelope and body,
/// deserialisation) against a baseline of what it did before the schemas (parse, deserialise, hash the body) on the
/// same typical shot envelope, in the same run.
/// </summary>
public sealed class ContractBenchmark : IEndToEndBenchmark
{
    private static readonly SyncIdentity Identity = new("bench", "main", "cart-a");

    public string Name => "contract";

    public string Description => "Receiver-side schema validation of a typical shot envelope vs parse+deserialise+hash only";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var count = args.Length > 0 && int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 20_000;
        var entry = new OutboxEntry { Sequence = 1, MessageId = Guid.CreateVersion7().ToString("D"), Kind = "shots", Key = "A001R1AB/A001C001_261125_R1AB", Body = SyncBenchmark.ShotLikeBody(), Retained = true, CreatedAt = DateTimeOffset.UnixEpoch };
        var payload = Envelope.ToBytes(Identity, entry, DateTimeOffset.UnixEpoch);
        var topic = Identity.Topic(entry.Kind, entry.Key);
        Envelope.Read(payload, topic, Identity.Root);
        Baseline(payload);

        var checkedRate = Rate(count, () => Envelope.Read(payload, topic, Identity.Root), cancellationToken);
        var baselineRate = Rate(count, () => Baseline(payload), cancellationToken);
        Console.WriteLine($"shot envelope of {payload.Length:N0} bytes, {count:N0} reads");
        Console.WriteLine($"schema-checked read: {checkedRate:N0} msg/s; baseline parse+deserialise+hash: {baselineRate:N0} msg/s; ratio {checkedRate / baselineRate:F2}");
        return Task.FromResult(0);
    }

    private static double Rate(int count, Action read, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count && !cancellationToken.IsCancellationRequested; i++)
        {
            read();
        }

        return count / watch.Elapsed.TotalSeconds;
    }

    private static void Baseline(byte[] payload)
    {
        var envelope = JsonSerializer.Deserialize(payload, SyncJsonContext.Default.MessageEnvelope)!;
        SHA256.HashData(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(envelope.Body));
    }
}
