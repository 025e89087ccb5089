using System.Net;
using System.Net.Sockets;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;
using Serilog;

namespace InterPositive.Sync.Brokers;

/// <summary>
/// The embedded broker's TCP listeners, in place of MQTTnet's default adapter: that one opens an IPv6 socket on
/// <c>[::]</c> next to the configured IPv4 address, so a broker "bound to 127.0.0.1" answered on every IPv6 interface.
/// Here each configured address gets exactly one socket (IPv6 ones with <c>IPV6_V6ONLY</c>), connections are counted
/// per remote address and in all, and every client stream goes through <see cref="PacketSizeGuardStream"/>.
/// </summary>
public sealed class BrokerListener : IMqttServerAdapter
{
    private readonly IReadOnlyList<IPAddress> _addresses;
    private readonly int _requestedPort;
    private readonly BrokerLimits _limits;
    private readonly ILogger _log;
    private readonly List<Socket> _sockets = [];
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private CancellationTokenSource? _stop;
    private int _connections;
    private long _refusedConnections;
    private long _oversizedPackets;

    public BrokerListener(IReadOnlyList<IPAddress> addresses, int port, BrokerLimits limits, ILogger log)
    {
        if (addresses.Count == 0)
        {
            throw new ArgumentException("the embedded broker needs at least one address to bind", nameof(addresses));
        }

        _addresses = addresses;
        _requestedPort = port;
        _limits = limits;
        _log = log.ForContext<BrokerListener>();
    }

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>The bound endpoints (the port is the actual one when 0 was asked for).</summary>
    public IReadOnlyList<IPEndPoint> Endpoints { get; private set; } = [];

    /// <summary>Connections closed at accept for a per-address or total limit.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    /// <summary>Connections cut because a fixed header declared more than the packet limit.</summary>
    public long OversizedPackets => Interlocked.Read(ref _oversizedPackets);

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        if (_stop is not null)
        {
            throw new InvalidOperationException("the broker listener is already started");
        }

        _stop = new CancellationTokenSource();
        var port = _requestedPort;
        var endpoints = new List<IPEndPoint>();
        try
        {
            foreach (var address in _addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                _sockets.Add(socket);
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    // Never dual-stack: an IPv6 address must not also accept IPv4 clients of every interface.
                    socket.DualMode = false;
                }

                socket.NoDelay = true;
                socket.Bind(new IPEndPoint(address, port));
                var bound = (IPEndPoint)socket.LocalEndPoint!;
                port = bound.Port; // Port 0: the first socket picks one, the others share it.
                endpoints.Add(bound);
                socket.Listen(options.DefaultEndpointOptions.ConnectionBacklog);
            }
        }
        catch
        {
            Close();
            throw;
        }

        Endpoints = endpoints;
        foreach (var socket in _sockets)
        {
            _ = AcceptAsync(socket, options, logger, _stop.Token);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        Close();
        return Task.CompletedTask;
    }

    public void Dispose() => Close();

    private void Close()
    {
        _stop?.Cancel();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
        _stop?.Dispose();
        _stop = null;
    }

    private async Task AcceptAsync(Socket listener, MqttServerOptions options, IMqttNetLogger logger, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.Warning("Embedded broker accept failed on {Endpoint}: {Error}", listener.LocalEndPoint, e.SocketErrorCode);
                continue;
            }

            var remote = (IPEndPoint)client.RemoteEndPoint!;
            if (!Admit(remote.Address))
            {
                Interlocked.Increment(ref _refusedConnections);
                _log.Warning("Refused connection from {Remote}: over the connection limit ({PerAddress} per address, {Total} in all)", remote, _limits.MaxConnectionsPerAddress, _limits.MaxConnections);
                client.Dispose();
                continue;
            }

            // ServeAsync owns the accepted socket from here and disposes it when the client leaves.
#pragma warning disable CA2025
            _ = ServeAsync(client, remote, options, logger);
#pragma warning restore CA2025
        }
    }

    private bool Admit(IPAddress remote)
    {
        lock (_perAddress)
        {
            _perAddress.TryGetValue(remote, out var count);
            if (count >= _limits.MaxConnectionsPerAddress || _connections >= _limits.MaxConnections)
            {
                return false;
            }

            _perAddress[remote] = count + 1;
            _connections++;
            return true;
        }
    }

    private void Release(IPAddress remote)
    {
        lock (_perAddress)
        {
            _connections--;
            if (_perAddress.TryGetValue(remote, out var count) && count > 1)
            {
                _perAddress[remote] = count - 1;
            }
            else
            {
                _perAddress.Remove(remote);
            }
        }
    }

    private async Task ServeAsync(Socket client, IPEndPoint remote, MqttServerOptions options, IMqttNetLogger logger)
    {
        try
        {
            client.NoDelay = true;
            await using var stream = new PacketSizeGuardStream(new NetworkStream(client, ownsSocket: true), _limits.MaxPacketBytes, declared =>
            {
                Interlocked.Increment(ref _oversizedPackets);
                _log.Warning("Cut connection from {Remote}: a packet declared {Declared} bytes, over the {Limit}-byte limit", remote, declared, _limits.MaxPacketBytes);
            });
            var handler = ClientHandler;
            if (handler is null)
            {
                return;
            }

            using var channel = new MqttTcpChannel(stream, client.LocalEndPoint, remote, null);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, logger);
            await handler(adapter);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            _log.Debug("Embedded broker connection from {Remote} ended: {Error}", remote, e.Message);
        }
        finally
        {
            client.Dispose();
            Release(remote.Address);
        }
    }
}

/// <summary>Per-client limits of the embedded broker's listeners.</summary>
public sealed record BrokerLimits
{
    /// <summary>Largest packet (remaining length: everything after the fixed header) read from a client.</summary>
    public int MaxPacketBytes { get; init; } = 1024 * 1024 + 64 * 1024;

    /// <summary>Open connections from one remote address.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 16;

    /// <summary>Open connections in all.</summary>
    public int MaxConnections { get; init; } = 256;
}
