using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace InterPositive.Testing.Brokers;

/// <summary>
/// A listening client that keeps every message a broker delivers on a topic filter (default <c>#</c>), in arrival
/// order, so a test can hold real traffic to the contract. Connect it before the traffic starts.
/// </summary>
public sealed class BrokerCapture : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Topic, byte[] Payload)> _messages = new();
    private readonly IMqttClient _client;

    private BrokerCapture(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            _messages.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
    }

    /// <summary>What arrived so far, in order.</summary>
    public IReadOnlyList<(string Topic, byte[] Payload)> Messages => [.. _messages];

    /// <summary>Connects anonymously (or as <paramref name="username"/>) to <c>mqtt://host:port</c> and subscribes at QoS 1.</summary>
    public static async Task<BrokerCapture> StartAsync(string url, string filter = "#", string? username = null, string? password = null, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(url);
        var factory = new MqttClientFactory();
        var capture = new BrokerCapture(factory.CreateMqttClient());
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(uri.Host, uri.Port)
            .WithClientId("capture-" + Guid.NewGuid().ToString("N")[..12])
            .WithCleanStart()
            .WithTimeout(TimeSpan.FromSeconds(30));
        if (username is not null)
        {
            options.WithCredentials(username, password);
        }

        try
        {
            await capture._client.ConnectAsync(options.Build(), cancellationToken);
            await capture._client.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build(), cancellationToken);
        }
        catch
        {
            await capture.DisposeAsync();
            throw;
        }

        return capture;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync();
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
            }
        }

        _client.Dispose();
    }
}
