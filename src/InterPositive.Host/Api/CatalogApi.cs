using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Cards;
using InterPositive.Catalog.Clips;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace InterPositive.Host.Api;

/// <summary>Read endpoints over the catalog: cards with their offload state, clips with metadata, lighting and looks.</summary>
public static class CatalogApi
{
    public static RouteGroupBuilder MapCatalogApi(this RouteGroupBuilder api)
    {
        api.MapGet("/cards", (CatalogDatabase catalog) => new ListResponse<CardSummary>([.. CardStore.List(catalog).Select(ToSummary)]))
            .WithName("ListCards").WithSummary("Cards with their offload state per destination; safeToFormat only when every destination is verified.");

        api.MapGet("/cards/{id}", (string id, CatalogDatabase catalog) =>
            CardStore.Find(catalog, id) is { } card
                ? Results.Ok(ToSummary(card))
                : Results.NotFound(new ApiError($"no card {id}")))
            .Produces<CardSummary>().Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithName("GetCard");

        api.MapGet("/clips", (string? card, CatalogDatabase catalog) => new ListResponse<ClipSummary>([.. ClipStore.Views(catalog, card).Select(ToSummary)]))
            .WithName("ListClips").WithSummary("Clips with their metadata (the clips --json record), lighting record, look and alerts.");

        api.MapGet("/clips/{*id}", (string id, CatalogDatabase catalog) =>
            ClipStore.View(catalog, id) is { } view
                ? Results.Ok(ToSummary(view))
                : Results.NotFound(new ApiError($"no clip {id}")))
            .Produces<ClipSummary>().Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithName("GetClip");

        return api;
    }

    internal static CardSummary ToSummary(CardDocument card) => new(
        card.Id,
        card.Name,
        card.SourcePath,
        card.CameraFamily,
        card.Status,
        card.SafeToFormat,
        card.FileCount,
        card.TotalBytes,
        card.Destinations.ConvertAll(d => new DestinationSummary(d.Path, d.Status, d.FilesVerified, d.BytesVerified, d.MhlManifest, d.Error, d.LinksLeftOut)),
        card.Symlinks.ConvertAll(l => new LinkSummary(l.Path, l.Target, l.InsideCard)),
        card.UpdatedAt);

    private static ClipSummary ToSummary(ClipView view)
    {
        var (clip, lighting, look) = view;
        return new ClipSummary(
            clip.Id,
            clip.CardId,
            clip.Path,
            clip.Reel,
            clip.Scene,
            clip.Take,
            clip.Camera,
            Parse(clip.ClipJson)!.Value,
            Parse(lighting?.LightingJson),
            look?.CdlJson is null ? null : Parse(look.CdlJson),
            Parse(lighting?.AlertsJson));
    }

    private static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
