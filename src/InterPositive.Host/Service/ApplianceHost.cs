using InterPositive.Host.Api;
using InterPositive.Host.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Prometheus;
using Serilog;

namespace InterPositive.Host.Service;

/// <summary>
/// Builds the appliance service on the generic host: the catalog, the hosted stages, the HTTP API, health,
/// metrics and the dashboard. Tests start it in-process with their own data folder and port 0.
/// </summary>
public static class ApplianceHost
{
    /// <summary>
    /// Builds (but does not start) the service. <paramref name="configFile"/> may be null: defaults apply.
    /// <paramref name="configureServices"/> runs last on the service collection: tests register fakes of hardware there (an I²C bus).
    /// </summary>
    public static WebApplication Build(string? configFile, string? dataFolderOverride, TextWriter announcements, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new FileNotFoundException($"{configFile}: configuration file not found", configFile);
            }

            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddEnvironmentVariables("INTERPOSITIVE_");
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var options = builder.Configuration.Get<ApplianceOptions>() ?? new ApplianceOptions();

        // A configuration mistake stops the service at start with every problem named, not hours later at the first card.
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new InvalidDataException($"{configFile ?? "configuration"}: {string.Join("; ", problems)}");
        }

        var dataFolder = Path.GetFullPath(dataFolderOverride
            ?? options.Data.Folder
            ?? Environment.GetEnvironmentVariable("INTERPOSITIVE_DATA")
            ?? "data");
        options.Data.Folder = dataFolder;
        if (options.Feeds.Count == 0)
        {
            options.Feeds.Add(new ConfiguredFeed { Name = "A", Source = "pattern" });
        }

        Catalog.CatalogFiles.CreateFolder(dataFolder);
        builder.WebHost.UseUrls(options.Dashboard.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        ApiSecurity.ConfigureHttps(builder.WebHost, options.Dashboard);
        builder.Host.UseSystemd();
        builder.Services.TryAddSingleton<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier, Microsoft.Extensions.Hosting.Systemd.SystemdNotifier>();
        var logging = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext();
        if (options.Logging.Console)
        {
            logging = logging.WriteTo.Console(outputTemplate: LogSetup.ConsoleTemplate, standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        var logger = logging
            .WriteTo.File(
                new Serilog.Formatting.Compact.CompactJsonFormatter(),
                Path.Combine(dataFolder, "logs", "interpositive-serve-.clef"),
                rollingInterval: RollingInterval.Day,
                fileSizeLimitBytes: 64L * 1024 * 1024,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: 14,
                shared: true)
            .CreateLogger();
        builder.Services.AddSerilog(logger, dispose: true);
        builder.Services.AddSingleton<Serilog.ILogger>(logger);
        if (options.Broker.Embedded.Enabled && options.Broker.Embedded.Port == 0)
        {
            options.Broker.Embedded.Port = FreeTcpPort(options.Broker.Embedded.Addresses()[0].ToString());
        }

        // Made (and shown) now, before anything can fail; the service then reads them back on its own clock.
        _ = ApiTokenStore.LoadOrCreate(dataFolder, TimeProvider.System, options.Dashboard.SessionLifetime, out var issued);
        var shownOnTerminal = false;
        if (issued is not null)
        {
            shownOnTerminal = AnnounceFirstStart(dataFolder, issued, options.Dashboard.Urls.Split(';')[0].TrimEnd('/'), announcements);
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new InterPositive.Media.MediaTools(options.Media));

        // Stages stop together: the offload queue parks its copy at once instead of waiting behind the feeds and sync,
        // and the whole service stays inside systemd's stop timeout (TimeoutStopSec=120s in appliance/systemd/interpositive.service).
        builder.Services.Configure<HostOptions>(host =>
        {
            host.ServicesStopConcurrently = true;
            host.ShutdownTimeout = TimeSpan.FromSeconds(20);
        });
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services => ApiTokenStore.LoadOrCreate(dataFolder, services.GetRequiredService<TimeProvider>(), options.Dashboard.SessionLifetime, out _));
        builder.Services.AddApplianceServices(options);
        builder.Services.AddHostedService<SystemdWatchdog>();
        builder.Services.AddHealthChecks().AddCheck<ReadinessGate>("ready", tags: ["ready"]);
        builder.Services.AddApiSecurity(options);
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(LookApiJsonContext.Default));
        builder.Services.AddHostedService<StartupAnnouncer>(services => new StartupAnnouncer(
            services.GetRequiredService<ReadinessGate>(),
            services.GetRequiredService<IHostApplicationLifetime>(),
            services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>(),
            announcements,
            shownOnTerminal ? issued?.SignInCode : null)); // on the address the server really got; never to the journal

        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        var stopping = 0L;
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            stopping = TimeProvider.System.GetTimestamp();
            logger.Information("Stopping: copies in flight are parked, stages drain");
        });
        app.Lifetime.ApplicationStopped.Register(() => logger.Information("Stopped in {Milliseconds} ms", (long)TimeProvider.System.GetElapsedTime(stopping).TotalMilliseconds));
        // Host check first (DNS rebinding), then routing, then authorisation per matched endpoint; denied by default.
        app.UseHostFiltering();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapMetrics("/metrics").RequireAuthorization(ApiAuthorization.ReadPolicy);
        app.MapSignIn();
        var api = app.MapGroup("/api/v1").RequireAuthorization(ApiAuthorization.ReadPolicy);
        api.MapCatalogApi();
        api.MapServiceApi();
        api.MapTokensApi();
        api.MapLookApi();
        api.MapMatchApi();
        app.MapDashboard();
        return app;
    }

    /// <summary>
    /// The first-start tokens go to a 0600 file in the data folder, always, and to the announcements only when they are
    /// not the process's redirected stdout: under systemd stdout is the journal, which keeps them for anyone in the
    /// journal's group to read. An in-process caller (the tests, the demo's own writer) passes its own writer.
    /// </summary>
    private static bool AnnounceFirstStart(string dataFolder, IssuedTokens issued, string signInUrl, TextWriter announcements)
    {
        var file = ApiTokenStore.WriteFirstStartFile(dataFolder, issued, signInUrl);
        var toJournal = ReferenceEquals(announcements, Console.Out) && Console.IsOutputRedirected;
        if (toJournal)
        {
            announcements.WriteLine($"First start: the tokens are in {file} (mode 0600); copy them and delete the file.");
        }
        else
        {
            // The sign-in link follows from the startup announcer, on the port the server really got (the configuration may say 0).
            foreach (var line in ApiTokenStore.FirstStartLines(issued, signInUrl).SkipLast(1))
            {
                announcements.WriteLine(line);
            }

            announcements.WriteLine($"  (also in {file}, mode 0600: delete it once they are copied)");
        }

        announcements.Flush();
        return !toJournal;
    }

    private static int FreeTcpPort(string bind)
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse(bind), 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Ready once every stage has started; the systemd READY=1 and /health/ready follow it.</summary>
public sealed class ReadinessGate : IHealthCheck
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ready ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("starting"));
}
