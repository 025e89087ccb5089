using System.Text.Json.Serialization;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Publishing;

namespace InterPositive.Sync;

/// <summary>
/// Identity and broker settings shared by the CLI verbs and the service, read from options with environment fallbacks
/// (<c>INTERPOSITIVE_PRODUCTION</c>, <c>INTERPOSITIVE_UNIT</c>, <c>INTERPOSITIVE_APPLIANCE</c>,
/// <c>INTERPOSITIVE_BROKER_USERNAME</c>, <c>INTERPOSITIVE_BROKER_PASSWORD</c>) so passwords need not sit on a command line.
/// </summary>
public static class SyncSettings
{
    public static SyncIdentity Identity(string? production, string? unit, string? appliance, string? root) => new(
        production ?? Environment.GetEnvironmentVariable("INTERPOSITIVE_PRODUCTION") ?? "production",
        unit ?? Environment.GetEnvironmentVariable("INTERPOSITIVE_UNIT") ?? "main",
        appliance ?? Environment.GetEnvironmentVariable("INTERPOSITIVE_APPLIANCE") ?? SafeHostName(),
        root ?? SyncIdentity.DefaultRoot);

    /// <summary>The broker endpoint from a URL, credentials (environment fallbacks), client certificate and pins.</summary>
    public static BrokerEndpoint Broker(string url, string? username, string? password, string? clientCertificate, string? clientKey, IReadOnlyList<string>? pins)
    {
        var endpoint = BrokerEndpoint.Parse(
            url,
            username ?? Environment.GetEnvironmentVariable("INTERPOSITIVE_BROKER_USERNAME"),
            password ?? Environment.GetEnvironmentVariable("INTERPOSITIVE_BROKER_PASSWORD"));
        if (clientCertificate is null && (pins is null || pins.Count == 0))
        {
            return endpoint;
        }

        return endpoint.With(
            clientCertificate is null ? null : BrokerEndpoint.LoadClientCertificate(clientCertificate, clientKey),
            pins ?? []);
    }

    private static string SafeHostName()
    {
        var name = new string(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-').ToArray());
        return SyncIdentity.IsValidName(name) ? name : "appliance";
    }
}

/// <summary>The JSON the sync and post verbs print.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PublisherStatus))]
[JsonSerializable(typeof(Post.PostShotList))]
[JsonSerializable(typeof(Post.PostReport))]
public sealed partial class SyncCliJsonContext : JsonSerializerContext;
