using System.Net;
using System.Net.Sockets;
using System.Text;
using InterPositive.Sync.Brokers;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;

namespace InterPositive.Sync.Tests;

/// <summary>
/// The embedded broker tried as a client on the set network would: over IPv4 and IPv6, every forbidden read and write,
/// impersonation, anonymous access off loopback, oversized packets, and the per-client limits.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EmbeddedBrokerSecurityTests
{
    private const string CardTopic = "interpositive/v1/feature/main/cart-a/cards/A001R1AB";
    private const string Genuine = """{"cardId":"A001R1AB","safeToFormat":false}""";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly BrokerAccount Reader = new("video-village", "monitor", ["feature"]);
    private static readonly BrokerAccount CartB = new("cart-b", "cart-b-secret", ["feature"]) { PublishAs = "feature/main/cart-b", MaxPublishesPerSecond = 0 };

    [Theory]
    [InlineData("127.0.0.1", "::1")]
    [InlineData("::1", "127.0.0.1")]
    public async Task Each_listener_is_bound_to_its_configured_address_only(string bind, string other)
    {
        await using var broker = await StartAsync([IPAddress.Parse(bind)]);

        var endpoint = Assert.Single(broker.Endpoints);
        Assert.Equal(IPAddress.Parse(bind), endpoint.Address);
        using (var reached = new Socket(IPAddress.Parse(bind).AddressFamily, SocketType.Stream, ProtocolType.Tcp))
        {
            await reached.ConnectAsync(new IPEndPoint(IPAddress.Parse(bind), broker.Port));
        }

        // Before: MQTTnet's default adapter also listened on [::]:port, so a 127.0.0.1 broker answered on every IPv6 interface.
        using var refused = new Socket(IPAddress.Parse(other).AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var error = await Assert.ThrowsAsync<SocketException>(async () => await refused.ConnectAsync(new IPEndPoint(IPAddress.Parse(other), broker.Port)));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task An_anonymous_client_may_read_its_production_and_nothing_else_and_may_write_nothing(string host)
    {
        await using var broker = await StartAsync([IPAddress.Loopback, IPAddress.IPv6Loopback]);
        await PublishGenuineCardAsync(broker);
        var url = Url(host, broker.Port);

        var received = new List<string>();
        using var anonymous = await ConnectAsync(url, "anonymous", received);
        var subscribe = await anonymous.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("interpositive/v1/feature/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("interpositive/v1/commercial/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("interpositive/v1/+/main/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("$share/g/interpositive/v1/commercial/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("$SYS/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribe.Items.First().ResultCode);
        Assert.All(subscribe.Items.Skip(1), i => Assert.True(i.ResultCode is MqttClientSubscribeResultCode.NotAuthorized or MqttClientSubscribeResultCode.SharedSubscriptionsNotSupported, $"{i.TopicFilter.Topic}: {i.ResultCode}"));
        await WaitForAsync(received, 1);

        // Before: a retained anonymous publish replaced the card record with {"safeToFormat":true}.
        foreach (var topic in (string[])[CardTopic, "interpositive/v1/feature/main/cart-a/shots/A001C001", "interpositive/v1/feature/main/cart-a/status", "interpositive/v1/commercial/main/cart-z/events/x", "elsewhere"])
        {
            var result = await anonymous.PublishAsync(Forged(topic));
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        }

        Assert.Equal([Genuine], await RetainedAsync(url, CardTopic));
    }

    [Fact]
    public async Task An_anonymous_will_message_is_not_published()
    {
        await using var broker = await StartAsync([IPAddress.Loopback]);
        await PublishGenuineCardAsync(broker);
        var url = Url("127.0.0.1", broker.Port);
        var refusedBefore = broker.RefusedPublishes;
        using (var client = new MqttClientFactory().CreateMqttClient())
        {
            var options = BrokerEndpoint.Parse(url).CreateOptions("will-forger")
                .WithWillTopic(CardTopic).WithWillPayload(Encoding.UTF8.GetBytes("""{"safeToFormat":true}""")).WithWillRetain().WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await client.ConnectAsync(options);

            // Gone without DISCONNECT: the broker sends the will, through the same publish check.
            await broker.Server.DisconnectClientAsync("will-forger", new MQTTnet.Server.MqttServerClientDisconnectOptionsBuilder().WithReasonCode(MqttDisconnectReasonCode.UnspecifiedError).Build());
        }

        await SyncFixtures.WaitUntilAsync(() => Task.FromResult(broker.RefusedPublishes > refusedBefore), Bound, () => Task.FromResult("the will was not refused"));
        Assert.Equal([Genuine], await RetainedAsync(url, CardTopic));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task An_account_publishes_only_as_its_own_appliance_and_readers_not_at_all(string host)
    {
        await using var broker = await StartAsync([IPAddress.Loopback, IPAddress.IPv6Loopback], [SyncFixtures.ApplianceAccount, CartB, Reader]);
        var url = Url(host, broker.Port);

        using var cartA = await ConnectAsync(Url(host, broker.Port, SyncFixtures.ApplianceAccount), "cart-a", null);
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await cartA.PublishAsync(Forged(CardTopic))).ReasonCode);
        foreach (var topic in (string[])["interpositive/v1/feature/main/cart-b/cards/A001R1AB", "interpositive/v1/feature/second/cart-a/cards/A001R1AB", "interpositive/v1/commercial/main/cart-a/cards/A001R1AB", "interpositive/v1/feature/main/cart-a", "interpositive/v1/feature/main/cart-a-evil/status", "interpositive/v2/feature/main/cart-a/status"])
        {
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await cartA.PublishAsync(Forged(topic))).ReasonCode);
        }

        // cart-b, an appliance of the same production, impersonating cart-a.
        using var cartB = await ConnectAsync(Url(host, broker.Port, CartB), "cart-b", null);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await cartB.PublishAsync(Forged(CardTopic))).ReasonCode);

        using var reader = await ConnectAsync(Url(host, broker.Port, Reader), "village", null);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await reader.PublishAsync(Forged(CardTopic))).ReasonCode);
        var subscribe = await reader.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("interpositive/v1/feature/+/+/cards/+", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("interpositive/v1/commercial/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        Assert.Equal([MqttClientSubscribeResultCode.GrantedQoS1, MqttClientSubscribeResultCode.NotAuthorized], subscribe.Items.Select(i => i.ResultCode));

        // The only retained card is cart-a's own publish.
        Assert.Equal(["{\"safeToFormat\":true}"], await RetainedAsync(url, "interpositive/v1/feature/+/+/cards/+"));

        using var intruder = new MqttClientFactory().CreateMqttClient();
        var wrong = await intruder.ConnectAsync(BrokerEndpoint.Parse(url, "cart-a", "guess").CreateOptions("intruder").Build());
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, wrong.ResultCode);
    }

    [Fact]
    public async Task Off_loopback_every_client_needs_an_account()
    {
        // Any address is off loopback; clients still reach it through 127.0.0.1.
        await using var broker = await StartAsync([IPAddress.Any], [Reader]);
        using var anonymous = new MqttClientFactory().CreateMqttClient();
        var refused = await anonymous.ConnectAsync(BrokerEndpoint.Parse(Url("127.0.0.1", broker.Port)).CreateOptions("anonymous").Build());
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);

        using var reader = await ConnectAsync(Url("127.0.0.1", broker.Port, Reader), "village", null);
        Assert.True(reader.IsConnected);
    }

    [Fact]
    public async Task Anonymous_access_to_every_production_is_a_configuration_error()
    {
        var error = Assert.Throws<ArgumentException>(() => new EmbeddedBroker(new EmbeddedBrokerOptions { Port = 0, AnonymousProductions = ["*"] }, SyncFixtures.Log));
        Assert.Contains("anonymous", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_packet_declaring_more_than_the_limit_is_cut_before_its_body_is_read(bool connectFirst)
    {
        await using var broker = await StartAsync([IPAddress.Loopback]);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, broker.Port));
        using var stream = new NetworkStream(socket);
        if (connectFirst)
        {
            // MQTT 3.1.1 CONNECT, clean session, client id "flood", no credentials.
            await stream.WriteAsync(new byte[] { 0x10, 17, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 2, 0, 60, 0, 5, (byte)'f', (byte)'l', (byte)'o', (byte)'o', (byte)'d' });
            var connack = new byte[4];
            await stream.ReadExactlyAsync(connack);
            Assert.Equal(0x20, connack[0]);
            Assert.Equal(0, connack[3]);
        }

        // A PUBLISH declaring 250 MB: the broker must close the connection on the header, not allocate the body.
        await stream.WriteAsync(PublishHeader(250 * 1024 * 1024));
        await SyncFixtures.WaitUntilAsync(() => Task.FromResult(broker.OversizedPackets == 1), Bound, () => Task.FromResult($"oversized {broker.OversizedPackets}"));
        var chunk = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Bound);
        var closed = false;
        try
        {
            // Writes fail (reset) or reads end once the broker has closed its side.
            for (var i = 0; i < 1000 && !closed; i++)
            {
                await stream.WriteAsync(chunk, timeout.Token);
            }

            closed = await stream.ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (IOException)
        {
            closed = true;
        }

        Assert.True(closed);
    }

    [Fact]
    public async Task Connections_over_the_per_address_limit_are_closed_at_once()
    {
        await using var broker = await StartAsync([IPAddress.Loopback], limit: o => o with { MaxConnectionsPerAddress = 2 });
        var url = Url("127.0.0.1", broker.Port);
        using var first = await ConnectAsync(url, "one", null);
        using var second = await ConnectAsync(url, "two", null);
        using var third = new MqttClientFactory().CreateMqttClient();
        await Assert.ThrowsAnyAsync<Exception>(() => third.ConnectAsync(BrokerEndpoint.Parse(url).CreateOptions("three").WithTimeout(Bound).Build()));
        Assert.True(broker.RefusedConnections >= 1);

        await first.DisconnectAsync();
        await SyncFixtures.WaitUntilAsync(
            async () =>
            {
                using var again = new MqttClientFactory().CreateMqttClient();
                try
                {
                    return (await again.ConnectAsync(BrokerEndpoint.Parse(url).CreateOptions("again").Build())).ResultCode == MqttClientConnectResultCode.Success;
                }
                catch (MQTTnet.Exceptions.MqttCommunicationException)
                {
                    return false;
                }
            },
            Bound,
            () => Task.FromResult("a slot freed by a disconnect was not reusable"));
    }

    [Fact]
    public async Task Publishes_over_the_rate_are_refused_until_the_bucket_refills()
    {
        var time = new FakeTimeProvider();
        var limited = SyncFixtures.ApplianceAccount with { MaxPublishesPerSecond = 5 };
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = 0, Accounts = [limited] }, SyncFixtures.Log, time);
        await broker.StartAsync();
        using var client = await ConnectAsync(Url("127.0.0.1", broker.Port, limited), "cart-a", null);

        var codes = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 7; i++)
        {
            codes.Add((await client.PublishAsync(Forged(CardTopic))).ReasonCode);
        }

        Assert.Equal([.. Enumerable.Repeat(MqttClientPublishReasonCode.NoMatchingSubscribers, 5), MqttClientPublishReasonCode.QuotaExceeded, MqttClientPublishReasonCode.QuotaExceeded], codes);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await client.PublishAsync(Forged(CardTopic))).ReasonCode);
    }

    internal static byte[] PublishHeader(int remainingLength)
    {
        var header = new List<byte> { 0x30 };
        var value = remainingLength;
        do
        {
            var b = (byte)(value % 128);
            value /= 128;
            header.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);

        return [.. header];
    }

    private static async Task<EmbeddedBroker> StartAsync(IReadOnlyList<IPAddress> addresses, IReadOnlyList<BrokerAccount>? accounts = null, Func<EmbeddedBrokerOptions, EmbeddedBrokerOptions>? limit = null)
    {
        var options = new EmbeddedBrokerOptions { Port = 0, Addresses = addresses, Accounts = accounts ?? [SyncFixtures.ApplianceAccount], AnonymousProductions = ["feature"] };
        var broker = new EmbeddedBroker(limit is null ? options : limit(options), SyncFixtures.Log);
        await broker.StartAsync();
        return broker;
    }

    private static string Url(string host, int port, BrokerAccount? account = null) =>
        $"mqtt://{(account is null ? "" : account.Username + ":" + account.Password + "@")}{(host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host)}:{port}";

    private static async Task PublishGenuineCardAsync(EmbeddedBroker broker) => await broker.Server.InjectApplicationMessage(
        new MQTTnet.Server.InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder().WithTopic(CardTopic).WithPayload(Encoding.UTF8.GetBytes(Genuine)).WithRetainFlag().Build()));

    private static async Task<IMqttClient> ConnectAsync(string url, string clientId, List<string>? received)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        if (received is not null)
        {
            client.ApplicationMessageReceivedAsync += e =>
            {
                lock (received)
                {
                    received.Add(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
                }

                return Task.CompletedTask;
            };
        }

        var result = await client.ConnectAsync(BrokerEndpoint.Parse(url).CreateOptions(clientId + "-" + Guid.NewGuid().ToString("N")[..6]).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    /// <summary>What a fresh subscriber to <paramref name="filter"/> receives as retained messages.</summary>
    private static async Task<string[]> RetainedAsync(string url, string filter)
    {
        var received = new List<string>();
        using var client = await ConnectAsync(url, "retained", received);
        await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);

        // Every case here has exactly one retained record; a short grace after it would reveal a forged second one.
        await WaitForAsync(received, 1);
        await client.PingAsync();
        await Task.Delay(200);
        lock (received)
        {
            return [.. received];
        }
    }

    private static Task WaitForAsync(List<string> received, int count) => SyncFixtures.WaitUntilAsync(
        () =>
        {
            lock (received)
            {
                return Task.FromResult(received.Count >= count);
            }
        },
        Bound,
        () => Task.FromResult($"received {received.Count} of {count}"));

    private static MqttApplicationMessage Forged(string topic) => new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(Encoding.UTF8.GetBytes("""{"safeToFormat":true}"""))
        .WithRetainFlag()
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();
}
