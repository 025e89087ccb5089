using InterPositive.Catalog;
using InterPositive.Host.Service;
using InterPositive.Host.Service.Ingest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace InterPositive.Host.Api;

/// <summary>Endpoints over the running stages: offload jobs and the sync publishers.</summary>
public static class ServiceApi
{
    public static RouteGroupBuilder MapServiceApi(this RouteGroupBuilder api)
    {
        api.MapGet("/offload/jobs", (OffloadQueue queue) => new ListResponse<OffloadJobState>(queue.Jobs))
            .WithName("ListOffloadJobs").WithSummary("Offload jobs with live progress (bytes, files, current file) and outcome.");

        api.MapPost("/offload/jobs", async (StartOffload request, OffloadQueue queue, CancellationToken cancellationToken) =>
            {
                if (string.IsNullOrWhiteSpace(request.Source) || !Directory.Exists(request.Source))
                {
                    return Results.BadRequest(new ApiError($"{request.Source}: no such folder"));
                }

                // The same card twice at once would race two copies onto the same destination folders.
                var source = Path.GetFullPath(request.Source);
                if (queue.Jobs.FirstOrDefault(j => j.FinishedAt is null && string.Equals(j.Source, source, StringComparison.Ordinal)) is { } running)
                {
                    return Results.Conflict(new ApiError($"{source}: already {running.State} as job {running.Id}"));
                }

                var job = await queue.EnqueueAsync(request.Source, request.Name, cancellationToken);
                return Results.Accepted($"/api/v1/offload/jobs/{job.Id}", queue.Jobs.First(j => j.Id == job.Id));
            })
            .RequireAuthorization(ApiAuthorization.OperatorPolicy)
            .Produces<OffloadJobState>(StatusCodes.Status202Accepted).Produces<ApiError>(StatusCodes.Status400BadRequest).Produces<ApiError>(StatusCodes.Status409Conflict)
            .WithName("StartOffload").WithSummary("Queues a card folder for offload to the configured destinations (operator); 409 while the same folder is queued or copying.");

        api.MapGet("/sync", (CatalogDatabase catalog, SyncStage sync) =>
            {
                var sinks = sync.Status();
                var main = sinks.FirstOrDefault(s => s.Sink == SyncStage.UpstreamSink) ?? (sinks.Count > 0 ? sinks[0] : null);
                var backlog = catalog.Outbox.Backlog(main?.Sink ?? SyncStage.LocalSink);
                return new SyncStatus(catalog.Outbox.LastSequence(), backlog.Count, backlog.Oldest, main?.Broker, main?.Connected ?? false, sinks);
            })
            .WithName("GetSyncStatus").WithSummary("Outbox backlog per sink (embedded broker, post-house broker) and connection state.");
        api.MapGet("/relight/{*clipId}", async (string clipId, double? cct, double? tint, double? exposure, string? key, Service.Stages.InteractiveRelight relight, CancellationToken cancellationToken) =>
            {
                Relight.Models.KeyChange? change;
                try
                {
                    change = string.IsNullOrWhiteSpace(key) ? null : Relight.Models.KeyChange.Parse(key);
                }
                catch (ArgumentException error)
                {
                    return Results.BadRequest(new ApiError(error.Message));
                }

                if (cct is < 1000 or > 20000 || exposure is < -6 or > 6 || tint is < -100 or > 100)
                {
                    return Results.BadRequest(new ApiError("cct 1000–20000 K, tint ±100, exposure ±6 stops"));
                }

                var jpeg = await relight.RelightAsync(clipId, cct, tint, exposure, change, cancellationToken);
                return jpeg is null ? Results.NotFound(new ApiError($"no verified copy of clip {clipId}")) : Results.File(jpeg, "image/jpeg");
            })
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg").Produces<ApiError>(StatusCodes.Status400BadRequest).Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithName("RelightClip").WithSummary("The clip's first frame relit: lamps' CCT and tint, exposure in stops, key AZIMUTH,ELEVATION,STOPS (JPEG).");

        api.MapGet("/sensors", (LightSensorStage sensors) => new ListResponse<SensorLive>(sensors.Live()))
            .WithName("ListSensors").WithSummary("Configured I²C light sensors: state, latest lux and CCT, when, and the live timecode it was tied to.");

        api.MapGet("/feeds", (FeedService feeds) => new ListResponse<FeedLive>(feeds.Live()))
            .WithName("ListFeeds").WithSummary("Live feeds: timecode, drops and repeats, camera, live exposure, light colour and flicker.");

        api.MapGet("/feeds/{name}/thumbnail.png", (string name, bool? falseColour, FeedService feeds) =>
                feeds.Thumbnail(name, falseColour ?? false) is { } png ? Results.File(png, "image/png") : Results.NotFound(new ApiError($"no picture from feed {name} yet")))
            .Produces(StatusCodes.Status200OK, contentType: "image/png").Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithName("GetFeedThumbnail").WithSummary("The feed's latest picture (refreshed more than twice a second), optionally in false colour.");
        return api;
    }
}
