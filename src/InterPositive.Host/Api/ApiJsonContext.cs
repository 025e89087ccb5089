using System.Text.Json;
using System.Text.Json.Serialization;

namespace InterPositive.Host.Api;

public sealed record ApiError(string Error);

public sealed record CardSummary(
    string Id,
    string Name,
    string SourcePath,
    string? CameraFamily,
    string Status,
    bool SafeToFormat,
    int FileCount,
    long TotalBytes,
    IReadOnlyList<DestinationSummary> Destinations,
    IReadOnlyList<LinkSummary> Links,
    DateTimeOffset UpdatedAt);

public sealed record DestinationSummary(string Path, string Status, int FilesVerified, long BytesVerified, string? MhlManifest, string? Error, IReadOnlyList<string> LinksLeftOut);

/// <summary>A link on the card as written there, and whether it resolves inside the card (only those are recreated).</summary>
public sealed record LinkSummary(string Path, string Target, bool InsideCard);

public sealed record ClipSummary(string Id, string CardId, string Path, string? Reel, string? Scene, string? Take, string? Camera, JsonElement Clip, JsonElement? Lighting, JsonElement? Look, JsonElement? Alerts);

public sealed record ListResponse<T>(IReadOnlyList<T> Items);

public sealed record SyncStatus(long LastSequence, int Backlog, DateTimeOffset? OldestPending, string? Broker, bool Connected, IReadOnlyList<InterPositive.Sync.Publishing.PublisherStatus> Sinks);

public sealed record SignInResponse(string Role, DateTimeOffset? ExpiresAt);

public sealed record CreateToken(string Role, string? Name, bool SignIn);

public sealed record StartOffload(string Source, string? Name);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(CardSummary))]
[JsonSerializable(typeof(ListResponse<CardSummary>))]
[JsonSerializable(typeof(ClipSummary))]
[JsonSerializable(typeof(ListResponse<ClipSummary>))]
[JsonSerializable(typeof(SyncStatus))]
[JsonSerializable(typeof(SignInResponse))]
[JsonSerializable(typeof(ListResponse<InterPositive.Host.Service.Ingest.OffloadJobState>))]
[JsonSerializable(typeof(InterPositive.Host.Service.Ingest.OffloadJobState))]
[JsonSerializable(typeof(StartOffload))]
[JsonSerializable(typeof(CreateToken))]
[JsonSerializable(typeof(CreatedToken))]
[JsonSerializable(typeof(TokenInfo))]
[JsonSerializable(typeof(ListResponse<TokenInfo>))]
[JsonSerializable(typeof(MatchSummary))]
[JsonSerializable(typeof(ListResponse<InterPositive.Host.Service.FeedLive>))]
[JsonSerializable(typeof(ListResponse<InterPositive.Host.Service.SensorLive>))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
