using System.Text.Json;
using InterPositive.Catalog.Looks;
using InterPositive.Host.Service.Stages;
using InterPositive.Relight.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace InterPositive.Host.Api;

/// <summary>A clip's match to its continuity reference: offered, accepted or rejected.</summary>
public sealed record MatchSummary(string ClipId, string ReferenceClip, string Status, JsonElement Adjustment, string? Preview, DateTimeOffset OfferedAt, DateTimeOffset? DecidedAt)
{
    public static MatchSummary From(MatchDocument document)
    {
        using var adjustment = JsonDocument.Parse(document.AdjustmentJson);
        return new(document.ClipId, document.ReferenceClip, document.Status, adjustment.RootElement.Clone(), document.Preview, document.OfferedAt, document.DecidedAt);
    }
}

/// <summary>
/// Matches of takes with continuity alerts to their reference takes: the offer (rendered on demand), and the DIT's
/// accept or reject (operator token: every non-GET request needs it), which sends an accepted match to post with the shot.
/// </summary>
public static class MatchApi
{
    public static RouteGroupBuilder MapMatchApi(this RouteGroupBuilder api)
    {
        api.MapGet("/matches/{*clipId}", (string clipId, Catalog.CatalogDatabase catalog) =>
                MatchStore.Find(catalog, clipId) is { } match ? Results.Ok(MatchSummary.From(match)) : Results.NotFound(new ApiError($"no match offered for clip {clipId}")))
            .WithName("GetMatch").WithSummary("The clip's match to its continuity reference: the changes, the difference before and after, and the DIT's decision.");

        api.MapPost("/matches/offer/{*clipId}", async (string clipId, ClipMatching matching, CancellationToken cancellationToken) =>
            {
                using var model = new BuiltInModel();
                var offered = await matching.OfferAsync(clipId, model, cancellationToken);
                return offered is null
                    ? Results.NotFound(new ApiError($"clip {clipId}: no reference take or no verified copy to match with"))
                    : Results.Ok(MatchSummary.From(offered));
            })
            .WithName("OfferMatch").WithSummary("Works out the match of the clip to the take its continuity alert compared it with, renders its first frame and offers it (operator).");

        api.MapPost("/matches/accept/{*clipId}", (string clipId, ClipMatching matching) => Decide(matching, clipId, accept: true))
            .WithName("AcceptMatch").WithSummary("Accepts the offered match: stored as the clip's look adjustment and sent to post with the shot (operator).");

        api.MapPost("/matches/reject/{*clipId}", (string clipId, ClipMatching matching) => Decide(matching, clipId, accept: false))
            .WithName("RejectMatch").WithSummary("Rejects the offered match (operator).");
        return api;
    }

    private static IResult Decide(ClipMatching matching, string clipId, bool accept) =>
        matching.Decide(clipId, accept) is { } decided ? Results.Ok(MatchSummary.From(decided)) : Results.NotFound(new ApiError($"no match offered for clip {clipId}"));
}
