using System.Globalization;
using System.Net;
using System.Net.Sockets;
using InterPositive.Sync.Brokers;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
using MQTTnet;
using Xunit.Abstractions;

namespace InterPositive.Host.Tests;

/// <summary>
/// The served appliance's embedded broker under a flood of oversized anonymous publishes (each declaring 250 MB):
/// the process's resident memory stays under its idle figure + 100 MB, and the broker still serves afterwards.
/// Measured on a child <c>interpositive serve</c>, the process a set-side attacker would reach.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BrokerFloodTests(ITestOutputHelper output)
{
    private const long Headroom = 100L * 1024 * 1024;
    private const int Declared = 250 * 1024 * 1024;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_flood_of_oversized_publishes_keeps_the_service_under_its_idle_memory_plus_100_MB()
    {
        using var folder = new TempFolder();
        var brokerPort = LoopbackPort.Free();
        var httpPort = LoopbackPort.Free();
        var config = folder.Combine("interpositive.json");
        var cards = Directory.CreateDirectory(folder.Combine("cards")).FullName;
        await File.WriteAllTextAsync(config, ServeChildProcessTests.Config(cards, [Directory.CreateDirectory(folder.Combine("raid")).FullName], brokerPort, httpPort));
        using var child = ServeChild.Start(folder.Combine("data"), config);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        using var stop = new CancellationTokenSource(Bound);
        await child.WaitReadyAsync(http, stop.Token);

        // Idle: after a legitimate reader has connected once (the MQTT paths are warm), the highest of a few samples.
        await ReadOnceAsync(brokerPort, stop.Token);
        long idle = 0;
        for (var i = 0; i < 10; i++)
        {
            idle = Math.Max(idle, Rss(child.Process.Id));
            await Task.Delay(100, stop.Token);
        }

        long peak = 0;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        var sampler = Task.Run(
            async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, Rss(child.Process.Id));
                    await Task.Delay(20, CancellationToken.None);
                }
            },
            CancellationToken.None);

        // Six clients at a time (the issue's probe), three rounds: 18 publishes declaring 250 MB each, 4.5 GB in all.
        var cut = 0;
        for (var round = 0; round < 3; round++)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => FloodAsync(brokerPort, $"flood-{round}-{i}", stop.Token)));
            cut += results.Count(c => c);
        }

        await sampling.CancelAsync();
        await sampler;
        peak = Math.Max(peak, Rss(child.Process.Id));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"serve RSS idle {idle / 1048576.0:F1} MiB, peak under the flood {peak / 1048576.0:F1} MiB (+{(peak - idle) / 1048576.0:F1} MiB), {cut} of 18 connections cut"));

        Assert.Equal(18, cut);
        Assert.True(peak < idle + Headroom, $"RSS rose from {idle} to {peak} bytes");
        Assert.False(child.Process.HasExited, child.Stderr);
        await ReadOnceAsync(brokerPort, stop.Token);
        Assert.Contains("over the", child.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Anonymous CONNECT, then a PUBLISH declaring 250 MB streamed until the broker cuts it; true when it did.</summary>
    private static async Task<bool> FloodAsync(int port, string clientId, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        await using var stream = new NetworkStream(socket);
        var id = System.Text.Encoding.ASCII.GetBytes(clientId);
        byte[] connect = [0x10, (byte)(12 + id.Length), 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 2, 0, 60, 0, (byte)id.Length, .. id];
        await stream.WriteAsync(connect, cancellationToken);
        var connack = new byte[4];
        await stream.ReadExactlyAsync(connack, cancellationToken);
        byte[] header = [0x30, (byte)((Declared % 128) | 0x80), (byte)((Declared / 128 % 128) | 0x80), (byte)((Declared / 16384 % 128) | 0x80), (byte)(Declared / 2097152)];
        var chunk = new byte[1024 * 1024];
        try
        {
            await stream.WriteAsync(header, cancellationToken);
            for (var sent = 0L; sent < Declared; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk, cancellationToken);
            }

            // Everything went out: the broker took the whole body (the old behaviour) unless it closes now.
            return await stream.ReadAsync(new byte[1], cancellationToken) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static async Task ReadOnceAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(BrokerEndpoint.Parse($"mqtt://127.0.0.1:{port}").CreateOptions("reader-" + Guid.NewGuid().ToString("N")[..6]).Build(), cancellationToken);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        await client.SubscribeAsync("interpositive/v1/childtest/#", cancellationToken: cancellationToken);
        await client.DisconnectAsync(cancellationToken: cancellationToken);
    }

    /// <summary>Resident set size of a process, from /proc.</summary>
    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
