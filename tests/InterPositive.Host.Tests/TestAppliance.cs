using InterPositive.Host.Service;
using InterPositive.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace InterPositive.Host.Tests;

/// <summary>The appliance service built in-process on free loopback ports with its data in a test folder.</summary>
internal static class TestAppliance
{
    public static WebApplication Build(TempFolder folder, TextWriter announcements, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Dashboard:Urls"] = "http://127.0.0.1:0",
            ["Broker:Embedded:Port"] = "0",

            // Logs go to the data folder's file only: the runtime's console can deadlock when one thread logs to stderr
            // while another sets Console.OutputEncoding (Playwright does, starting its driver), which hung the browser test.
            ["Logging:Console"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        return ApplianceHost.Build(null, folder.Combine("data"), announcements, overrides, configureServices);
    }

    /// <summary>A first-start secret ("operator token:", "read-only token:", "#signin=") from the 0600 file in the data folder.</summary>
    public static string FirstStart(TempFolder folder, string label) =>
        File.ReadAllLines(Path.Combine(folder.Combine("data"), "first-start-tokens.txt"))
            .Single(l => l.Contains(label, StringComparison.Ordinal)).Split(label)[1].Trim();

    /// <summary>
    /// Waits (bounded) until the take stage owes nothing and sleeps: a clip written to the catalog wakes it, and the shot
    /// update it then appends would otherwise land among the updates a test counts.
    /// </summary>
    public static async Task WaitForTakesAsync(WebApplication app)
    {
        var stage = app.Services.GetRequiredService<InterPositive.Host.Service.Stages.TakeStage>();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (!(stage.Idle && stage.PendingCount == 0))
        {
            await Task.Delay(50, bound.Token);
        }
    }

    /// <summary>The dashboard/API address the started service listens on.</summary>
    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
