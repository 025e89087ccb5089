using System.Text.Json;
using System.Text.Json.Serialization;
using InterPositive.Catalog;
using InterPositive.Catalog.Looks;
using InterPositive.Formats;
using InterPositive.Formats.Cdl;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace InterPositive.Host.Api;

/// <summary>A look to set on a clip: the ASC CDL values, or a .cc/.ccc/.cdl document (its first correction).</summary>
public sealed record SetLook(double[]? Slope, double[]? Offset, double[]? Power, double? Saturation, string? Id, string? Cdl);

/// <summary>A clip's look after a change (null when cleared).</summary>
public sealed record LookResponse(string ClipId, JsonElement? Cdl);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(SetLook))]
[JsonSerializable(typeof(LookResponse))]
public sealed partial class LookApiJsonContext : JsonSerializerContext;

/// <summary>
/// Setting and clearing a clip's look (operator token; reads come with the clip). The catalog's look store writes the
/// look and the clip's shot update for post in one transaction, as the <c>clips --cdl</c> verb does.
/// </summary>
public static class LookApi
{
    public static RouteGroupBuilder MapLookApi(this RouteGroupBuilder api)
    {
        // Clip ids hold a '/', so the id is the route's catch-all tail.
        api.MapPut("/looks/{*clipId}", (string clipId, SetLook request, CatalogDatabase catalog) =>
            {
                Cdl cdl;
                try
                {
                    cdl = ToCdl(request);
                }
                catch (MalformedInputException error)
                {
                    return Results.BadRequest(new ApiError(error.Message));
                }

                return LookStore.Set(catalog, clipId, cdl, "api")
                    ? Results.Ok(Response(clipId, cdl))
                    : Results.NotFound(new ApiError($"no clip {clipId}"));
            })
            .WithName("SetLook").WithSummary("Sets a clip's ASC CDL (slope, offset, power, saturation, or a .cc/.ccc/.cdl document); post gets it with the shot (operator).");

        api.MapDelete("/looks/{*clipId}", (string clipId, CatalogDatabase catalog) =>
                LookStore.Set(catalog, clipId, null, null)
                    ? Results.Ok(Response(clipId, null))
                    : Results.NotFound(new ApiError($"no clip {clipId}")))
            .WithName("ClearLook").WithSummary("Clears a clip's look; post gets the shot without it (operator).");
        return api;
    }

    /// <summary>The correction a request describes; throws <see cref="MalformedInputException"/> naming the field.</summary>
    public static Cdl ToCdl(SetLook request)
    {
        if (!string.IsNullOrWhiteSpace(request.Cdl))
        {
            var corrections = CdlXml.Parse(request.Cdl, "request body");
            return corrections.Count > 0 ? corrections[0] : throw new MalformedInputException("the document has no ColorCorrection", "request body", field: "cdl");
        }

        var cdl = new Cdl(
            string.IsNullOrWhiteSpace(request.Id) ? null : request.Id,
            Triple(request.Slope, "slope"),
            Triple(request.Offset, "offset"),
            Triple(request.Power, "power"),
            request.Saturation is { } s && double.IsFinite(s) && s >= 0 ? s : throw new MalformedInputException("saturation must be a number of 0 or more", "request body", field: "saturation"));
        if (cdl.Slope.R < 0 || cdl.Slope.G < 0 || cdl.Slope.B < 0 || cdl.Power.R <= 0 || cdl.Power.G <= 0 || cdl.Power.B <= 0)
        {
            throw new MalformedInputException("slope must be 0 or more and power above 0", "request body", field: "slope/power");
        }

        return cdl;
    }

    private static CdlTriple Triple(double[]? values, string name) =>
        values is { Length: 3 } v && v.All(double.IsFinite)
            ? new CdlTriple(v[0], v[1], v[2])
            : throw new MalformedInputException("needs three finite numbers", "request body", field: name);

    private static LookResponse Response(string clipId, Cdl? cdl)
    {
        if (cdl is null)
        {
            return new LookResponse(clipId, null);
        }

        using var document = JsonDocument.Parse(LookStore.ToJson(cdl));
        return new LookResponse(clipId, document.RootElement.Clone());
    }
}
