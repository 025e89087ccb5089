using System.Globalization;
using System.Text;
using System.Text.Json;
using InterPositive.Formats;
using InterPositive.Formats.Ale;
using InterPositive.Formats.Cdl;
using InterPositive.Formats.Clips;

namespace InterPositive.Sync.Post;

/// <summary>A shot an export left out, and why (one line).</summary>
public sealed record SkippedShot(string Appliance, string ClipId, string Reason);

/// <summary>What an export wrote (paths relative to its folder) and the shots it had to leave out.</summary>
public sealed record PostExportResult(IReadOnlyList<string> Written, IReadOnlyList<SkippedShot> Skipped);

/// <summary>
/// Editorial exports of the post store, one set per production, shoot day and reel, under
/// <c>DIR/{production}/{yyyy-MM-dd}/</c>: <c>{reel}.csv</c> (one row per shot, every camera, lighting and look value),
/// <c>{reel}.ale</c> (Avid ALE; one file per frame rate, <c>{reel}_{rate}.ale</c>, when the reel mixes rates, since an
/// ALE has one FPS), <c>{reel}.ccc</c> (an ASC CDL ColorCorrectionCollection, one correction per shot with a look,
/// id = clip name, as OpenColorIO's <c>cccid</c> looks it up) and <c>{reel}/{clip}.cdl</c> (one ColorDecisionList per
/// clip with a look). The day is the UTC date the shot's state was committed on the appliance. Files are replaced
/// atomically. A shot that cannot be exported is skipped and named; it never fails the others.
/// </summary>
public static class PostExport
{
    private static readonly string[] CsvColumns =
    [
        "Production", "Unit", "Appliance", "Clip ID", "Name", "Reel", "Scene", "Take", "Camera",
        "Start", "End", "Duration", "FPS", "Codec", "Lens", "Focal Length", "T-Stop", "F-Stop", "ISO", "EI",
        "White Balance", "Tint", "Shutter", "Exposure EV", "Clipped %", "CCT", "Duv", "Key/Fill", "Flicker", "Alerts",
        "Look", "ASC_SOP", "ASC_SAT", "Card", "Card Status", "Safe To Format", "Previews", "Sequence", "Message ID",
    ];

    /// <summary>Writes every export; returns the files written, relative to <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> Write(string folder, IReadOnlyList<PostShot> shots) => Export(folder, shots).Written;

    /// <summary>Writes every export; returns the files written and the shots skipped.</summary>
    public static PostExportResult Export(string folder, IReadOnlyList<PostShot> shots)
    {
        var written = new List<string>();
        var skipped = new List<SkippedShot>();
        var rows = new List<ShotRow>(shots.Count);
        foreach (var shot in shots)
        {
            try
            {
                rows.Add(ShotRow.From(shot));
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                skipped.Add(new SkippedShot($"{shot.Production}/{shot.Unit}/{shot.Appliance}", shot.ClipId, error.Message));
            }
        }

        foreach (var group in rows.GroupBy(r => (r.Shot.Production, r.Day, r.Reel)).OrderBy(g => g.Key.Production, StringComparer.Ordinal).ThenBy(g => g.Key.Day, StringComparer.Ordinal).ThenBy(g => g.Key.Reel, StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Shot.ClipId, StringComparer.Ordinal).ToList();
            var relative = Path.Combine(SafeFileName(group.Key.Production), group.Key.Day, SafeFileName(group.Key.Reel));
            var target = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            WriteAtomically(target + ".csv", Encoding.UTF8.GetBytes(Csv(ordered)));
            written.Add(relative + ".csv");

            var byRate = AleFile.ByRate(ordered.Select(r => r.Clip).ToList());
            foreach (var (rate, clips) in byRate)
            {
                var inFile = new HashSet<ClipRecord>(clips, ReferenceEqualityComparer.Instance);
                var members = ordered.Where(r => inFile.Contains(r.Clip)).ToList();
                var name = byRate.Count == 1 || rate is null ? relative + ".ale" : relative + "_" + RateLabel(rate.Value) + ".ale";
                WriteAtomically(Path.Combine(folder, name), Encoding.UTF8.GetBytes(AleFile.Write(Ale(members))));
                written.Add(name);
            }

            var looks = ordered.Where(r => r.Look is not null).ToList();
            if (looks.Count > 0)
            {
                WriteAtomically(target + ".ccc", Xml(CdlXml.ToCollection(looks.Select(r => r.Look!))));
                written.Add(relative + ".ccc");
                Directory.CreateDirectory(target);
                foreach (var row in looks)
                {
                    var cdl = Path.Combine(relative, SafeFileName(row.Name) + ".cdl");
                    // No MediaRef: OpenColorIO 2.1 warns on it; the correction's id (the clip name) is what it looks up.
                    WriteAtomically(Path.Combine(folder, cdl), Xml(CdlXml.ToDecisionList([row.Look! with { MediaRef = null }])));
                    written.Add(cdl);
                }
            }
        }

        return new PostExportResult(written, skipped);
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
            Clip = record.Clip ?? Path.GetFileNameWithoutExtension(path),
            Reel = record.Reel ?? Reel(shot.Shot),
            Scene = record.Scene ?? Text(shot.Shot, "scene"),
            Take = record.Take ?? Text(shot.Shot, "take"),
        };
    }

    /// <summary>The CSV of some shots (RFC 4180: CRLF, fields quoted when needed); shots that cannot be read are left out.</summary>
    public static string Csv(IEnumerable<PostShot> shots)
    {
        var rows = new List<ShotRow>();
        foreach (var shot in shots)
        {
            try
            {
                rows.Add(ShotRow.From(shot));
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // Named by Export; this overload only formats.
            }
        }

        return Csv(rows);
    }

    /// <summary>The shot's look as an ASC CDL whose id is the clip name, or null when it has none.</summary>
    public static Cdl? Look(PostShot shot) => shot.Shot.ValueKind == JsonValueKind.Object ? ShotRow.LookOf(shot.Shot, ClipOf(shot).Clip!) : null;

    /// <summary>Neutralises a CSV value a spreadsheet would run as a formula (OWASP CSV injection); numbers pass as they are.</summary>
    public static string Neutralise(string value)
    {
        if (value.Length == 0 || value[0] is not ('=' or '+' or '-' or '@' or '\t' or '\r'))
        {
            return value;
        }

        // A plain number such as -0.7 stops cannot run anything and must stay a number for the spreadsheet.
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? value : "'" + value;
    }

    private static string Csv(IReadOnlyList<ShotRow> rows)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', CsvColumns).Append("\r\n");
        foreach (var r in rows)
        {
            var clip = r.Clip;
            var (start, end, duration) = AleFile.Timing(clip);
            var rate = AleFile.RateOf(clip);
            string?[] row =
            [
                r.Shot.Production, r.Shot.Unit, r.Shot.Appliance, r.Shot.ClipId, r.Name, r.Reel, clip.Scene, clip.Take,
                CameraName(clip) ?? Text(r.Body, "camera"),
                start, end, duration, rate?.ToString(), clip.Codec,
                clip.Lens.Model, Num(clip.Lens.FocalLengthMm, "0.#"),
                Num(clip.Lens.TStop, "0.0#"), Num(clip.Lens.FNumber, "0.0#"),
                clip.Iso?.ToString(CultureInfo.InvariantCulture), clip.ExposureIndex?.ToString(CultureInfo.InvariantCulture),
                clip.WhiteBalanceK?.ToString(CultureInfo.InvariantCulture), Num(clip.Tint, "0.##"), Shutter(clip),
                r.Lighting.ExposureStops, r.Lighting.ClippedPct, r.Lighting.Cct, r.Lighting.Duv, r.Lighting.KeyFill, r.Lighting.Flicker, r.Alerts,
                r.Look?.Description ?? (r.Look is null ? null : r.Name), r.Look?.ToAscSop(), r.Look?.ToAscSat(),
                Text(r.Body, "cardId"), Text(r.Body, "offload", "status"), Text(r.Body, "offload", "safeToFormat"),
                Count(r.Body, "previews"), r.Shot.Sequence.ToString(CultureInfo.InvariantCulture), r.Shot.MessageId,
            ];
            csv.AppendJoin(',', row.Select(v => Quote(Neutralise(v ?? "")))).Append("\r\n");
        }

        return csv.ToString();
    }

    private static AleDocument Ale(IReadOnlyList<ShotRow> rows)
    {
        var looks = rows.Where(r => r.Look is not null).ToDictionary(r => r.Name, r => r.Look!, StringComparer.Ordinal);
        var document = AleFile.FromClips(rows.Select(r => r.Clip).ToList(), looks);
        document.Columns.AddRange(["Exposure EV", "CCT", "Duv", "Key/Fill", "Flicker", "Alerts", "Look"]);
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            document.Rows[i].AddRange([r.Lighting.ExposureStops ?? "", r.Lighting.Cct ?? "", r.Lighting.Duv ?? "", r.Lighting.KeyFill ?? "", r.Lighting.Flicker ?? "", r.Alerts ?? "", r.Look is null ? "" : r.Look.Description ?? r.Name]);
        }

        return document;
    }

    /// <summary>"29.97DF", "59.94DF", "25": the rate as a file name part.</summary>
    private static string RateLabel(FrameRate rate) => rate.ToDecimalString() + (rate.DropFrame ? "DF" : "");

    private static string? CameraName(ClipRecord clip)
    {
        var text = string.Join(' ', new[] { clip.Camera.Make, clip.Camera.Model, clip.Camera.Serial is null ? null : "#" + clip.Camera.Serial }.Where(s => !string.IsNullOrEmpty(s)));
        return text.Length == 0 ? null : text;
    }

    private static string? Shutter(ClipRecord clip) =>
        clip.ShutterAngle is { } angle ? angle.ToString("0.#", CultureInfo.InvariantCulture) + "°"
        : clip.ShutterSeconds is { } s && s > 0 ? "1/" + Math.Round(1 / s).ToString(CultureInfo.InvariantCulture)
        : null;

    private static string? Num(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture);

    private static T OrNew<T>(T? value)
        where T : class, new() => value ?? new T();

    private static string Reel(JsonElement body) =>
        Text(body, "reel") ?? Text(body, "clip", "reel") ?? Text(body, "cardId") ?? "unknown-reel";

    internal static string? Text(JsonElement element, params string[] path)
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

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static byte[] Xml(System.Xml.Linq.XDocument document)
    {
        using var buffer = new MemoryStream();
        CdlXml.Write(document, buffer);
        return buffer.ToArray();
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

    /// <summary>One shot read once for every export: its clip record, lighting values, alerts and look.</summary>
    private sealed record ShotRow(PostShot Shot, JsonElement Body, ClipRecord Clip, string Name, string Reel, string Day, LightingValues Lighting, string? Alerts, Cdl? Look)
    {
        public static ShotRow From(PostShot shot)
        {
            var body = shot.Shot;
            if (body.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"the shot record is a JSON {body.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }

            var clip = ClipOf(shot);
            var name = clip.Clip!;
            var day = shot.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            return new ShotRow(shot, body, clip, name, PostExport.Reel(body), day, LightingValues.From(body), AlertText(body), LookOf(body, name));
        }

        public static Cdl? LookOf(JsonElement body, string clipName)
        {
            if (!body.TryGetProperty("look", out var look) || look.ValueKind != JsonValueKind.Object
                || !look.TryGetProperty("cdl", out var cdl) || cdl.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            // The correction is named after the clip, so OpenColorIO finds it by cccid = clip name; the look's own id
            // (a grade name such as "day1") travels as its description.
            return new Cdl(clipName, Triple(cdl, "slope"), Triple(cdl, "offset"), Triple(cdl, "power"), cdl.GetProperty("saturation").GetDouble())
            {
                Description = Text(cdl, "id"),
            };
        }

        private static string? AlertText(JsonElement body)
        {
            if (!body.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array || alerts.GetArrayLength() == 0)
            {
                return null;
            }

            return string.Join("; ", alerts.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.Object ? Text(a, "message") ?? Text(a, "kind") : a.ToString()).Where(t => !string.IsNullOrEmpty(t)));
        }

        private static CdlTriple Triple(JsonElement cdl, string name)
        {
            var values = cdl.GetProperty(name);
            return new CdlTriple(values[0].GetDouble(), values[1].GetDouble(), values[2].GetDouble());
        }
    }

    /// <summary>The lighting record's values post reads (the <c>analyze --json</c> object's own field names).</summary>
    private sealed record LightingValues(string? ExposureStops, string? ClippedPct, string? Cct, string? Duv, string? KeyFill, string? Flicker)
    {
        public static LightingValues From(JsonElement body)
        {
            if (!body.TryGetProperty("lighting", out var lighting) || lighting.ValueKind != JsonValueKind.Object)
            {
                return new LightingValues(null, null, null, null, null, null);
            }

            string? flicker = null;
            if (Bool(lighting, "flicker", "detected") is { } detected)
            {
                flicker = !detected ? "none"
                    : string.Create(CultureInfo.InvariantCulture, $"{Round(lighting, "0.#", "flicker", "frequencyHz") ?? "?"} Hz, {Round(lighting, "0.#", "flicker", "depthPct") ?? "?"} %");
            }

            return new LightingValues(
                Round(lighting, "0.00", "exposure", "averageStops"),
                Round(lighting, "0.##", "exposure", "clippedPct"),
                Round(lighting, "0", "light", "cct"),
                Round(lighting, "0.0000", "light", "duv"),
                Round(lighting, "0.0#", "contrast", "keyFillStops"),
                flicker);
        }

        private static string? Round(JsonElement element, string format, params string[] path)
        {
            foreach (var name in path)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                {
                    return null;
                }
            }

            return element.ValueKind == JsonValueKind.Number ? element.GetDouble().ToString(format, CultureInfo.InvariantCulture) : null;
        }

        private static bool? Bool(JsonElement element, params string[] path)
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
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => null,
            };
        }
    }
}
