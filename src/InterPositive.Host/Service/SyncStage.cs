using InterPositive.Catalog;
using InterPositive.Sync;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Publishing;
using Microsoft.Extensions.Hosting;

namespace InterPositive.Host.Service;

/// <summary>
/// Hosts the sync library's <see cref="SyncService"/> as one stage: the embedded broker set-side clients subscribe to
/// (anonymous clients on this machine may read this appliance's production only, and only while it binds to loopback;
/// configured accounts read their productions), the outbox drained into it, and,
/// when configured, the same outbox forwarded to the post house's broker with its own checkpoint.
/// </summary>
public sealed class SyncStage : BackgroundService, IAsyncDisposable
{
    public const string LocalSink = "local";
    public const string UpstreamSink = "upstream";

    private readonly SyncService _sync;
    private readonly ApplianceOptions _options;

    public SyncStage(ApplianceOptions options, CatalogDatabase catalog, TimeProvider time, ILogger log)
    {
        _options = options;
        var identity = new SyncIdentity(options.Appliance.Production, options.Appliance.Unit, options.Appliance.Name);
        var embedded = options.Broker.Embedded;
        var upstream = options.Broker.Upstream;
        _sync = new SyncService(
            catalog,
            new SyncServiceOptions
            {
                Identity = identity,
                Embedded = embedded.Enabled
                    ? new Sync.Brokers.EmbeddedBrokerOptions
                    {
                        Addresses = embedded.Addresses(),
                        Port = embedded.Port,
                        Accounts = [.. embedded.Accounts.Select(a => new BrokerAccount(a.Username, a.Password, a.Productions))],
                        AnonymousProductions = [identity.Production],
                        MaxConnectionsPerAddress = embedded.MaxConnectionsPerAddress,
                        MaxPublishesPerSecond = embedded.MaxPublishesPerSecond,
                    }
                    : null,
                Upstream = string.IsNullOrWhiteSpace(upstream.Url)
                    ? null
                    : SyncSettings.Broker(upstream.Url, upstream.Username, upstream.Password, upstream.ClientCertificate, null, upstream.CaCertificateSha256 is null ? [] : [upstream.CaCertificateSha256]),
            },
            time,
            log);
    }

    /// <summary>The embedded broker's port (0 when it is disabled).</summary>
    public int BrokerPort => _options.Broker.Embedded.Enabled ? _options.Broker.Embedded.Port : 0;

    public IReadOnlyList<PublisherStatus> Status() => _sync.Status();

    /// <summary>
    /// The host disposes its services asynchronously (RunAsync, <c>await using</c>), and this is where the broker and the
    /// publishers are let go: nothing blocks a thread on their asynchronous shutdown.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _sync.DisposeAsync();
        Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _sync.RunAsync(stoppingToken);
}
