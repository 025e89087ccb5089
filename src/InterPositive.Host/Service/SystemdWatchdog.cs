using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace InterPositive.Host.Service;

/// <summary>
/// Pings systemd's watchdog (WatchdogSec in the unit) at half its interval while the service is ready, so a hung
/// process is restarted. Does nothing when not started by systemd.
/// </summary>
public sealed class SystemdWatchdog(ISystemdNotifier notifier, ReadinessGate readiness, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        if (!notifier.IsEnabled || usec is null || !long.TryParse(usec, NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros) || micros <= 0)
        {
            return;
        }

        var interval = TimeSpan.FromMicroseconds(micros / 2.0);
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (readiness.IsReady)
            {
                notifier.Notify(new ServiceState("WATCHDOG=1"));
            }
        }
    }
}
