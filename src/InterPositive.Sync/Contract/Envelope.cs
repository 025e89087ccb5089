using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using InterPositive.Catalog;
using InterPositive.Formats;

namespace InterPositive.Sync.Contract;

/// <summary>
/// The JSON envelope every outbox message travels in (contract v1, see Schemas/CONTRACT.md). <see cref="Body"/> is the
/// message itself; <see cref="Sha256"/> is the lower-case hex SHA-256 of the body's canonical form: its UTF-8 bytes
/// exactly as they appear in the envelope, compact JSON as the appliance stored it.
/// </summary>
public sealed record MessageEnvelope(
    string SchemaVersion,
    string MessageId,
    long Sequence,
    DateTimeOffset CreatedAt,
    DateTimeOffset SentAt,
    string Production,
    string Unit,
    string Appliance,
    string Kind,
    string Key,
    bool Retained,
    string Sha256,
    JsonElement Body);

/// <summary>Writes and reads envelopes. Pure: bytes in, bytes out.</summary>
public static class Envelope
{
    /// <summary>The contract version this code writes; receivers accept any 1.x.</summary>
    public const string SchemaVersion = "1.0";

    /// <summary>Receivers reject payloads above this size unless configured otherwise (1 MiB).</summary>
    public const int DefaultMaxPayloadBytes = 1024 * 1024;

    /// <summary>Writes the envelope of <paramref name="entry"/> into <paramref name="output"/> (compact UTF-8 JSON).</summary>
    public static void Write(IBufferWriter<byte> output, SyncIdentity identity, OutboxEntry entry, DateTimeOffset sentAt)
    {
        var bodyBytes = System.Text.Encoding.UTF8.GetBytes(entry.Body);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bodyBytes, hash);
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("schemaVersion", SchemaVersion);
        writer.WriteString("messageId", entry.MessageId);
        writer.WriteNumber("sequence", entry.Sequence);
        writer.WriteString("createdAt", entry.CreatedAt);
        writer.WriteString("sentAt", sentAt);
        writer.WriteString("production", identity.Production);
        writer.WriteString("unit", identity.Unit);
        writer.WriteString("appliance", identity.Appliance);
        writer.WriteString("kind", entry.Kind);
        writer.WriteString("key", entry.Key);
        writer.WriteBoolean("retained", entry.Retained);
        writer.WriteString("sha256", Convert.ToHexStringLower(hash));
        writer.WritePropertyName("body");
        // Raw, so the bytes hashed are the bytes sent; the writer still validates that they are one JSON value.
        writer.WriteRawValue(bodyBytes, skipInputValidation: false);
        writer.WriteEndObject();
    }

    /// <summary>The envelope of <paramref name="entry"/> as bytes.</summary>
    public static byte[] ToBytes(SyncIdentity identity, OutboxEntry entry, DateTimeOffset sentAt)
    {
        var buffer = new ArrayBufferWriter<byte>(entry.Body.Length + 512);
        Write(buffer, identity, entry, sentAt);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads and checks an envelope received on <paramref name="topic"/>: size, JSON, required fields, version, the
    /// body hash, and that the topic agrees with the envelope. Throws <see cref="MalformedInputException"/> naming the
    /// topic and the field; <see cref="IntegrityException"/> when the body does not match its hash.
    /// </summary>
    public static MessageEnvelope Read(ReadOnlyMemory<byte> payload, string topic, string root, int maxPayloadBytes = DefaultMaxPayloadBytes)
    {
        if (payload.Length > maxPayloadBytes)
        {
            throw new OversizeMessageException(
                string.Create(CultureInfo.InvariantCulture, $"payload of {payload.Length} bytes is over the {maxPayloadBytes}-byte limit"), topic);
        }

        MessageEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(payload.Span, SyncJsonContext.Default.MessageEnvelope);
        }
        catch (JsonException error)
        {
            throw new MalformedInputException($"not a message envelope: {error.Message}", topic, error.BytePositionInLine, error.Path, error);
        }

        if (envelope is null)
        {
            throw new MalformedInputException("empty envelope", topic);
        }

        Require(envelope.SchemaVersion, "schemaVersion", topic);
        if (!envelope.SchemaVersion.StartsWith("1.", StringComparison.Ordinal))
        {
            throw new MalformedInputException($"schema version {envelope.SchemaVersion} is not 1.x", topic, field: "schemaVersion");
        }

        if (!Guid.TryParse(envelope.MessageId, out _))
        {
            throw new MalformedInputException("messageId is not a UUID", topic, field: "messageId");
        }

        if (envelope.Sequence < 1)
        {
            throw new MalformedInputException("sequence must be 1 or more", topic, field: "sequence");
        }

        Require(envelope.Kind, "kind", topic);
        Require(envelope.Key, "key", topic);
        if (envelope.Body.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            throw new MalformedInputException("body is missing", topic, field: "body");
        }

        if (envelope.Sha256 is not { Length: 64 })
        {
            throw new MalformedInputException("sha256 is not 64 hex digits", topic, field: "sha256");
        }

        var parts = Topics.Parse(root, topic)
            ?? throw new MalformedInputException($"topic is not under {root}/{{production}}/{{unit}}/{{appliance}}/", topic);
        if (!SyncIdentity.IsValidName(envelope.Production) || !SyncIdentity.IsValidName(envelope.Unit) || !SyncIdentity.IsValidName(envelope.Appliance))
        {
            throw new MalformedInputException("production, unit or appliance is not a valid name", topic, field: "production");
        }

        if (parts.Production != envelope.Production)
        {
            // A message that names another production than the topic it was published on is trying to cross the ACLs.
            throw new ForeignProductionException($"envelope of production {envelope.Production} on a topic of production {parts.Production}", topic);
        }

        if (parts.Unit != envelope.Unit || parts.Appliance != envelope.Appliance || parts.Kind != envelope.Kind || parts.Key != envelope.Key)
        {
            throw new MalformedInputException("the topic and the envelope disagree on who sent it or what it is", topic, field: "topic");
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(JsonMarshal.GetRawUtf8Value(envelope.Body), hash);
        if (!Convert.ToHexStringLower(hash).Equals(envelope.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new IntegrityException("body does not match its sha256", topic);
        }

        return envelope;
    }

    /// <summary>The body's canonical JSON text.</summary>
    public static string BodyText(MessageEnvelope envelope) => System.Text.Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(envelope.Body));

    private static void Require(string? value, string field, string topic)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new MalformedInputException($"{field} is missing", topic, field: field);
        }
    }
}

/// <summary>A message whose body does not match its hash: corrupted on the way, or tampered with.</summary>
public sealed class IntegrityException(string cause, string source) : Exception($"{source}: {cause}")
{
    public string SourceName { get; } = source;
}

/// <summary>A message of a production the receiver does not take, or whose envelope and topic name different productions.</summary>
public sealed class ForeignProductionException(string cause, string source) : Exception($"{source}: {cause}")
{
    public string SourceName { get; } = source;
}

/// <summary>A payload over the receiver's size limit.</summary>
public sealed class OversizeMessageException(string cause, string source) : Exception($"{source}: {cause}")
{
    public string SourceName { get; } = source;
}

/// <summary>The retained online/offline record on <c>.../status</c> (the offline one is the connection's last will).</summary>
public sealed record ApplianceStatus(string SchemaVersion, string Production, string Unit, string Appliance, string State, DateTimeOffset? Since);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(MessageEnvelope))]
[JsonSerializable(typeof(ApplianceStatus))]
public sealed partial class SyncJsonContext : JsonSerializerContext;
