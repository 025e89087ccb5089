using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;

namespace InterPositive.Host.Service;

/// <summary>
/// Once the host has started: marks the service ready (systemd READY=1 is sent by the host) and says where the
/// dashboard is, with the first start's one-time sign-in link on the address the server really listens on.
/// </summary>
public sealed class StartupAnnouncer(ReadinessGate readiness, IHostApplicationLifetime lifetime, IServer server, TextWriter output, string? signInCode = null) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            readiness.MarkReady();
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1:8080";
            if (signInCode is not null)
            {
                output.WriteLine($"  dashboard sign-in (one time): {address.TrimEnd('/')}/#signin={signInCode}");
            }

            output.WriteLine($"InterPositive Edge is ready: dashboard {address}/");
            output.Flush();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
