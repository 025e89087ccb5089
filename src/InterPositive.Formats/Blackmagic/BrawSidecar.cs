using System.Globalization;
using System.Text.Json;
using InterPositive.Formats.Clips;

namespace InterPositive.Formats.Blackmagic;

/// <summary>
/// The Blackmagic RAW <c>.sidecar</c> beside a <c>.braw</c>: a JSON object of SDK metadata keys (iso,
/// white_balance_kelvin, white_balance_tint, aperture, focal_length, distance, shutter_value, internal_nd,
/// camera_type, reel_name, scene, take, lens_type ...). Its values override the clip's embedded metadata.
/// </summary>
public static class BrawSidecar
{
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The sidecar's key/value pairs, nested objects flattened with dots.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ReadValues(Stream stream, string source)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + n > MaxBytes)
            {
                throw new MalformedInputException(FormattableString.Invariant($"sidecar larger than {MaxBytes} bytes"), source);
            }

            buffer.Write(chunk, 0, n);
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedInputException($"sidecar root is a {document.RootElement.ValueKind}, not an object", source, 0);
            }

            var values = new List<KeyValuePair<string, string>>();
            Flatten(document.RootElement, "", values);
            return values;
        }
        catch (InvalidOperationException e)
        {
            throw new MalformedInputException("sidecar text is not valid UTF-8", source, innerException: e);
        }
        catch (JsonException e)
        {
            throw new MalformedInputException(e.Message, source, e.BytePositionInLine, e.LineNumber is { } line ? FormattableString.Invariant($"line {line + 1}") : null, e);
        }
    }

    /// <summary>The sidecar as a partial clip record (to overlay on the essence's record).</summary>
    public static ClipRecord Read(Stream stream, string source, string clipPath)
    {
        var values = ReadValues(stream, source);
        var clip = ClipFields.Apply(new ClipRecord { Path = clipPath }, values);
        foreach (var (key, value) in values)
        {
            switch (ClipFields.Normalise(key))
            {
                case "reelname" or "camerareel":
                    clip = clip with { Reel = value };
                    break;
                case "whitebalancekelvin":
                    break;
                case "isoexposureindex" or "exposureindexiso":
                    clip = ClipFields.Apply(clip, "iso", value);
                    break;
                case "camerainfo" or "cameratype":
                    clip = clip with { Camera = clip.Camera with { Model = value, Make = clip.Camera.Make ?? "Blackmagic Design" } };
                    break;
                default:
                    break;
            }
        }

        return clip;
    }

    private static void Flatten(JsonElement element, string prefix, List<KeyValuePair<string, string>> values)
    {
        foreach (var property in element.EnumerateObject())
        {
            var key = prefix.Length == 0 ? property.Name : prefix + "." + property.Name;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Flatten(property.Value, key, values);
                    break;
                case JsonValueKind.String:
                    values.Add(new(key, property.Value.GetString() ?? ""));
                    break;
                case JsonValueKind.Number:
                    // A number outside double's range (1e999) is kept as written rather than failing GetDouble.
                    values.Add(new(key, property.Value.TryGetDouble(out var number) ? number.ToString("R", CultureInfo.InvariantCulture) : property.Value.GetRawText()));
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    values.Add(new(key, property.Value.GetBoolean() ? "true" : "false"));
                    break;
                default:
                    break;
            }
        }
    }
}
