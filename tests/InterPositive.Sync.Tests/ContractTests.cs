using System.Text;
using System.Text.Json;
using CsCheck;
using InterPositive.Catalog;
using InterPositive.Catalog.Shots;
using InterPositive.Formats;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Schemas;
using InterPositive.Testing;
using Json.Schema;
using Microsoft.Extensions.Time.Testing;

namespace InterPositive.Sync.Tests;

[Trait("Category", "Unit")]
public sealed class ContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<JsonSchema> EnvelopeSchema = new(() =>
    {
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        JsonSchema? envelope = null;
        foreach (var name in ContractSchemas.All)
        {
            var schema = JsonSchema.FromText(ContractSchemas.Read(name), options);
            if (name == ContractSchemas.Envelope)
            {
                envelope = schema;
            }
        }

        return envelope!;
    });

    [Fact]
    public void Keys_with_topic_syntax_become_one_level_and_come_back()
    {
        Assert.Equal("A002R2EC%2FA002C006_141024_R2EC", Topics.EncodeKey("A002R2EC/A002C006_141024_R2EC"));
        var identity = SyncFixtures.Identity;
        var topic = identity.Topic("shots", "A002R2EC/A002C006+#");
        Assert.Equal("interpositive/v1/feature/main/cart-a/shots/A002R2EC%2FA002C006%2B%23", topic);
        var parts = Topics.Parse(identity.Root, topic);
        Assert.NotNull(parts);
        Assert.Equal(("feature", "main", "cart-a", "shots", "A002R2EC/A002C006+#"), (parts.Production, parts.Unit, parts.Appliance, parts.Kind, parts.Key));

        Gen.String.Sample(key =>
        {
            var encoded = Topics.EncodeKey(key);
            Assert.DoesNotContain('/', encoded);
            Assert.DoesNotContain('+', encoded);
            Assert.DoesNotContain('#', encoded);
            Assert.Equal(key, Topics.DecodeKey(encoded));
        }, iter: 2000);
    }

    [Fact]
    public void Identity_names_are_single_safe_levels()
    {
        Assert.Throws<ArgumentException>(() => new SyncIdentity("a/b", "main", "x"));
        Assert.Throws<ArgumentException>(() => new SyncIdentity("feature", "+", "x"));
        Assert.Throws<ArgumentException>(() => new SyncIdentity("feature", "main", "x", "root/#"));
        Assert.Equal("studio/v1/feature/main/x/status", new SyncIdentity("feature", "main", "x", "/studio/v1/").StatusTopic);
    }

    [Fact]
    public void Shot_and_card_messages_built_from_the_catalog_validate_against_the_schemas_and_read_back()
    {
        using var folder = new TempFolder();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), new FakeTimeProvider(T0));
        SyncFixtures.AddCard(catalog, "A001R1AB", clips: 2);
        catalog.Write(tx => ShotRecords.EnqueueEvent(tx, "offload-finished", """{"cardId":"A001R1AB","status":"verified","files":2}"""));
        var entries = catalog.Outbox.ReadAfter(0, 100);
        Assert.Equal(["cards", "shots", "shots", "events"], entries.Select(e => e.Kind));

        foreach (var entry in entries)
        {
            var bytes = Envelope.ToBytes(SyncFixtures.Identity, entry, T0.AddSeconds(1));
            using var document = JsonDocument.Parse(bytes);
            var result = EnvelopeSchema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{entry.Kind}/{entry.Key}: {Describe(result)}");

            var topic = SyncFixtures.Identity.Topic(entry.Kind, entry.Key);
            var envelope = Envelope.Read(bytes, topic, SyncFixtures.Identity.Root);
            Assert.Equal(entry.MessageId, envelope.MessageId);
            Assert.Equal(entry.Sequence, envelope.Sequence);
            Assert.Equal(entry.Body, Envelope.BodyText(envelope));
        }

        using var shot = JsonDocument.Parse(entries[1].Body);
        var root = shot.RootElement;
        Assert.Equal(JsonValueKind.Object, root.GetProperty("clip").ValueKind);
        Assert.Equal("ARRIRAW", root.GetProperty("clip").GetProperty("codec").GetString());
        Assert.Equal("verified", root.GetProperty("offload").GetProperty("status").GetString());
        Assert.True(root.GetProperty("offload").GetProperty("safeToFormat").GetBoolean());
        Assert.Equal(5600, root.GetProperty("lighting").GetProperty("light").GetProperty("cct").GetInt32());
        Assert.Equal(0.9, root.GetProperty("look").GetProperty("cdl").GetProperty("saturation").GetDouble());
        Assert.Equal("day1.ccc", root.GetProperty("look").GetProperty("source").GetString());

        // The relight stage stores its preview set as an object; the contract's previews are its entries, as an array.
        var previews = root.GetProperty("previews");
        Assert.Equal(JsonValueKind.Array, previews.ValueKind);
        Assert.Equal(["warm", "key-left"], previews.EnumerateArray().Select(p => p.GetProperty("preset").GetString()));
        Assert.Equal("interpositive-relight", previews[1].GetProperty("model").GetString());
        Assert.EndsWith("key-left.mp4", previews[1].GetProperty("clip").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_accepted_match_rides_with_the_shot_record_and_validates()
    {
        using var folder = new TempFolder();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), new FakeTimeProvider(T0));
        SyncFixtures.AddCard(catalog, "A001R1AB", clips: 2);
        var clipId = catalog.Outbox.ReadAfter(0, 100).First(e => e.Kind == "shots").Key;
        var adjustment = $$$"""{"referenceClip":"{{{clipId}}}-ref","changes":{"fromKelvin":3800,"toKelvin":5200,"exposureStops":0.5,"key":null,"lightingFrom":"catalog"},"before":{"cctK":-1400},"after":{"cctK":3}}""";
        InterPositive.Catalog.Looks.MatchStore.Offer(catalog, clipId, clipId + "-ref", adjustment, null);
        var offered = catalog.Outbox.LastSequence();
        InterPositive.Catalog.Looks.MatchStore.Decide(catalog, clipId, accept: true);
        var entry = Assert.Single(catalog.Outbox.ReadAfter(offered, 100));
        using var document = JsonDocument.Parse(Envelope.ToBytes(SyncFixtures.Identity, entry, T0.AddSeconds(1)));
        var result = EnvelopeSchema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, Describe(result));
        using var shot = JsonDocument.Parse(entry.Body);
        Assert.Equal(5200, shot.RootElement.GetProperty("match").GetProperty("adjustment").GetProperty("changes").GetProperty("toKelvin").GetInt32());
    }

    [Fact]
    public void A_schema_rejects_a_shot_without_its_clip_record()
    {
        using var folder = new TempFolder();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), new FakeTimeProvider(T0));
        var entry = catalog.Write(tx => tx.Enqueue(new OutboxMessage("shots", "A001/C001", """{"clipId":"A001/C001"}""", Retained: true)));
        using var document = JsonDocument.Parse(Envelope.ToBytes(SyncFixtures.Identity, entry, T0));
        Assert.False(EnvelopeSchema.Value.Evaluate(document.RootElement).IsValid);
    }

    [Fact]
    public void A_changed_body_fails_its_hash()
    {
        var entry = Entry("""{"cardId":"A001","status":"verified"}""");
        var bytes = Encoding.UTF8.GetString(Envelope.ToBytes(SyncFixtures.Identity, entry, T0)).Replace("verified", "failed!!", StringComparison.Ordinal);
        var error = Assert.Throws<IntegrityException>(() => Envelope.Read(Encoding.UTF8.GetBytes(bytes), Topic(entry), SyncFixtures.Identity.Root));
        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "not a message envelope")]
    [InlineData("[]", "not a message envelope")]
    [InlineData("""{"schemaVersion":"1.0"}""", "not a message envelope")]
    [InlineData("""{"schemaVersion":"1.0","messageId":"nope","sequence":1,"createdAt":"2026-11-25T09:00:00Z","sentAt":"2026-11-25T09:00:00Z","production":"feature","unit":"main","appliance":"cart-a","kind":"cards","key":"A001","retained":true,"sha256":"00","body":{}}""", "messageId")]
    [InlineData("""{"schemaVersion":"1.0","messageId":"019ab3c4-0000-7000-8000-000000000001","sequence":0,"createdAt":"2026-11-25T09:00:00Z","sentAt":"2026-11-25T09:00:00Z","production":"feature","unit":"main","appliance":"cart-a","kind":"cards","key":"A001","retained":true,"sha256":"00","body":{}}""", "sequence")]
    public void Malformed_envelopes_are_reported_with_the_topic(string payload, string expected)
    {
        var error = Assert.Throws<MalformedInputException>(() => Envelope.Read(Encoding.UTF8.GetBytes(payload), "interpositive/v1/feature/main/cart-a/cards/A001", SyncIdentity.DefaultRoot));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("interpositive/v1/feature/main/cart-a/cards/A001", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_topic_that_disagrees_with_the_envelope_is_malformed()
    {
        var entry = Entry("""{"n":1}""");
        var bytes = Envelope.ToBytes(SyncFixtures.Identity, entry, T0);
        var error = Assert.Throws<MalformedInputException>(() => Envelope.Read(bytes, "interpositive/v1/feature/second/cart-a/cards/A001", SyncIdentity.DefaultRoot));
        Assert.Equal("topic", error.Field);
        Assert.Throws<MalformedInputException>(() => Envelope.Read(bytes, "interpositive/v1/feature/main/cart-a/shots/A001", SyncIdentity.DefaultRoot));
    }

    [Fact]
    public void An_envelope_of_another_production_than_its_topic_is_foreign()
    {
        var bytes = Envelope.ToBytes(SyncFixtures.Identity, Entry("""{"n":1}"""), T0);
        Assert.Throws<ForeignProductionException>(() => Envelope.Read(bytes, "interpositive/v1/commercial/main/cart-a/cards/A001", SyncIdentity.DefaultRoot));
    }

    [Fact]
    public void Oversize_payloads_are_refused_before_parsing()
    {
        var payload = new byte[2048];
        Assert.Throws<OversizeMessageException>(() => Envelope.Read(payload, "t", SyncIdentity.DefaultRoot, maxPayloadBytes: 1024));
    }

    [Fact]
    public void Random_and_mutated_payloads_only_ever_fail_as_bad_input()
    {
        var valid = Envelope.ToBytes(SyncFixtures.Identity, Entry("""{"cardId":"A001","n":[1,2,3]}"""), T0);
        var topic = "interpositive/v1/feature/main/cart-a/cards/A001";
        var mutations = Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, (at, value) => (at, value));
        mutations.Sample(m =>
        {
            var copy = (byte[])valid.Clone();
            copy[m.at] = m.value;
            Expect(copy, topic);
        }, iter: 3000);
        Gen.Byte.Array[0, 600].Sample(bytes => Expect(bytes, topic), iter: 2000);
    }

    private static void Expect(byte[] payload, string topic)
    {
        try
        {
            Envelope.Read(payload, topic, SyncIdentity.DefaultRoot);
        }
        catch (MalformedInputException)
        {
        }
        catch (IntegrityException)
        {
        }
        catch (ForeignProductionException)
        {
        }
        catch (UnknownVersionException)
        {
        }
    }

    private static OutboxEntry Entry(string body) => new()
    {
        Sequence = 7,
        MessageId = "019ab3c4-0000-7000-8000-000000000007",
        Kind = "cards",
        Key = "A001",
        Body = body,
        Retained = true,
        CreatedAt = T0,
    };

    private static string Topic(OutboxEntry entry) => SyncFixtures.Identity.Topic(entry.Kind, entry.Key);

    private static string Describe(EvaluationResults result) =>
        string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
}
