using System.CommandLine;
using InterPositive.Catalog;
using InterPositive.Host.Cli;
using InterPositive.Sync;
using InterPositive.Sync.Publishing;

namespace InterPositive.Host.Verbs;

/// <summary>
/// <c>interpositive sync --broker URL [--once]</c>: drains the local catalog's outbox to a broker at QoS 1, in order,
/// resuming from the sink's checkpoint. With <c>--once</c> it exits 0 when everything is acknowledged; otherwise it
/// keeps publishing new state until Ctrl-C.
/// </summary>
internal static class SyncVerb
{
    public static Command Create()
    {
        var broker = new Option<string>("--broker") { Description = "Broker URL: mqtt://host[:1883] or mqtts://host[:8883] (user:password@ allowed; prefer $INTERPOSITIVE_BROKER_PASSWORD)." };
        var once = new Option<bool>("--once") { Description = "Drain until the outbox is empty, then exit 0." };
        var timeout = new Option<double?>("--timeout") { Description = "With --once: give up after this many seconds (exit 4, the backlog stays for the next run)." };
        var sink = new Option<string>("--sink") { Description = "Checkpoint name of this destination.", DefaultValueFactory = _ => "post" };
        var inFlight = new Option<int>("--max-in-flight") { Description = "QoS 1 publishes awaiting PUBACK at once.", DefaultValueFactory = _ => 1000 };
        var tls = new TlsOptions();
        var identity = new IdentityOptions();
        return Verb.Define(
            "sync",
            "Send the catalog's outbox (shots, cards, events) to a broker, in order, at least once.",
            configure: cmd =>
            {
                cmd.Options.Add(broker);
                cmd.Options.Add(once);
                cmd.Options.Add(timeout);
                cmd.Options.Add(sink);
                cmd.Options.Add(inFlight);
                tls.AddTo(cmd);
                identity.AddTo(cmd);
            },
            run: async ctx =>
            {
                var url = ctx.Value(broker) ?? throw new UsageException("--broker URL is required");
                var options = new PublisherOptions
                {
                    Identity = identity.Read(ctx),
                    Broker = tls.Endpoint(ctx, url),
                    Sink = ctx.Value(sink) ?? "post",
                    MaxInFlight = Math.Max(1, ctx.Value(inFlight)),
                };
                using var catalog = CatalogDatabase.Open(ctx.CatalogPath, ctx.Time, $"interpositive {ctx.Verb}");
                await using var publisher = new OutboxPublisher(catalog, options, ctx.Time, ctx.Log);
                var untilEmpty = ctx.Value(once);
                using var limit = ctx.Value(timeout) is { } seconds && untilEmpty
                    ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds), ctx.Time)
                    : new CancellationTokenSource();
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken, limit.Token);
                ctx.Log.Information("Syncing the outbox to {Broker} as {Appliance} (sink {Sink})", options.Broker.ToString(), options.Identity.ApplianceKey, options.Sink);
                var code = ExitCode.Success;
                try
                {
                    await publisher.RunAsync(untilEmpty, linked.Token);
                }
                catch (OperationCanceledException) when (limit.IsCancellationRequested && !ctx.CancellationToken.IsCancellationRequested)
                {
                    code = ExitCode.Environment;
                }
                catch (OperationCanceledException) when (ctx.CancellationToken.IsCancellationRequested && !untilEmpty)
                {
                    // Ctrl-C ends a continuous sync normally: the checkpoint is saved.
                }

                var status = publisher.Status();
                if (ctx.Json)
                {
                    ctx.WriteJson(status, SyncCliJsonContext.Default.PublisherStatus);
                }
                else
                {
                    ctx.WriteLine($"{status.Delivered} delivered to {status.Broker}; checkpoint {status.Checkpoint} of {status.LastSequence}; {status.BacklogCount} waiting");
                }

                if (code != ExitCode.Success)
                {
                    return ctx.Fail(code, $"{status.Broker}: not drained before the timeout; {status.BacklogCount} messages wait for the next run ({status.LastError ?? "no error"})");
                }

                return code;
            });
    }
}

/// <summary>TLS and credential options shared by sync and post.</summary>
internal sealed class TlsOptions
{
    private readonly Option<string?> _username = new("--username") { Description = "Broker user name (default $INTERPOSITIVE_BROKER_USERNAME)." };
    private readonly Option<string?> _password = new("--password") { Description = "Broker password (default $INTERPOSITIVE_BROKER_PASSWORD; never logged)." };
    private readonly Option<string?> _clientCertificate = new("--client-cert") { Description = "Client certificate: .pfx/.p12, or PEM with --client-key." };
    private readonly Option<string?> _clientKey = new("--client-key") { Description = "PEM private key of --client-cert (or the .pfx password)." };
    private readonly Option<string[]> _pins = new("--ca-pin") { Description = "SHA-256 fingerprint of the broker's certificate or a CA in its chain (repeatable).", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command command)
    {
        command.Options.Add(_username);
        command.Options.Add(_password);
        command.Options.Add(_clientCertificate);
        command.Options.Add(_clientKey);
        command.Options.Add(_pins);
    }

    public Sync.Brokers.BrokerEndpoint Endpoint(VerbContext ctx, string url)
    {
        try
        {
            return SyncSettings.Broker(url, ctx.Value(_username), ctx.Value(_password), ctx.Value(_clientCertificate), ctx.Value(_clientKey), ctx.Value(_pins));
        }
        catch (FormatException error)
        {
            throw new UsageException(error.Message);
        }
    }
}

/// <summary>Who this appliance is: production, unit, name and topic root (defaults from the environment).</summary>
internal sealed class IdentityOptions
{
    private readonly Option<string?> _production = new("--production") { Description = "Production name (default $INTERPOSITIVE_PRODUCTION)." };
    private readonly Option<string?> _unit = new("--unit") { Description = "Unit: main, second, splinter… (default $INTERPOSITIVE_UNIT or main)." };
    private readonly Option<string?> _appliance = new("--appliance") { Description = "This appliance's name (default $INTERPOSITIVE_APPLIANCE or the host name)." };
    private readonly Option<string?> _root = new("--topic-root") { Description = "Topic root (default interpositive/v1)." };

    public void AddTo(Command command)
    {
        command.Options.Add(_production);
        command.Options.Add(_unit);
        command.Options.Add(_appliance);
        command.Options.Add(_root);
    }

    public Sync.Contract.SyncIdentity Read(VerbContext ctx)
    {
        try
        {
            return SyncSettings.Identity(ctx.Value(_production), ctx.Value(_unit), ctx.Value(_appliance), ctx.Value(_root));
        }
        catch (ArgumentException error)
        {
            throw new UsageException(error.Message);
        }
    }
}
