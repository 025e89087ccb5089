using InterPositive.Catalog;
using InterPositive.Host.Api;
using InterPositive.Host.Dashboard;
using InterPositive.Host.Service.Ingest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
        var dataFolder = Path.GetFullPath(dataFolderOverride
            ?? options.Data.Folder
            ?? Environment.GetEnvironmentVariable("INTERPOSITIVE_DATA")
            ?? "data");
        options.Data.Folder = dataFolder;
        if (options.Feeds.Count == 0)
        {
            options.Feeds.Add(new ConfiguredFeed { Name = "A", Source = "pattern" });
        }

        Directory.CreateDirectory(dataFolder);
        builder.WebHost.UseUrls(options.Dashboard.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
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
            options.Broker.Embedded.Port = FreeTcpPort(options.Broker.Embedded.Bind);
        }

        var tokens = ApiTokenStore.LoadOrCreate(dataFolder, out var issued);
        if (issued is not null)
        {
            // Shown now, once: only hashes are stored, and a start that fails later must not lose them.
            var signIn = options.Dashboard.Urls.Split(';')[0].TrimEnd('/');
            announcements.WriteLine("First start: these tokens are shown once and stored only as hashes.");
            announcements.WriteLine($"  operator token:  {issued.OperatorToken}");
            announcements.WriteLine($"  read-only token: {issued.ReadOnlyToken}");
            announcements.WriteLine($"  dashboard sign-in (one time): {signIn}/#signin={issued.SignInCode}");
            announcements.Flush();
        }

        builder.Services.AddSingleton(options);

        // Stages stop together: the offload queue parks its copy at once instead of waiting behind the feeds and sync,
        // and the whole service stays inside systemd's stop timeout (TimeoutStopSec=120s in appliance/systemd/interpositive.service).
        builder.Services.Configure<HostOptions>(host =>
        {
            host.ServicesStopConcurrently = true;
            host.ShutdownTimeout = TimeSpan.FromSeconds(20);
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton(services => CatalogDatabase.Open(Path.Combine(dataFolder, "interpositive.db"), services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ReadinessGate>();
        builder.Services.AddSingleton<CardIngest>();
        builder.Services.AddSingleton<OffloadQueue>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OffloadQueue>());
        builder.Services.AddHostedService<CardWatcher>();
        builder.Services.AddSingleton<Stages.InteractiveRelight>();
        builder.Services.AddSingleton(services => new Stages.ClipMatching(services.GetRequiredService<CatalogDatabase>(), dataFolder, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<Serilog.ILogger>()));
        builder.Services.AddSingleton<Stages.TakeStages>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Stages.TakeStages>());
        builder.Services.AddSingleton<FeedService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FeedService>());
        builder.Services.AddSingleton<SyncStage>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SyncStage>());
        builder.Services.AddSingleton(services => new LightSensorStage(
            options,
            () => services.GetRequiredService<FeedService>().Live().FirstOrDefault(f => f.Timecode is not null)?.Timecode,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<Serilog.ILogger>(),
            services.GetService<I2cDeviceFactory>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<LightSensorStage>());
        builder.Services.AddHostedService<SystemdWatchdog>();
        builder.Services.AddHealthChecks().AddCheck<ReadinessGate>("ready", tags: ["ready"]);
        builder.Services.AddOpenApi("v1");
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        builder.Services.AddHostedService<StartupAnnouncer>(services => new StartupAnnouncer(
            services.GetRequiredService<ReadinessGate>(),
            services.GetRequiredService<IHostApplicationLifetime>(),
            services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>(),
            announcements));

        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        var stopping = 0L;
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            stopping = TimeProvider.System.GetTimestamp();
            logger.Information("Stopping: copies in flight are parked, stages drain");
        });
        app.Lifetime.ApplicationStopped.Register(() => logger.Information("Stopped in {Milliseconds} ms", (long)TimeProvider.System.GetElapsedTime(stopping).TotalMilliseconds));
        app.UseMiddleware<TokenAuthentication>();
        app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapMetrics("/metrics");
        app.MapPost("/signin", (string code, ApiTokenStore store, HttpContext http) =>
        {
            var session = store.RedeemSignIn(code);
            if (session is null)
            {
                return Results.Json(new ApiError("this sign-in link was already used or is unknown"), ApiJsonContext.Default.ApiError, statusCode: StatusCodes.Status401Unauthorized);
            }

            http.Response.Cookies.Append(TokenAuthentication.SessionCookie, session, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, MaxAge = TimeSpan.FromDays(30) });
            return Results.Json(new SignInResponse(ApiRoles.Operator), ApiJsonContext.Default.SignInResponse);
        }).WithName("SignIn").WithSummary("Exchanges the one-time sign-in code printed at first start for a dashboard session cookie.");
        var api = app.MapGroup("/api/v1");
        api.MapCatalogApi();
        api.MapServiceApi();
        api.MapMatchApi();
        app.MapDashboard();
        return app;
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
