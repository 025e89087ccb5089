using System.Globalization;
using System.Text;
using System.Text.Json;
using InterPositive.Formats;
using InterPositive.Formats.Ale;
using InterPositive.Formats.Cdl;
using InterPositive.Formats.Clips;

namespace InterPositive.Sync.Post;

/// <summary>
/// Editorial exports of the post store, one set per production, shoot day and reel:
/// <c>DIR/{production}/{yyyy-MM-dd}/{reel}.csv</c> (one row per shot), <c>{reel}.ale</c> (Avid ALE from the clip records,
/// with ASC_SOP/ASC_SAT when there are looks) and <c>{reel}.ccc</c> (an ASC CDL
/// ColorCorrectionCollection with one correction per shot that has a look, id = clip name). The day is the UTC date
/// the shot's state was committed on the appliance. Files are replaced atomically.
/// </summary>
public static class PostExport
{
    private static readonly string[] CsvColumns =
    [
        "Production", "Unit", "Appliance", "Clip ID", "Name", "Reel", "Scene", "Take", "Camera", "Start", "End", "FPS", "Codec",
        "Card", "Card Status", "Safe To Format", "CCT", "Duv", "Exposure EV", "ASC_SOP", "ASC_SAT", "Alerts", "Previews", "Sequence", "Message ID",
    ];

    /// <summary>Writes every export; returns the files written, relative to <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> Write(string folder, IReadOnlyList<PostShot> shots)
    {
        var written = new List<string>();
        foreach (var group in shots.GroupBy(s => (s.Production, Day: Day(s), Reel: Reel(s))).OrderBy(g => g.Key.Production, StringComparer.Ordinal).ThenBy(g => g.Key.Day, StringComparer.Ordinal).ThenBy(g => g.Key.Reel, StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(s => Text(s.Shot, "clip", "name") ?? s.ClipId, StringComparer.Ordinal).ToList();
            var relative = Path.Combine(group.Key.Production, group.Key.Day, SafeFileName(group.Key.Reel));
            var target = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            WriteAtomically(target + ".csv", Encoding.UTF8.GetBytes(Csv(ordered)));
            written.Add(relative + ".csv");
            var clips = ordered.Select(ClipOf).ToList();
            var looksByName = new Dictionary<string, Cdl>(StringComparer.Ordinal);
            for (var i = 0; i < ordered.Count; i++)
            {
                if (Look(ordered[i]) is { } cdl && clips[i].Clip is { } name)
                {
                    looksByName[name] = cdl;
                }
            }

            WriteAtomically(target + ".ale", Encoding.UTF8.GetBytes(AleFile.Write(AleFile.FromClips(clips, looksByName))));
            written.Add(relative + ".ale");
            var looks = ordered.Select(Look).OfType<Cdl>().ToList();
            if (looks.Count > 0)
            {
                using var buffer = new MemoryStream();
                CdlXml.Write(CdlXml.ToCollection(looks), buffer);
                WriteAtomically(target + ".ccc", buffer.ToArray());
                written.Add(relative + ".ccc");
            }
        }

        return written;
    }

    /// <summary>
    /// The shot's clip record (the <c>clips --json</c> object it carries), with name, reel, scene and take filled from the
    /// shot where the record lacks them.
    /// </summary>
    public static ClipRecord ClipOf(PostShot shot)
    {
        ClipRecord record;
        try
        {
            record = shot.Shot.TryGetProperty("clip", out var clip) && clip.ValueKind == JsonValueKind.Object
                ? ClipRecord.FromJson(clip.GetRawText())
                : new ClipRecord();
        }
        catch (Exception error) when (error is JsonException or MalformedInputException or NotSupportedException)
        {
            record = new ClipRecord { Errors = [$"{shot.ClipId}: clip record unreadable: {error.Message}"] };
        }

        var path = string.IsNullOrEmpty(record.Path) ? Text(shot.Shot, "path") ?? shot.ClipId : record.Path;
        return record with
        {
            // Records written by older or foreign tools may lack the nested objects the ALE writer reads.
            Camera = OrNew(record.Camera),
            Lens = OrNew(record.Lens),
            Errors = OrNew(record.Errors),
            Path = path,
            Clip = record.Clip ?? Text(shot.Shot, "clip", "name") ?? Path.GetFileNameWithoutExtension(path),
            Reel = record.Reel ?? Reel(shot),
            Scene = record.Scene ?? Text(shot.Shot, "scene"),
            Take = record.Take ?? Text(shot.Shot, "take"),
        };
    }

    /// <summary>The CSV of one day and reel (RFC 4180: CRLF, fields quoted when needed).</summary>
    public static string Csv(IEnumerable<PostShot> shots)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', CsvColumns).Append("\r\n");
        foreach (var shot in shots)
        {
            var body = shot.Shot;
            var look = Look(shot);
            string?[] row =
            [
                shot.Production, shot.Unit, shot.Appliance, shot.ClipId,
                Text(body, "clip", "clip") ?? Text(body, "clip", "name") ?? Path.GetFileNameWithoutExtension(Text(body, "path")),
                Reel(shot), Text(body, "scene"), Text(body, "take"), Text(body, "camera"),
                Text(body, "clip", "timecode", "start") ?? Text(body, "clip", "startTimecode"),
                Text(body, "clip", "endTimecode") ?? Text(body, "clip", "end"),
                Text(body, "clip", "timecode", "rate") ?? Text(body, "clip", "fps"),
                Text(body, "clip", "codec"),
                Text(body, "cardId"), Text(body, "offload", "status"), Text(body, "offload", "safeToFormat"),
                Text(body, "lighting", "cctKelvin") ?? Text(body, "lighting", "cct"),
                Text(body, "lighting", "duv"),
                Text(body, "lighting", "exposureEv"),
                look?.ToAscSop(), look?.ToAscSat(),
                Count(body, "alerts"), Count(body, "previews"),
                shot.Sequence.ToString(CultureInfo.InvariantCulture), shot.MessageId,
            ];
            csv.AppendJoin(',', row.Select(Quote)).Append("\r\n");
        }

        return csv.ToString();
    }

    /// <summary>The shot's look as an ASC CDL, id = clip name, or null when it has none.</summary>
    public static Cdl? Look(PostShot shot)
    {
        if (!shot.Shot.TryGetProperty("look", out var look) || look.ValueKind != JsonValueKind.Object
            || !look.TryGetProperty("cdl", out var cdl) || cdl.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        try
        {
            var name = Text(shot.Shot, "clip", "name") ?? shot.ClipId;
            return new Cdl(name, Triple(cdl, "slope"), Triple(cdl, "offset"), Triple(cdl, "power"), cdl.GetProperty("saturation").GetDouble())
            {
                Description = Text(cdl, "id"),
            };
        }
        catch (Exception error) when (error is KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static T OrNew<T>(T? value)
        where T : class, new() => value ?? new T();

    private static CdlTriple Triple(JsonElement cdl, string name)
    {
        var values = cdl.GetProperty(name);
        return new CdlTriple(values[0].GetDouble(), values[1].GetDouble(), values[2].GetDouble());
    }

    private static string Day(PostShot shot) => shot.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Reel(PostShot shot) =>
        Text(shot.Shot, "reel") ?? Text(shot.Shot, "clip", "reel") ?? Text(shot.Shot, "cardId") ?? "unknown-reel";

    private static string? Text(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    private static string Count(JsonElement element, string name) =>
        element.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.GetArrayLength().ToString(CultureInfo.InvariantCulture)
            : "0";

    private static string Quote(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static string SafeFileName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var safe = new string(name.Select(c => invalid.Contains(c) || c == '\\' ? '_' : c).ToArray());
        return safe is "" or "." or ".." ? "_" : safe;
    }

    private static void WriteAtomically(string path, byte[] content)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
