using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using InterPositive.Catalog;
using InterPositive.Formats;
using InterPositive.Sync.Schemas;

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
    /// <summary>The contract version this code writes (1.1: typed previews, alerts, events and the look's source).</summary>
    public const string SchemaVersion = "1.1";

    /// <summary>The contract versions this code reads; a receiver quarantines any other rather than guess at it.</summary>
    public static IReadOnlyList<string> KnownVersions { get; } = ["1.0", "1.1"];

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
    /// Reads and checks an envelope received on <paramref name="topic"/>: size, JSON, a contract version this code knows,
    /// the contract's JSON Schemas (envelope and body: the published files are the only definition of valid), that the
    /// topic agrees with the envelope, and the body hash. Throws <see cref="OversizeMessageException"/>,
    /// <see cref="UnknownVersionException"/>, <see cref="MalformedInputException"/> naming the topic and the field,
    /// <see cref="ForeignProductionException"/>, or <see cref="IntegrityException"/> when the body does not match its hash.
    /// </summary>
    public static MessageEnvelope Read(ReadOnlyMemory<byte> payload, string topic, string root, int maxPayloadBytes = DefaultMaxPayloadBytes)
    {
        if (payload.Length > maxPayloadBytes)
        {
            throw new OversizeMessageException(
                string.Create(CultureInfo.InvariantCulture, $"payload of {payload.Length} bytes is over the {maxPayloadBytes}-byte limit"), topic);
        }

        if (!System.Text.Unicode.Utf8.IsValid(payload.Span))
        {
            throw new MalformedInputException("not a message envelope: the payload is not UTF-8", topic);
        }

        using var document = ParseJson(payload, topic);
        var element = document.RootElement;
        if (element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty("schemaVersion", out var version) && version.ValueKind == JsonValueKind.String
            && !KnownVersions.Contains(version.GetString()!))
        {
            throw new UnknownVersionException($"schema version {version.GetString()} is not one this receiver knows ({string.Join(", ", KnownVersions)})", topic);
        }

        var parts = Topics.Parse(root, topic)
            ?? throw new MalformedInputException($"topic is not under {root}/{{production}}/{{unit}}/{{appliance}}/", topic);

        // Who sent it and whether it arrived intact come before its form, so a changed byte reads as corruption, a
        // smuggled production as foreign and a misfiled message as misfiled, not as a schema violation.
        if (Text(element, "production") is { } claimed && claimed != parts.Production)
        {
            // A message that names another production than the topic it was published on is trying to cross the ACLs.
            throw new ForeignProductionException($"envelope of production {claimed} on a topic of production {parts.Production}", topic);
        }

        if ((Text(element, "unit") is { } unit && unit != parts.Unit) || (Text(element, "appliance") is { } appliance && appliance != parts.Appliance)
            || (Text(element, "kind") is { } kind && kind != parts.Kind) || (Text(element, "key") is { } key && key != parts.Key))
        {
            throw new MalformedInputException("the topic and the envelope disagree on who sent it or what it is", topic, field: "topic");
        }

        if (Text(element, "sha256") is { Length: 64 } sha256 && element.TryGetProperty("body", out var rawBody))
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(JsonMarshal.GetRawUtf8Value(rawBody), hash);
            if (!Convert.ToHexStringLower(hash).Equals(sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new IntegrityException("body does not match its sha256", topic);
            }
        }

        if (ContractValidator.Instance.Check(element) is { } violation)
        {
            throw new MalformedInputException("not a message envelope of the contract: " + violation, topic, field: FirstLocation(violation));
        }

        // The schema has checked every field's presence and form. Deserialised from the payload, not the document, so
        // the body outlives this method's parse.
        try
        {
            return JsonSerializer.Deserialize(payload.Span, SyncJsonContext.Default.MessageEnvelope)
                ?? throw new MalformedInputException("empty envelope", topic);
        }
        catch (JsonException error)
        {
            throw new MalformedInputException($"not a message envelope: {error.Message}", topic, error.BytePositionInLine, error.Path, error);
        }
    }

    /// <summary>The body's canonical JSON text.</summary>
    public static string BodyText(MessageEnvelope envelope) => System.Text.Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(envelope.Body));

    private static JsonDocument ParseJson(ReadOnlyMemory<byte> payload, string topic)
    {
        try
        {
            return JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException error)
        {
            throw new MalformedInputException($"not a message envelope: {error.Message}", topic, error.BytePositionInLine, error.Path, error);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string FirstLocation(string violation)
    {
        var colon = violation.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 ? "/" : violation[..colon];
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

/// <summary>An envelope of a contract version this receiver does not know.</summary>
public sealed class UnknownVersionException(string cause, string source) : Exception($"{source}: {cause}")
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
