using System.Net;
using InterPositive.Catalog;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Publishing;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace InterPositive.Host.Service;

/// <summary>
/// The appliance's MQTT side: the embedded broker set-side clients subscribe to (persistent sessions, the appliance's
/// own production only for anonymous clients), a publisher draining the outbox into it, and, when a post-house broker
/// is configured, a second publisher forwarding the same outbox upstream with its own checkpoint, so a link that is
/// down for hours loses and duplicates nothing.
/// </summary>
public sealed class SyncStage : BackgroundService
{
    public const string LocalSink = "local";
    public const string UpstreamSink = "upstream";

    private readonly ApplianceOptions _options;
    private readonly CatalogDatabase _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly List<OutboxPublisher> _publishers = [];
    private EmbeddedBroker? _broker;

    public SyncStage(ApplianceOptions options, CatalogDatabase catalog, TimeProvider time, ILogger log)
    {
        _options = options;
        _catalog = catalog;
        _time = time;
        _log = log.ForContext<SyncStage>();
        Identity = new SyncIdentity(options.Appliance.Production, options.Appliance.Unit, options.Appliance.Name);
    }

    public SyncIdentity Identity { get; }

    /// <summary>The embedded broker's port once started (0 when disabled).</summary>
    public int BrokerPort => _broker?.Port ?? 0;

    public IReadOnlyList<PublisherStatus> Status()
    {
        lock (_publishers)
        {
            return [.. _publishers.Select(p => p.Status())];
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var embedded = _options.Broker.Embedded;
        if (embedded.Enabled)
        {
            _broker = new EmbeddedBroker(
                new Sync.Brokers.EmbeddedBrokerOptions
                {
                    Address = IPAddress.Parse(embedded.Bind),
                    Port = embedded.Port,
                    AnonymousProductions = [Identity.Production],
                },
                _log);
            await _broker.StartAsync();
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var runs = new List<Task>();
        if (_broker is not null)
        {
            runs.Add(RunPublisherAsync(LocalSink, BrokerEndpoint.Parse($"mqtt://127.0.0.1:{_broker.Port}"), stoppingToken));
        }

        var upstream = _options.Broker.Upstream;
        if (!string.IsNullOrWhiteSpace(upstream.Url))
        {
            var endpoint = BrokerEndpoint.Parse(upstream.Url, upstream.Username, upstream.Password);
            if (upstream.ClientCertificate is not null || upstream.CaCertificateSha256 is not null)
            {
                endpoint = endpoint.With(
                    upstream.ClientCertificate is null ? null : BrokerEndpoint.LoadClientCertificate(upstream.ClientCertificate, null),
                    upstream.CaCertificateSha256 is null ? [] : [upstream.CaCertificateSha256]);
            }

            runs.Add(RunPublisherAsync(UpstreamSink, endpoint, stoppingToken));
        }

        await Task.WhenAll(runs);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_broker is not null)
        {
            await _broker.StopAsync();
            await _broker.DisposeAsync();
            _broker = null;
        }
    }

    public override void Dispose()
    {
        // The broker is stopped and disposed in StopAsync; this only covers a host that never started.
        _broker?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose();
    }

    private async Task RunPublisherAsync(string sink, BrokerEndpoint endpoint, CancellationToken stoppingToken)
    {
        await using var publisher = new OutboxPublisher(_catalog, new PublisherOptions { Identity = Identity, Broker = endpoint, Sink = sink }, _time, _log);
        lock (_publishers)
        {
            _publishers.Add(publisher);
        }

        try
        {
            await publisher.RunAsync(untilEmpty: false, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_publishers)
            {
                _publishers.Remove(publisher);
            }
        }
    }
}
