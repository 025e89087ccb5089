using System.Buffers;
using System.Text;
using System.Text.Json;

namespace InterPositive.Catalog.Looks;

/// <summary>
/// Sets or clears the ASC CDL look of a clip and queues its shot update in the same transaction; the shot record carries
/// it as <c>look: {"cdl": {"id", "slope": [r,g,b], "offset": [r,g,b], "power": [r,g,b], "saturation"}}</c>.
/// </summary>
public static class ClipLooks
{
    /// <summary>Sets (or, with null, clears) the clip's look.</summary>
    /// <exception cref="KeyNotFoundException">The clip is not in the catalog.</exception>
    public static void SetLook(CatalogDatabase catalog, string clipId, Formats.Cdl.Cdl? cdl) => catalog.Write(tx =>
    {
        if (tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips).FindById(clipId) is null)
        {
            throw new KeyNotFoundException($"clip {clipId}: not in the catalog");
        }

        var looks = tx.Database.GetCollection<LookDocument>(CatalogCollections.Looks);
        var look = looks.FindById(clipId) ?? new LookDocument { ClipId = clipId };
        look.CdlJson = cdl is null ? null : ToJson(cdl);
        look.UpdatedAt = tx.Now;
        looks.Upsert(look);
        Shots.ShotRecords.Enqueue(tx, clipId);
    });

    /// <summary>The look as the shot record's <c>cdl</c> object (full double precision: nothing rounded on the way to post).</summary>
    public static string ToJson(Formats.Cdl.Cdl cdl)
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

    private static void Triple(Utf8JsonWriter writer, string name, Formats.Cdl.CdlTriple value)
    {
        writer.WriteStartArray(name);
        writer.WriteNumberValue(value.R);
        writer.WriteNumberValue(value.G);
        writer.WriteNumberValue(value.B);
        writer.WriteEndArray();
    }
}
