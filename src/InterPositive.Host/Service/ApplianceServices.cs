using InterPositive.Catalog;
using InterPositive.Host.Service.Ingest;
using InterPositive.Takes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace InterPositive.Host.Service;

/// <summary>
/// The service's wiring, in one place: the catalog, the library components and the stages that wrap them (one hosted
/// stage per library object: card watcher and offload queue over card ingest, the take stage over the take worker, the
/// feeds, sync and the light sensors). Decisions live in the libraries; this only connects them.
/// </summary>
public static class ApplianceServices
{
    public static IServiceCollection AddApplianceServices(this IServiceCollection services, ApplianceOptions options)
    {
        var dataFolder = options.Data.Folder ?? throw new InvalidOperationException("the data folder is resolved before the services are added");
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => CatalogDatabase.Open(
            Path.Combine(dataFolder, "interpositive.db"),
            provider.GetRequiredService<TimeProvider>(),
            $"the interpositive service (serve, API {options.Dashboard.Urls})"));
        services.AddSingleton<ReadinessGate>();
        services.AddSingleton<CardIngest>();
        services.AddSingleton<OffloadQueue>();
        services.AddHostedService(provider => provider.GetRequiredService<OffloadQueue>());
        services.AddHostedService<CardWatcher>();
        services.AddSingleton<Stages.InteractiveRelight>();
        services.AddSingleton(provider => new Stages.ClipMatching(provider.GetRequiredService<CatalogDatabase>(), dataFolder, provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<Serilog.ILogger>()));
        services.AddSingleton<Stages.TakeStage>();
        services.AddHostedService(provider => provider.GetRequiredService<Stages.TakeStage>());
        services.AddSingleton<FeedService>();
        services.AddHostedService(provider => provider.GetRequiredService<FeedService>());
        services.AddSingleton<SyncStage>();
        services.AddHostedService(provider => provider.GetRequiredService<SyncStage>());
        services.AddSingleton(provider => new LightSensorStage(
            options,
            () => provider.GetRequiredService<FeedService>().Live().FirstOrDefault(f => f.Timecode is not null)?.Timecode,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<Serilog.ILogger>(),
            provider.GetService<I2cDeviceFactory>()));
        services.AddHostedService(provider => provider.GetRequiredService<LightSensorStage>());
        return services;
    }
}
