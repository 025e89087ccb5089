using System.Buffers;
using System.Text;
using System.Text.Json;
using LiteDB;

namespace InterPositive.Catalog.Shots;

/// <summary>
/// Builds the messages that tell post the state of a shot or a card, from what the catalog holds inside the caller's
/// transaction, and enqueues them in that same transaction. A shot record is the latest full state of one clip (its
/// <c>clips --json</c> record, the offload state of its card, the lighting record, the look, previews and alerts), sent
/// retained so a receiver that connects late still gets every shot's current state.
/// </summary>
public static class ShotRecords
{
    /// <summary>Topic family of shot records.</summary>
    public const string ShotKind = "shots";

    /// <summary>Topic family of card (offload and MHL) records.</summary>
    public const string CardKind = "cards";

    /// <summary>Topic family of the event stream.</summary>
    public const string EventKind = "events";

    /// <summary>
    /// Enqueues the retained latest full shot record of <paramref name="clipId"/>. Call it whenever the clip's metadata,
    /// card state, lighting, look or previews change, inside the transaction that changed them.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The clip is not in the catalog.</exception>
    public static OutboxEntry Enqueue(CatalogTransaction tx, string clipId)
    {
        var body = BuildShot(tx.Database, clipId)
            ?? throw new KeyNotFoundException($"clip {clipId}: not in the catalog");
        return tx.Enqueue(new OutboxMessage(ShotKind, clipId, body, Retained: true));
    }

    /// <summary>Enqueues the retained card record (offload state per destination, ASC MHL manifests, safe to format).</summary>
    /// <exception cref="KeyNotFoundException">The card is not in the catalog.</exception>
    public static OutboxEntry EnqueueCard(CatalogTransaction tx, string cardId)
    {
        var card = tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(cardId)
            ?? throw new KeyNotFoundException($"card {cardId}: not in the catalog");
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteCard(writer, card);
        }

        return tx.Enqueue(new OutboxMessage(CardKind, cardId, Encoding.UTF8.GetString(buffer.WrittenSpan), Retained: true));
    }

    /// <summary>
    /// Enqueues the card record and one shot record per clip of the card: what an offload that finished (or a card whose
    /// state changed) tells post.
    /// </summary>
    public static int EnqueueCardAndShots(CatalogTransaction tx, string cardId)
    {
        EnqueueCard(tx, cardId);
        var clipIds = tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips)
            .Query().Where(c => c.CardId == cardId).Select(c => c.Id).ToList();
        clipIds.Sort(StringComparer.Ordinal);
        foreach (var clipId in clipIds)
        {
            Enqueue(tx, clipId);
        }

        return clipIds.Count + 1;
    }

    /// <summary>
    /// Enqueues an event on the stream (<c>events/{kind}</c>, not retained): offload-finished, verify-failed,
    /// continuity-alert, flicker-alert. <paramref name="bodyJson"/> must be a JSON object.
    /// </summary>
    public static OutboxEntry EnqueueEvent(CatalogTransaction tx, string eventKind, string bodyJson)
    {
        using (JsonDocument.Parse(bodyJson))
        {
        }

        return tx.Enqueue(new OutboxMessage(EventKind, eventKind, bodyJson, Retained: false));
    }

    /// <summary>The shot record body of a clip as compact JSON, or null when the clip is unknown.</summary>
    public static string? BuildShot(ILiteDatabase db, string clipId)
    {
        var clip = db.GetCollection<ClipDocument>(CatalogCollections.Clips).FindById(clipId);
        if (clip is null)
        {
            return null;
        }

        var card = db.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(clip.CardId);
        var lighting = db.GetCollection<LightingDocument>(CatalogCollections.Lighting).FindById(clipId);
        var look = db.GetCollection<LookDocument>(CatalogCollections.Looks).FindById(clipId);
        var match = Looks.MatchStore.Accepted(db, clipId);

        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("clipId", clip.Id);
            writer.WriteString("cardId", clip.CardId);
            writer.WriteString("path", clip.Path);
            WriteNullable(writer, "reel", clip.Reel);
            WriteNullable(writer, "scene", clip.Scene);
            WriteNullable(writer, "take", clip.Take);
            WriteNullable(writer, "camera", clip.Camera);
            writer.WritePropertyName("clip");
            WriteEmbedded(writer, clip.ClipJson, "{}", $"clip {clipId}", "clipJson");
            writer.WritePropertyName("offload");
            if (card is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                WriteCard(writer, card);
            }

            writer.WritePropertyName("lighting");
            if (lighting is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                WriteEmbedded(writer, lighting.LightingJson, "{}", $"clip {clipId}", "lightingJson");
            }

            writer.WritePropertyName("look");
            if (look?.CdlJson is { } cdl)
            {
                writer.WriteStartObject();
                WriteNullable(writer, "source", look.Source);
                writer.WritePropertyName("cdl");
                WriteEmbedded(writer, cdl, "null", $"clip {clipId}", "cdlJson");
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNullValue();
            }

            if (match is not null)
            {
                // Optional: only a shot whose match the DIT accepted carries one (its look adjustment to the reference take).
                writer.WriteStartObject("match");
                writer.WriteString("referenceClip", match.ReferenceClip);
                writer.WriteString("acceptedAt", match.DecidedAt ?? match.OfferedAt);
                writer.WritePropertyName("adjustment");
                WriteEmbedded(writer, match.AdjustmentJson, "{}", $"clip {clipId}", "adjustmentJson");
                writer.WriteEndObject();
            }

            writer.WritePropertyName("previews");
            WritePreviews(writer, look?.PreviewsJson, $"clip {clipId}");
            writer.WritePropertyName("alerts");
            WriteEmbedded(writer, lighting?.AlertsJson, "[]", $"clip {clipId}", "alertsJson");
            writer.WriteString("updatedAt", Latest(clip.UpdatedAt, card?.UpdatedAt, lighting?.UpdatedAt, look?.UpdatedAt, match?.DecidedAt));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteCard(Utf8JsonWriter writer, CardDocument card)
    {
        writer.WriteStartObject();
        writer.WriteString("cardId", card.Id);
        writer.WriteString("name", card.Name);
        WriteNullable(writer, "cameraFamily", card.CameraFamily);
        writer.WriteString("status", card.Status);
        writer.WriteBoolean("safeToFormat", card.SafeToFormat);
        writer.WriteNumber("fileCount", card.FileCount);
        writer.WriteNumber("totalBytes", card.TotalBytes);
        if (card.MhlGeneration is { } generation)
        {
            writer.WriteNumber("mhlGeneration", generation);
        }
        else
        {
            writer.WriteNull("mhlGeneration");
        }

        WriteNullable(writer, "historyCheck", card.HistoryCheck);
        writer.WriteStartArray("destinations");
        foreach (var destination in card.Destinations)
        {
            writer.WriteStartObject();
            writer.WriteString("path", destination.Path);
            writer.WriteString("status", destination.Status);
            writer.WriteNumber("filesVerified", destination.FilesVerified);
            writer.WriteNumber("bytesVerified", destination.BytesVerified);
            WriteNullable(writer, "mhlManifest", destination.MhlManifest);
            WriteNullable(writer, "error", destination.Error);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("updatedAt", card.UpdatedAt);
        writer.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    // The stored records are JSON written by other parts of the appliance; they are embedded as JSON values (never as
    // strings) and re-emitted compactly, so the body's canonical form does not depend on how they were stored.
    private static void WriteEmbedded(Utf8JsonWriter writer, string? json, string fallback, string source, string field)
    {
        var text = string.IsNullOrWhiteSpace(json) ? fallback : json;
        try
        {
            using var document = JsonDocument.Parse(text);
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException error)
        {
            throw new Formats.MalformedInputException($"stored JSON does not parse: {error.Message}", source, field: field, innerException: error);
        }
    }

    // The contract's previews are an array of one entry per preset. The relight stage stores its whole preview set (an
    // object with the model and the entries), so the entries go out as the array, each carrying the set's model and time.
    private static void WritePreviews(Utf8JsonWriter writer, string? json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        }
        catch (JsonException error)
        {
            throw new Formats.MalformedInputException($"stored JSON does not parse: {error.Message}", source, field: "previewsJson", innerException: error);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                root.WriteTo(writer);
                return;
            }

            writer.WriteStartArray();
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("previews", out var entries) && entries.ValueKind == JsonValueKind.Array)
            {
                foreach (var entry in entries.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
                {
                    writer.WriteStartObject();
                    foreach (var property in entry.EnumerateObject())
                    {
                        property.WriteTo(writer);
                    }

                    foreach (var name in new[] { "model", "modelVersion", "madeAt" })
                    {
                        if (!entry.TryGetProperty(name, out _) && root.TryGetProperty(name, out var value))
                        {
                            writer.WritePropertyName(name);
                            value.WriteTo(writer);
                        }
                    }

                    writer.WriteEndObject();
                }
            }

            writer.WriteEndArray();
        }
    }

    private static DateTimeOffset Latest(DateTimeOffset first, params DateTimeOffset?[] others)
    {
        var latest = first;
        foreach (var other in others)
        {
            if (other is { } value && value > latest)
            {
                latest = value;
            }
        }

        return latest;
    }
}
