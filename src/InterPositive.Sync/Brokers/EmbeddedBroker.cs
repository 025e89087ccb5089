using System.Net;
using System.Security.Cryptography;
using System.Text;
using InterPositive.Sync.Contract;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Serilog;

namespace InterPositive.Sync.Brokers;

/// <summary>
/// A broker account: the productions it may read (<c>*</c>: all, for post-house bridges) and, for an appliance's own
/// account, the one <c>{production}/{unit}/{appliance}</c> it may publish under. Without <see cref="PublishAs"/> an
/// account is read-only.
/// </summary>
public sealed record BrokerAccount(string Username, string Password, IReadOnlyList<string> Productions)
{
    /// <summary>The appliance this account publishes as, <c>production/unit/appliance</c>; null: read-only.</summary>
    public string? PublishAs { get; init; }

    /// <summary>Publishes per second this account may make (a token bucket with one second of burst); null: the broker's default, 0: no limit.</summary>
    public int? MaxPublishesPerSecond { get; init; }

    /// <summary>No password in logs or exceptions.</summary>
    public override string ToString() => $"{Username} ({string.Join(',', Productions)}{(PublishAs is null ? "" : "; publishes as " + PublishAs)})";
}

/// <summary>Settings of the appliance's embedded broker.</summary>
public sealed record EmbeddedBrokerOptions
{
    /// <summary>TCP port; 0 picks a free one (see <see cref="EmbeddedBroker.Port"/>).</summary>
    public int Port { get; init; } = 1883;

    /// <summary>
    /// The addresses to listen on, each exactly (no wildcard companion socket). Loopback by default: set-side clients on
    /// the cart network need an explicit address, and then accounts.
    /// </summary>
    public IReadOnlyList<IPAddress> Addresses { get; init; } = [IPAddress.Loopback];

    public string TopicRoot { get; init; } = SyncIdentity.DefaultRoot;

    public IReadOnlyList<BrokerAccount> Accounts { get; init; } = [];

    /// <summary>
    /// Productions an unauthenticated client may read (never write, never <c>*</c>); empty refuses anonymous connections.
    /// Honoured only while every address is loopback: off loopback every client needs an account.
    /// </summary>
    public IReadOnlyList<string> AnonymousProductions { get; init; } = [];

    /// <summary>Largest PUBLISH payload accepted; packets are cut at this plus room for topic and properties before they are read.</summary>
    public int MaxPayloadBytes { get; init; } = Envelope.DefaultMaxPayloadBytes;

    /// <summary>Open connections from one remote address.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 16;

    /// <summary>Open connections in all.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Messages queued for one subscriber before the oldest are dropped (bounds a slow reader's memory).</summary>
    public int MaxPendingMessagesPerClient { get; init; } = 1000;

    /// <summary>Publishes per second per client for accounts without their own figure; 0: no limit.</summary>
    public int MaxPublishesPerSecond { get; init; } = 100;

    /// <summary>Whether every listener is on a loopback address (anonymous readers are allowed only then).</summary>
    public bool LoopbackOnly => Addresses.All(IPAddress.IsLoopback);
}

/// <summary>
/// The appliance's embedded MQTT broker (MQTTnet.Server) with persistent sessions, so set-side clients can subscribe
/// locally and get what they missed. Closed by default: listeners on the configured addresses only
/// (<see cref="BrokerListener"/>), packets over the size limit cut before they are buffered, readers limited to their
/// productions, and publishing only for an appliance's own account under its own
/// <c>{production}/{unit}/{appliance}/</c>. Anonymous clients may at most read their production, and only on loopback.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private const string GrantItem = "interpositive.grant";
    private const int PacketHeadroomBytes = 64 * 1024;
    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger _log;
    private readonly MqttServer _server;
    private readonly BrokerListener _listener;
    private readonly string[] _rootLevels;
    private readonly TimeProvider _time;
    private long _refusedPublishes;
    private long _refusedSubscriptions;
    private long _refusedConnections;

    public EmbeddedBroker(EmbeddedBrokerOptions options, ILogger log, TimeProvider? time = null)
    {
        if (options.AnonymousProductions.Contains("*"))
        {
            throw new ArgumentException("anonymous clients may read named productions only, never '*'", nameof(options));
        }

        foreach (var account in options.Accounts.Where(a => a.PublishAs is not null))
        {
            var parts = account.PublishAs!.Split('/');
            if (parts.Length != 3 || !parts.All(SyncIdentity.IsValidName))
            {
                throw new ArgumentException($"broker account '{account.Username}': PublishAs must be production/unit/appliance", nameof(options));
            }
        }

        _options = options;
        _time = time ?? TimeProvider.System;
        _log = log.ForContext<EmbeddedBroker>();
        _rootLevels = options.TopicRoot.Trim('/').Split('/');
        if (!options.LoopbackOnly && options.AnonymousProductions.Count > 0)
        {
            _log.Warning("Embedded broker binds off loopback ({Addresses}): anonymous clients are refused; set-side clients need accounts", string.Join(", ", options.Addresses));
        }

        var serverOptions = new MqttServerOptionsBuilder()
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(options.MaxPendingMessagesPerClient)
            .WithDefaultCommunicationTimeout(TimeSpan.FromSeconds(10))
            .Build();
        _listener = new BrokerListener(
            options.Addresses,
            options.Port,
            new BrokerLimits { MaxPacketBytes = options.MaxPayloadBytes + PacketHeadroomBytes, MaxConnectionsPerAddress = options.MaxConnectionsPerAddress, MaxConnections = options.MaxConnections },
            _log);
        _server = new MqttServerFactory().CreateMqttServer(serverOptions, [_listener]);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
    }

    /// <summary>The port the listeners are bound to (the chosen one once started, when 0 was asked for).</summary>
    public int Port => _listener.Endpoints.Count > 0 ? _listener.Endpoints[0].Port : _options.Port;

    /// <summary>The bound endpoints once started.</summary>
    public IReadOnlyList<IPEndPoint> Endpoints => _listener.Endpoints;

    public long RefusedPublishes => Interlocked.Read(ref _refusedPublishes);

    public long RefusedSubscriptions => Interlocked.Read(ref _refusedSubscriptions);

    /// <summary>Connections refused for credentials or for the connection limits.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections) + _listener.RefusedConnections;

    /// <summary>Connections cut because a packet declared more than the size limit.</summary>
    public long OversizedPackets => _listener.OversizedPackets;

    /// <summary>An <c>mqtt://</c> URL for a bound endpoint (IPv6 in brackets).</summary>
    public static string Url(IPEndPoint endpoint) => endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"mqtt://[{endpoint.Address}]:{endpoint.Port}"
        : $"mqtt://{endpoint.Address}:{endpoint.Port}";

    /// <summary>The underlying server, for in-process publishing and inspection.</summary>
    public MqttServer Server => _server;

    public async Task StartAsync()
    {
        await _server.StartAsync();
        _log.Information("Embedded broker listening on {Endpoints} with {Accounts} accounts", string.Join(", ", _listener.Endpoints), _options.Accounts.Count);
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
        _listener.Dispose();
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

    /// <summary>Whether <paramref name="topic"/> lies under <c>{root}/{production/unit/appliance}/</c> (a publish topic has no wildcards).</summary>
    public static bool IsOwnTopic(string[] rootLevels, string publishAs, string topic)
    {
        var prefix = string.Join('/', rootLevels) + "/" + publishAs + "/";
        return topic.Length > prefix.Length && topic.StartsWith(prefix, StringComparison.Ordinal);
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        Grant? grant = null;
        string? why = null;
        if (string.IsNullOrEmpty(e.UserName))
        {
            if (_options.AnonymousProductions.Count == 0)
            {
                why = "anonymous clients are not allowed";
            }
            else if (!_options.LoopbackOnly)
            {
                why = "anonymous clients are not allowed while the broker binds off loopback";
            }
            else
            {
                grant = new Grant(_options.AnonymousProductions.ToHashSet(StringComparer.Ordinal), null, Bucket(null));
            }
        }
        else
        {
            var account = _options.Accounts.FirstOrDefault(a => a.Username == e.UserName);
            if (account is not null && SamePassword(account.Password, e.Password))
            {
                grant = new Grant(account.Productions.ToHashSet(StringComparer.Ordinal), account.PublishAs, Bucket(account.MaxPublishesPerSecond));
            }
            else
            {
                why = "bad user name or password";
            }
        }

        if (grant is null)
        {
            Interlocked.Increment(ref _refusedConnections);
            e.ReasonCode = string.IsNullOrEmpty(e.UserName) ? MqttConnectReasonCode.NotAuthorized : MqttConnectReasonCode.BadUserNameOrPassword;
            // The user name helps the DIT find the misconfigured client; the password is never logged.
            _log.Warning("Refused connection of client {ClientId} as user {User} from {Remote}: {Reason}", e.ClientId, e.UserName ?? "(anonymous)", e.RemoteEndPoint, why);
            return Task.CompletedTask;
        }

        e.SessionItems[GrantItem] = grant;
        e.ReasonCode = MqttConnectReasonCode.Success;
        return Task.CompletedTask;
    }

    private RateBucket? Bucket(int? perSecond)
    {
        var rate = perSecond ?? _options.MaxPublishesPerSecond;
        return rate > 0 ? new RateBucket(rate, _time) : null;
    }

    private Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        // Messages injected by the server itself (no client) are trusted.
        if (string.IsNullOrEmpty(e.ClientId))
        {
            return Task.CompletedTask;
        }

        var topic = e.ApplicationMessage.Topic;
        if (e.SessionItems[GrantItem] is not Grant grant)
        {
            Refuse(e, MqttPubAckReasonCode.NotAuthorized, "no session grant");
        }
        else if (grant.PublishAs is null)
        {
            Refuse(e, MqttPubAckReasonCode.NotAuthorized, "read-only client");
        }
        else if (!IsOwnTopic(_rootLevels, grant.PublishAs, topic))
        {
            Refuse(e, MqttPubAckReasonCode.NotAuthorized, "outside the account's own production/unit/appliance");
        }
        else if (e.ApplicationMessage.Payload.Length > _options.MaxPayloadBytes)
        {
            Refuse(e, MqttPubAckReasonCode.PayloadFormatInvalid, "payload over the size limit");
        }
        else if (grant.Rate is { } rate && !rate.TryTake())
        {
            Refuse(e, MqttPubAckReasonCode.QuotaExceeded, "over the publish rate");
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
        if (e.SessionItems[GrantItem] is not Grant grant || !IsAllowed(grant.Productions, _rootLevels, e.TopicFilter.Topic))
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

    /// <summary>What a connected client may do, decided once at CONNECT.</summary>
    private sealed record Grant(HashSet<string> Productions, string? PublishAs, RateBucket? Rate);

    /// <summary>A token bucket holding one second of publishes.</summary>
    private sealed class RateBucket(int perSecond, TimeProvider time)
    {
        private readonly Lock _gate = new();
        private double _tokens = perSecond;
        private long _last = time.GetTimestamp();

        public bool TryTake()
        {
            lock (_gate)
            {
                var now = time.GetTimestamp();
                _tokens = Math.Min(perSecond, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * perSecond));
                _last = now;
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens--;
                return true;
            }
        }
    }
}
