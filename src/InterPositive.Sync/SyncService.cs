using System.Security.Cryptography;
using InterPositive.Catalog;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Publishing;
using Serilog;

namespace InterPositive.Sync;

/// <summary>What the appliance service runs for sync.</summary>
public sealed record SyncServiceOptions
{
    public required SyncIdentity Identity { get; init; }

    /// <summary>The embedded broker for set-side clients; null to run without one.</summary>
    public EmbeddedBrokerOptions? Embedded { get; init; } = new();

    /// <summary>The post house's broker; null while there is none (the outbox keeps everything for later).</summary>
    public BrokerEndpoint? Upstream { get; init; }
}

/// <summary>
/// The appliance side of sync, for the service to run as one hosted stage: the embedded broker (persistent sessions,
/// per-production ACLs), a publisher draining the outbox into it (sink <c>local</c>) so set-side clients can subscribe
/// locally, and a publisher forwarding the same outbox upstream to the post house (sink <c>upstream</c>). Each sink has
/// its own checkpoint, so a link down for hours only grows that sink's backlog; nothing is dropped or duplicated.
/// </summary>
public sealed class SyncService : IAsyncDisposable
{
    /// <summary>The account the appliance's own publisher uses on its embedded broker.</summary>
    public const string LocalAccount = "interpositive-appliance";

    private readonly CatalogDatabase _catalog;
    private readonly SyncServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly List<OutboxPublisher> _publishers = [];

    public SyncService(CatalogDatabase catalog, SyncServiceOptions options, TimeProvider time, ILogger log)
    {
        _catalog = catalog;
        _options = options;
        _time = time;
        _log = log.ForContext<SyncService>();
    }

    /// <summary>The embedded broker once started.</summary>
    public EmbeddedBroker? Broker { get; private set; }

    /// <summary>Each sink's state (for the API, the dashboard and logs).</summary>
    public IReadOnlyList<PublisherStatus> Status()
    {
        OutboxPublisher[] publishers;
        lock (_publishers)
        {
            publishers = [.. _publishers];
        }

        return [.. publishers.Select(p => p.Status())];
    }

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var runs = new List<Task>();
        if (_options.Embedded is { } embedded)
        {
            // A fresh secret per start for our own publisher: it never leaves the process.
            var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
            // Our own publisher is the only account that may publish as this appliance, and it is not rate-limited: a
            // backlog after hours offline drains at full speed.
            var own = new BrokerAccount(LocalAccount, secret, [_options.Identity.Production]) { PublishAs = _options.Identity.ApplianceKey, MaxPublishesPerSecond = 0 };
            Broker = new EmbeddedBroker(embedded with { Accounts = [.. embedded.Accounts, own] }, _log, _time);
            await Broker.StartAsync();
            var local = BrokerEndpoint.Parse(EmbeddedBroker.Url(Broker.Endpoints[0]), LocalAccount, secret);
            runs.Add(RunPublisherAsync(new PublisherOptions { Identity = _options.Identity, Broker = local, Sink = "local" }, cancellationToken));
        }

        if (_options.Upstream is { } upstream)
        {
            runs.Add(RunPublisherAsync(new PublisherOptions { Identity = _options.Identity, Broker = upstream, Sink = "upstream" }, cancellationToken));
        }
        else
        {
            _log.Information("No upstream broker configured: the outbox keeps every message until one is");
        }

        try
        {
            await Task.WhenAll(runs);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (Broker is not null)
            {
                await Broker.StopAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var publisher in _publishers)
        {
            await publisher.DisposeAsync();
        }

        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }
    }

    private async Task RunPublisherAsync(PublisherOptions options, CancellationToken cancellationToken)
    {
        var publisher = new OutboxPublisher(_catalog, options, _time, _log);
        lock (_publishers)
        {
            _publishers.Add(publisher);
        }

        await publisher.RunAsync(untilEmpty: false, cancellationToken);
    }
}
