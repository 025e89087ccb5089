using System.Net;
using System.Security.Cryptography;
using System.Text;
using InterPositive.Sync.Contract;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Serilog;

namespace InterPositive.Sync.Brokers;

/// <summary>A broker account and the productions it may read and write (<c>*</c>: all, for post-house bridges).</summary>
public sealed record BrokerAccount(string Username, string Password, IReadOnlyList<string> Productions)
{
    /// <summary>No password in logs or exceptions.</summary>
    public override string ToString() => $"{Username} ({string.Join(',', Productions)})";
}

/// <summary>Settings of the appliance's embedded broker.</summary>
public sealed record EmbeddedBrokerOptions
{
    public int Port { get; init; } = 1883;

    /// <summary>Loopback by default: set-side clients on the cart network need an explicit address.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    public string TopicRoot { get; init; } = SyncIdentity.DefaultRoot;

    public IReadOnlyList<BrokerAccount> Accounts { get; init; } = [];

    /// <summary>Productions an unauthenticated client may use; empty refuses anonymous connections.</summary>
    public IReadOnlyList<string> AnonymousProductions { get; init; } = [];

    /// <summary>Largest PUBLISH payload accepted.</summary>
    public int MaxPayloadBytes { get; init; } = Envelope.DefaultMaxPayloadBytes;
}

/// <summary>
/// The appliance's embedded MQTT broker (MQTTnet.Server) with persistent sessions, so set-side clients can subscribe
/// locally and get what they missed, and per-production ACLs: a client of one production can neither publish to nor
/// subscribe to another production's topics. Authentication is by username and password from configuration.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private const string ProductionsItem = "interpositive.productions";
    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger _log;
    private readonly MqttServer _server;
    private readonly string[] _rootLevels;
    private long _refusedPublishes;
    private long _refusedSubscriptions;
    private long _refusedConnections;

    public EmbeddedBroker(EmbeddedBrokerOptions options, ILogger log)
    {
        _options = options;
        _log = log.ForContext<EmbeddedBroker>();
        _rootLevels = options.TopicRoot.Trim('/').Split('/');
        var builder = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(options.Port)
            .WithDefaultEndpointBoundIPAddress(options.Address)
            .WithPersistentSessions();
        _server = new MqttServerFactory().CreateMqttServer(builder.Build());
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
    }

    public int Port => _options.Port;

    public long RefusedPublishes => Interlocked.Read(ref _refusedPublishes);

    public long RefusedSubscriptions => Interlocked.Read(ref _refusedSubscriptions);

    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    /// <summary>The underlying server, for in-process publishing and inspection.</summary>
    public MqttServer Server => _server;

    public async Task StartAsync()
    {
        await _server.StartAsync();
        _log.Information("Embedded broker listening on {Address}:{Port} with {Accounts} accounts", _options.Address, _options.Port, _options.Accounts.Count);
    }

    public async Task StopAsync()
    {
        if (_server.IsStarted)
        {
            await _server.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _server.Dispose();
    }

    /// <summary>
    /// Whether a client holding <paramref name="productions"/> may use <paramref name="topic"/> (a topic or, when
    /// subscribing, a filter; a shared subscription's <c>$share/group/</c> prefix is ignored). The production level must
    /// be literal (no wildcard) and one of the client's, unless the client holds <c>*</c>.
    /// </summary>
    public static bool IsAllowed(IReadOnlyCollection<string> productions, string[] rootLevels, string topic)
    {
        if (productions.Contains("*"))
        {
            return true;
        }

        var levels = topic.Split('/');
        var start = 0;
        if (levels.Length > 2 && levels[0] == "$share")
        {
            start = 2;
        }

        if (levels.Length - start <= rootLevels.Length)
        {
            return false;
        }

        for (var i = 0; i < rootLevels.Length; i++)
        {
            if (levels[start + i] != rootLevels[i])
            {
                return false;
            }
        }

        var production = levels[start + rootLevels.Length];
        return production is not "+" and not "#" && productions.Contains(production);
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        IReadOnlyList<string>? productions = null;
        if (string.IsNullOrEmpty(e.UserName))
        {
            if (_options.AnonymousProductions.Count > 0)
            {
                productions = _options.AnonymousProductions;
            }
        }
        else
        {
            var account = _options.Accounts.FirstOrDefault(a => a.Username == e.UserName);
            if (account is not null && SamePassword(account.Password, e.Password))
            {
                productions = account.Productions;
            }
        }

        if (productions is null)
        {
            Interlocked.Increment(ref _refusedConnections);
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            // The user name helps the DIT find the misconfigured client; the password is never logged.
            _log.Warning("Refused connection of client {ClientId} as user {User}: bad user name or password", e.ClientId, e.UserName ?? "(anonymous)");
            return Task.CompletedTask;
        }

        e.SessionItems[ProductionsItem] = productions.ToHashSet(StringComparer.Ordinal);
        e.ReasonCode = MqttConnectReasonCode.Success;
        return Task.CompletedTask;
    }

    private Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        // Messages injected by the server itself (no client) are trusted.
        if (string.IsNullOrEmpty(e.ClientId))
        {
            return Task.CompletedTask;
        }

        var topic = e.ApplicationMessage.Topic;
        if (e.ApplicationMessage.Payload.Length > _options.MaxPayloadBytes)
        {
            Refuse(e, MqttPubAckReasonCode.PayloadFormatInvalid, "payload over the size limit");
            return Task.CompletedTask;
        }

        if (e.SessionItems[ProductionsItem] is not HashSet<string> productions || !IsAllowed(productions, _rootLevels, topic))
        {
            Refuse(e, MqttPubAckReasonCode.NotAuthorized, "topic of another production");
        }

        return Task.CompletedTask;
    }

    private void Refuse(InterceptingPublishEventArgs e, MqttPubAckReasonCode code, string why)
    {
        Interlocked.Increment(ref _refusedPublishes);
        e.ProcessPublish = false;
        e.Response.ReasonCode = code;
        _log.Warning("Refused publish by {ClientId} on {Topic}: {Reason}", e.ClientId, e.ApplicationMessage.Topic, why);
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems[ProductionsItem] is not HashSet<string> productions || !IsAllowed(productions, _rootLevels, e.TopicFilter.Topic))
        {
            Interlocked.Increment(ref _refusedSubscriptions);
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            _log.Warning("Refused subscription of {ClientId} to {Filter}: outside its productions", e.ClientId, e.TopicFilter.Topic);
        }

        return Task.CompletedTask;
    }

    private static bool SamePassword(string expected, string? given)
    {
        if (given is null)
        {
            return false;
        }

        // Hash first so the comparison takes the same time whatever the lengths.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));
    }
}
