using System.Text.Json;
using InterPositive.Catalog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace InterPositive.Host.Api;

/// <summary>Read endpoints over the catalog: cards with their offload state, clips with metadata, lighting and looks.</summary>
public static class CatalogApi
{
    public static RouteGroupBuilder MapCatalogApi(this RouteGroupBuilder api)
    {
        api.MapGet("/cards", (CatalogDatabase catalog) => new ListResponse<CardSummary>(catalog.Read(db =>
                db.GetCollection<CardDocument>(CatalogCollections.Cards).Query().OrderByDescending(c => c.UpdatedAt).ToList()
                    .ConvertAll(ToSummary))))
            .WithName("ListCards").WithSummary("Cards with their offload state per destination; safeToFormat only when every destination is verified.");

        api.MapGet("/cards/{id}", (string id, CatalogDatabase catalog) =>
            catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(id)) is { } card
                ? Results.Ok(ToSummary(card))
                : Results.NotFound(new ApiError($"no card {id}")))
            .Produces<CardSummary>().Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithName("GetCard");

        api.MapGet("/clips", (string? card, CatalogDatabase catalog) => new ListResponse<ClipSummary>(catalog.Read(db =>
            {
                var clips = db.GetCollection<ClipDocument>(CatalogCollections.Clips);
                var found = card is null ? clips.FindAll() : clips.Find(c => c.CardId == card);
                return found.OrderBy(c => c.Id, StringComparer.Ordinal).Select(c => ToSummary(db, c)).ToList();
            })))
            .WithName("ListClips").WithSummary("Clips with their metadata (the clips --json record), lighting record, look and alerts.");

        api.MapGet("/clips/{*id}", (string id, CatalogDatabase catalog) =>
            catalog.Read(db => db.GetCollection<ClipDocument>(CatalogCollections.Clips).FindById(id) is { } clip ? ToSummary(db, clip) : null) is { } summary
                ? Results.Ok(summary)
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
        card.Destinations.ConvertAll(d => new DestinationSummary(d.Path, d.Status, d.FilesVerified, d.BytesVerified, d.MhlManifest, d.Error)),
        card.UpdatedAt);

    private static ClipSummary ToSummary(LiteDB.ILiteDatabase db, ClipDocument clip)
    {
        var lighting = db.GetCollection<LightingDocument>(CatalogCollections.Lighting).FindById(clip.Id);
        var look = db.GetCollection<LookDocument>(CatalogCollections.Looks).FindById(clip.Id);
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
