using System.Text.Json.Serialization;

namespace InterPositive.Offload;

/// <summary>One destination in an offload event.</summary>
public sealed record CardDestinationStatus(string Path, string Status, int FilesVerified, long BytesVerified, string? MhlManifest, string? Error);

/// <summary>The event raised when an offload ends (<c>offload-finished</c> or <c>verify-failed</c>).</summary>
public sealed record OffloadEvent(string CardId, string Name, string Status, bool SafeToFormat, int Files, long Bytes, double Seconds, string ReReadMode, string? Failure, string? Error, IReadOnlyList<CardDestinationStatus> Destinations);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(OffloadResult))]
[JsonSerializable(typeof(VerifyReport))]
[JsonSerializable(typeof(OffloadEvent))]
public sealed partial class OffloadJsonContext : JsonSerializerContext;

/// <summary>Compact (one-line) bodies for the outbox.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OffloadEvent))]
internal sealed partial class OffloadMessageJsonContext : JsonSerializerContext;

/// <summary>Compact progress lines (<c>offload --progress json</c>), one object per line.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OffloadProgress))]
public sealed partial class OffloadProgressJsonContext : JsonSerializerContext;
