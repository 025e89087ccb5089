using System.Net;
using System.Net.Sockets;

namespace InterPositive.Testing.Brokers;

/// <summary>
/// A TCP relay on a loopback port in front of a broker, standing in for the set's uplink: <see cref="Cut"/> drops every
/// connection and refuses new ones (as when the link goes down), <see cref="Restore"/> lets them through again.
/// </summary>
public sealed class CuttableLink : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private volatile bool _cut;

    public CuttableLink(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string Url => $"mqtt://127.0.0.1:{Port}";

    /// <summary>How many connections were dropped by cuts.</summary>
    public int Dropped { get; private set; }

    public void Cut()
    {
        _cut = true;
        lock (_gate)
        {
            foreach (var client in _open)
            {
                if (client.Client is { Connected: true } socket)
                {
                    // Reset, not a clean close: what a dropped uplink looks like to both ends.
                    socket.LingerState = new LingerOption(true, 0);
                    Dropped++;
                }

                client.Dispose();
            }

            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Dispose();
        Cut();
        try
        {
            await _accepting;
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            _ = RelayAsync(await _listener.AcceptTcpClientAsync(_stop.Token));
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        using (inbound)
        using (var outbound = new TcpClient())
        {
            if (_cut)
            {
                return;
            }

            try
            {
                await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (Exception error) when (error is SocketException or OperationCanceledException)
            {
                return;
            }

            lock (_gate)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }

            await Task.WhenAny(PumpAsync(inbound, outbound), PumpAsync(outbound, inbound));
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var source = from.GetStream();
            var target = to.GetStream();
            while (true)
            {
                var read = await source.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                await target.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
        }
    }
}
