using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Lighting;
using InterPositive.Catalog.Looks;
using InterPositive.Catalog.Shots;
using InterPositive.Formats.Cdl;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Post;
using InterPositive.Sync.Publishing;
using InterPositive.Sync.Schemas;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
using MQTTnet;
using MQTTnet.Protocol;

namespace InterPositive.Sync.Tests;

/// <summary>The contract at both ends: what the publisher sends validates against the schemas, and the receiver quarantines what does not.</summary>
[Trait("Category", "Integration")]
public sealed class ContractEnforcementTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Every_message_the_publisher_sends_through_mosquitto_validates_against_the_published_schemas()
    {
        using var folder = new TempFolder();
        await using var broker = await MosquittoBroker.StartPrivateAsync();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        // Every kind the appliance sends: card and shots (lighting, look, previews as the relight stage stores them),
        // offload and alert events, a look set and one cleared, a lighting update with its alert events.
        SyncFixtures.AddCard(catalog, "A001R1AB", clips: 3);
        catalog.Write(tx => ShotRecords.EnqueueEvent(tx, "offload-finished", """{"cardId":"A001R1AB","name":"A001R1AB","status":"verified","safeToFormat":true,"files":3,"bytes":3000000,"seconds":1.5,"reReadMode":"direct","failure":null,"error":null,"destinations":[{"path":"/raid/A001R1AB","status":"verified","filesVerified":3,"bytesVerified":3000000,"mhlManifest":"ascmhl/0001.mhl","error":null}]}"""));
        Assert.True(LookStore.Set(catalog, "A001R1AB/A001C002_261125_R1AB", new Cdl("grade", new CdlTriple(0.00001, 1, 1.2), new CdlTriple(0.01, 0, -0.01), CdlTriple.One, 0.8), "day1.ccc"));
        Assert.True(LookStore.Set(catalog, "A001R1AB/A001C003_261125_R1AB", null, null));
        LightingStore.Save(catalog, "A001R1AB/A001C001_261125_R1AB", SyncFixtures.LightingJson, """[{"kind":"cct","message":"400 K warmer than take 1","referenceClip":"A001R1AB/A001C002_261125_R1AB","delta":400,"threshold":150}]""",
            [(LightingStore.ContinuityEvent, """{"clipId":"A001R1AB/A001C001_261125_R1AB","kind":"cct","message":"400 K warmer than take 1","referenceClip":"A001R1AB/A001C002_261125_R1AB","delta":400,"threshold":150}""")]);
        var entries = catalog.Outbox.ReadAfter(0, 1000);
        Assert.Equal(["cards", "shots", "events"], entries.Select(e => e.Kind).Distinct());

        var captured = new ConcurrentQueue<(string Topic, byte[] Payload)>();
        var factory = new MqttClientFactory();
        using var listener = factory.CreateMqttClient();
        listener.ApplicationMessageReceivedAsync += e =>
        {
            captured.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await listener.ConnectAsync(BrokerEndpoint.Parse(broker.Url).CreateOptions("capture").Build());
        await listener.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(SyncIdentity.DefaultRoot + "/#").WithAtLeastOnceQoS()).Build());

        await using (var publisher = new OutboxPublisher(catalog, MosquittoFaultTests.PublisherOptions(broker.Url), TimeProvider.System, SyncFixtures.Log))
        {
            Assert.Equal(entries.Count, await publisher.RunAsync(untilEmpty: true, CancellationToken.None).WaitAsync(Bound));
        }

        await SyncFixtures.WaitUntilAsync(
            () => Task.FromResult(captured.Count(c => !c.Topic.EndsWith("/status", StringComparison.Ordinal)) >= entries.Count && captured.Any(c => c.Topic.EndsWith("/status", StringComparison.Ordinal))),
            Bound,
            () => Task.FromResult($"captured {captured.Count} of {entries.Count} messages and a status"));

        var validator = ContractValidator.Instance;
        foreach (var (topic, payload) in captured)
        {
            using var document = JsonDocument.Parse(payload);
            if (topic.EndsWith("/status", StringComparison.Ordinal))
            {
                Assert.Null(validator.Check(document.RootElement, ContractSchemas.Status));
                continue;
            }

            Assert.True(validator.Check(document.RootElement) is null, $"{topic}: {validator.Check(document.RootElement)}");
            var envelope = Envelope.Read(payload, topic, SyncIdentity.DefaultRoot);
            Assert.Equal(Envelope.SchemaVersion, envelope.SchemaVersion);
        }

        // The look set through the store travels in the shot record with the six-decimal-safe values it was given.
        var lookShot = captured.Where(c => c.Topic.EndsWith("A001C002_261125_R1AB", StringComparison.Ordinal))
            .Select(c => Envelope.Read(c.Payload, c.Topic, SyncIdentity.DefaultRoot)).MaxBy(e => e.Sequence)!;
        var cdl = lookShot.Body.GetProperty("look").GetProperty("cdl");
        Assert.Equal(0.00001, cdl.GetProperty("slope")[0].GetDouble());
        Assert.Equal("day1.ccc", lookShot.Body.GetProperty("look").GetProperty("source").GetString());
        var cleared = captured.Where(c => c.Topic.EndsWith("A001C003_261125_R1AB", StringComparison.Ordinal))
            .Select(c => Envelope.Read(c.Payload, c.Topic, SyncIdentity.DefaultRoot)).MaxBy(e => e.Sequence)!;
        Assert.Equal(JsonValueKind.Null, cleared.Body.GetProperty("look").ValueKind);
        Assert.NotEmpty(cleared.Body.GetProperty("previews").EnumerateArray());
    }

    public static TheoryData<string> Stores => new() { "litedb", "postgresql" };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Invalid_and_unknown_version_messages_are_quarantined_acknowledged_and_never_stored_as_shots(string kind)
    {
        using var folder = new TempFolder();
        await using var postgres = kind == "postgresql" ? await PostgresServer.StartAsync() : null;
        await using var broker = await SyncFixtures.StartEmbeddedAsync();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        SyncFixtures.AddCard(catalog, "A001R1AB", clips: 2);
        var entries = catalog.Outbox.ReadAfter(0, 100);
        await using var store = await PostStores.OpenAsync(postgres?.Url ?? folder.Combine("post.db"), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var endpoint = $"mqtt://127.0.0.1:{broker.Port}";
        // A post receiver reads a named production: the embedded broker refuses a wildcard at the production level.
        await using var receiver = new PostReceiver(store, MosquittoFaultTests.ReceiverOptions(endpoint) with { Production = SyncFixtures.Identity.Production }, TimeProvider.System, SyncFixtures.Log);
        var receiving = receiver.RunAsync(stop.Token);
        await receiver.Subscribed.WaitAsync(Bound);

        var identity = SyncFixtures.Identity;
        var factory = new MqttClientFactory();
        using var injector = factory.CreateMqttClient();
        // Bad messages arrive as if from the appliance itself: only its own account may publish under its prefix.
        var account = SyncFixtures.ApplianceAccount;
        await injector.ConnectAsync(BrokerEndpoint.Parse($"mqtt://{account.Username}:{account.Password}@127.0.0.1:{broker.Port}").CreateOptions("injector").Build());

        // A shot whose hash is right and whose body is 5: the old receiver stored it and every later export failed.
        var five = new OutboxEntry { Sequence = 10, MessageId = Guid.CreateVersion7().ToString("D"), Kind = "shots", Key = "A001R1AB/A001C009_261125_R1AB", Body = "5", Retained = true, CreatedAt = DateTimeOffset.UnixEpoch };
        await Publish(injector, identity.Topic(five.Kind, five.Key), Envelope.ToBytes(identity, five, DateTimeOffset.UnixEpoch));
        // A shot whose previews are an object, as the 1.0 publisher sent them.
        var objectPreviews = new OutboxEntry { Sequence = 11, MessageId = Guid.CreateVersion7().ToString("D"), Kind = "shots", Key = entries[1].Key, Body = entries[1].Body.Replace("\"previews\":[", "\"previews\":{\"previews\":[", StringComparison.Ordinal).Replace("],\"alerts\"", "]},\"alerts\"", StringComparison.Ordinal), Retained = true, CreatedAt = DateTimeOffset.UnixEpoch };
        await Publish(injector, identity.Topic(objectPreviews.Kind, objectPreviews.Key), Envelope.ToBytes(identity, objectPreviews, DateTimeOffset.UnixEpoch));
        // A version this receiver does not know.
        var future = new OutboxEntry { Sequence = 12, MessageId = Guid.CreateVersion7().ToString("D"), Kind = "cards", Key = "A001R1AB", Body = entries[0].Body, Retained = true, CreatedAt = DateTimeOffset.UnixEpoch };
        await Publish(injector, identity.Topic(future.Kind, future.Key), WithVersion(Envelope.ToBytes(identity, future, DateTimeOffset.UnixEpoch), "1.9"));
        // Then the real traffic, the first shot as a 1.0 appliance wrote it: accepted.
        await Publish(injector, identity.Topic(entries[0].Kind, entries[0].Key), Envelope.ToBytes(identity, entries[0], DateTimeOffset.UnixEpoch));
        await Publish(injector, identity.Topic(entries[1].Kind, entries[1].Key), WithVersion(Envelope.ToBytes(identity, entries[1], DateTimeOffset.UnixEpoch), "1.0"));
        await Publish(injector, identity.Topic(entries[2].Kind, entries[2].Key), Envelope.ToBytes(identity, entries[2], DateTimeOffset.UnixEpoch));

        await SyncFixtures.WaitUntilAsync(
            () => Task.FromResult(receiver.Stored >= 3 && receiver.Rejected >= 3),
            Bound,
            () => Task.FromResult($"stored {receiver.Stored}, quarantined {receiver.Rejected}"));
        var counts = await store.CountsAsync(CancellationToken.None);
        Assert.Equal((2L, 1L, 3L), (counts.Shots, counts.Cards, counts.Messages));
        Assert.DoesNotContain(await store.ShotsAsync(CancellationToken.None), s => s.ClipId == five.Key);
        var reasons = (await store.RejectsAsync(CancellationToken.None)).ToDictionary(r => r.Reason, r => r.Count);
        Assert.Equal(2, reasons[RejectReason.Malformed]);
        Assert.Equal(1, reasons[RejectReason.UnknownVersion]);
        var quarantined = await store.QuarantinedAsync(10, CancellationToken.None);
        Assert.Equal(3, quarantined.Count);
        Assert.Contains(quarantined, q => q.Topic.EndsWith("A001C009_261125_R1AB", StringComparison.Ordinal) && q.Detail.Contains("/body", StringComparison.Ordinal));
        Assert.Contains(quarantined, q => q.Detail.Contains("/body/previews", StringComparison.Ordinal));
        Assert.Contains(quarantined, q => q.Reason == RejectReason.UnknownVersion && q.Detail.Contains("1.9", StringComparison.Ordinal));

        // The export works on what was stored: nothing skipped, both shots there.
        var export = PostExport.Export(folder.Combine("exports"), await store.ShotsAsync(CancellationToken.None));
        Assert.Empty(export.Skipped);
        Assert.Contains(export.Written, w => w.EndsWith(".csv", StringComparison.Ordinal));
        await stop.CancelAsync();
        await receiving;
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void The_contract_knows_its_versions_and_refuses_others_by_name()
    {
        var entry = new OutboxEntry { Sequence = 1, MessageId = "019ab3c4-0000-7000-8000-000000000001", Kind = "cards", Key = "A001", Body = """{"cardId":"A001"}""", Retained = true, CreatedAt = DateTimeOffset.UnixEpoch };
        var topic = SyncFixtures.Identity.Topic("cards", "A001");
        var error = Assert.Throws<UnknownVersionException>(() => Envelope.Read(WithVersion(Envelope.ToBytes(SyncFixtures.Identity, entry, DateTimeOffset.UnixEpoch), "2.0"), topic, SyncIdentity.DefaultRoot));
        Assert.Contains("2.0", error.Message, StringComparison.Ordinal);
        Assert.Equal(["1.0", "1.1"], Envelope.KnownVersions);
        Assert.Equal("1.1", Envelope.SchemaVersion);
        using var schema = JsonDocument.Parse(ContractSchemas.Read(ContractSchemas.Envelope));
        Assert.Equal(Envelope.KnownVersions, schema.RootElement.GetProperty("properties").GetProperty("schemaVersion").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
    }

    private static byte[] WithVersion(byte[] payload, string version) =>
        Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(payload).Replace("\"schemaVersion\":\"" + Envelope.SchemaVersion + "\"", "\"schemaVersion\":\"" + version + "\"", StringComparison.Ordinal));

    private static Task Publish(IMqttClient client, string topic, byte[] payload) => client.PublishAsync(new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(payload)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build());
}
