using System.Net;
using System.Net.Sockets;

namespace InterPositive.Testing.Brokers;

/// <summary>Free loopback ports and waiting for a listener.</summary>
public static class LoopbackPort
{
    /// <summary>A port that was free a moment ago (the OS picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Waits until something accepts connections on the port, or throws after <paramref name="timeout"/>.</summary>
    public static async Task WaitForListenerAsync(int port, TimeSpan timeout, Func<string>? whyNot = null)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (Environment.TickCount64 < deadline)
            {
                await Task.Delay(50);
            }
            catch (SocketException error)
            {
                throw new TimeoutException($"nothing listens on 127.0.0.1:{port} after {timeout}: {error.Message} {whyNot?.Invoke()}", error);
            }
        }
    }
}
