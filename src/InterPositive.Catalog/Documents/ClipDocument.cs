using LiteDB;

namespace InterPositive.Catalog;

/// <summary>
/// A clip found on a card. The normalised clip record (the object <c>interpositive clips --json</c> prints) is kept
/// as JSON so the catalog, the shot messages to post and the CLI all carry exactly the same contract; the fields
/// beside it are copies for indexing and continuity look-ups.
/// </summary>
public sealed class ClipDocument
{
    /// <summary>Stable clip id: card id + clip name (e.g. <c>A002R2EC/A002C006_141024_R2EC</c>).</summary>
    [BsonId]
    public string Id { get; set; } = "";

    public string CardId { get; set; } = "";

    /// <summary>Path of the clip's main file relative to the card root.</summary>
    public string Path { get; set; } = "";

    public string? Reel { get; set; }

    public string? Scene { get; set; }

    public string? Take { get; set; }

    public string? Camera { get; set; }

    /// <summary>The normalised clip record as JSON (camelCase, nulls kept).</summary>
    public string ClipJson { get; set; } = "{}";

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The per-take lighting record of a clip (the object <c>interpositive analyze --json</c> prints), as JSON.</summary>
public sealed class LightingDocument
{
    /// <summary>The clip id this record belongs to.</summary>
    [BsonId]
    public string ClipId { get; set; } = "";

    public string LightingJson { get; set; } = "{}";

    /// <summary>Continuity and flicker alerts raised for this take, as JSON array.</summary>
    public string AlertsJson { get; set; } = "[]";

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The look (ASC CDL) applied to a clip, and its relight previews.</summary>
public sealed class LookDocument
{
    [BsonId]
    public string ClipId { get; set; } = "";

    /// <summary>The ASC CDL as JSON: slope[3], offset[3], power[3], saturation, id. Written by <see cref="Looks.LookStore"/>.</summary>
    public string? CdlJson { get; set; }

    /// <summary>Where the look came from: the .cc/.ccc/.cdl file's name, <c>api</c>, <c>dashboard</c>.</summary>
    public string? Source { get; set; }

    /// <summary>Preview references (paths relative to the data folder) as JSON array.</summary>
    public string PreviewsJson { get; set; } = "[]";

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The collection names, one place.</summary>
public static class CatalogCollections
{
    public const string Cards = "cards";
    public const string Files = "files";
    public const string OffloadJobs = "offload_jobs";
    public const string Clips = "clips";
    public const string Lighting = "lighting";
    public const string Looks = "looks";
    public const string Alerts = "alerts";
}
