using System.Buffers;
using System.Text;
using System.Text.Json;
using InterPositive.Catalog.Shots;
using InterPositive.Formats;
using InterPositive.Formats.Cdl;

namespace InterPositive.Catalog.Looks;

/// <summary>
/// A clip's look: the ASC CDL a DIT attached to it (from a .cc/.ccc/.cdl file, the API or the dashboard). Setting or
/// clearing it writes the look and the clip's shot record to the outbox in one transaction, so post always has the look
/// the appliance shows.
/// </summary>
public static class LookStore
{
    /// <summary>
    /// Sets (or, with a null correction, clears) the looks of several clips in one transaction; returns the
    /// clip ids that were not in the catalog (nothing is written for them).
    /// </summary>
    public static IReadOnlyList<string> SetMany(CatalogDatabase catalog, IReadOnlyList<(string ClipId, Cdl? Cdl)> looks, string? source) => catalog.Write(tx =>
    {
        var clips = tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips);
        var collection = tx.Database.GetCollection<LookDocument>(CatalogCollections.Looks);
        var unknown = new List<string>();
        foreach (var (clipId, cdl) in looks)
        {
            if (clips.FindById(clipId) is null)
            {
                unknown.Add(clipId);
                continue;
            }

            // The previews stay until the take stage has remade them with this look (TakeStore.Pending owes them again):
            // post and the dashboard keep showing the old ones rather than none.
            var look = collection.FindById(clipId) ?? new LookDocument { ClipId = clipId };
            look.CdlJson = cdl is null ? null : ToJson(cdl);
            look.Source = cdl is null ? null : source;
            look.UpdatedAt = tx.Now;
            collection.Upsert(look);
            ShotRecords.Enqueue(tx, clipId);
        }

        return (IReadOnlyList<string>)unknown;
    });

    /// <summary>
    /// Within an ingest's transaction: gives each listed clip its look unless it has one already (a look the DIT set
    /// is not replaced by a card's own file when the card is ingested again). The caller writes the shot records.
    /// </summary>
    public static int AttachWhereNone(CatalogTransaction tx, IEnumerable<(string ClipId, Cdl Cdl)> looks, string source)
    {
        var collection = tx.Database.GetCollection<LookDocument>(CatalogCollections.Looks);
        var attached = 0;
        foreach (var (clipId, cdl) in looks)
        {
            if (collection.FindById(clipId) is { CdlJson: not null })
            {
                continue;
            }

            collection.Upsert(new LookDocument { ClipId = clipId, CdlJson = ToJson(cdl), Source = source, UpdatedAt = tx.Now });
            attached++;
        }

        return attached;
    }

    /// <summary>Sets or clears one clip's look; false when the clip is not in the catalog.</summary>
    public static bool Set(CatalogDatabase catalog, string clipId, Cdl? cdl, string? source) =>
        SetMany(catalog, [(clipId, cdl)], source).Count == 0;

    /// <summary>The clip's look, or null when it has none.</summary>
    public static Cdl? Find(CatalogDatabase catalog, string clipId) => catalog.Read(db =>
        db.GetCollection<LookDocument>(CatalogCollections.Looks).FindById(clipId) is { CdlJson: { } json } ? FromJson(json, $"look of {clipId}") : null);

    /// <summary>
    /// The clips of the card whose source folder or one of whose destination copies is <paramref name="folder"/>, by
    /// clip name (the name a ColorCorrection id matches); empty when no card there is in the catalog.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ClipIdsAt(CatalogDatabase catalog, string folder)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        return catalog.Read(db =>
        {
            var card = db.GetCollection<CardDocument>(CatalogCollections.Cards).FindAll()
                .FirstOrDefault(c => Same(c.SourcePath, full) || c.Destinations.Exists(d => Same(d.Path, full)));
            if (card is null)
            {
                return (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(StringComparer.Ordinal);
            }

            var prefix = card.Id + "/";
            return db.GetCollection<ClipDocument>(CatalogCollections.Clips).Find(c => c.CardId == card.Id)
                .ToDictionary(c => c.Id.StartsWith(prefix, StringComparison.Ordinal) ? c.Id[prefix.Length..] : c.Id, c => c.Id, StringComparer.Ordinal);
        });
    }

    /// <summary>The catalog's (and the shot record's) JSON form of a correction: id, slope, offset, power, saturation.</summary>
    public static string ToJson(Cdl cdl)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (cdl.Id is null)
            {
                writer.WriteNull("id");
            }
            else
            {
                writer.WriteString("id", cdl.Id);
            }

            Triple(writer, "slope", cdl.Slope);
            Triple(writer, "offset", cdl.Offset);
            Triple(writer, "power", cdl.Power);
            writer.WriteNumber("saturation", cdl.Saturation);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads the JSON form back; throws <see cref="MalformedInputException"/> naming <paramref name="source"/>.</summary>
    public static Cdl FromJson(string json, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var id = root.TryGetProperty("id", out var idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : null;
            return new Cdl(id, Triple(root, "slope"), Triple(root, "offset"), Triple(root, "power"), root.GetProperty("saturation").GetDouble());
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new MalformedInputException($"not an ASC CDL record: {error.Message}", source, field: "cdl", innerException: error);
        }
    }

    private static bool Same(string? path, string full) =>
        !string.IsNullOrEmpty(path) && string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)), full, StringComparison.Ordinal);

    private static void Triple(Utf8JsonWriter writer, string name, CdlTriple value)
    {
        writer.WriteStartArray(name);
        writer.WriteNumberValue(value.R);
        writer.WriteNumberValue(value.G);
        writer.WriteNumberValue(value.B);
        writer.WriteEndArray();
    }

    private static CdlTriple Triple(JsonElement root, string name)
    {
        var values = root.GetProperty(name);
        if (values.GetArrayLength() != 3)
        {
            throw new FormatException($"{name} needs three numbers");
        }

        return new CdlTriple(values[0].GetDouble(), values[1].GetDouble(), values[2].GetDouble());
    }
}
