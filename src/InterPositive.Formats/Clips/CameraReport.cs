using System.Globalization;
using System.Net;
using System.Text;

namespace InterPositive.Formats.Clips;

/// <summary>
/// The camera report of one card as a single self-contained HTML page (inline CSS, thumbnails as data URIs) that reads
/// on a phone: per-card totals, then one card per clip with its thumbnail and the values a camera assistant logs.
/// </summary>
public static class CameraReport
{
    /// <param name="title">The card or roll name.</param>
    /// <param name="family">The recognised camera family.</param>
    /// <param name="clips">The clips in card order.</param>
    /// <param name="thumbnails">JPEG bytes by clip path, for the clips a frame could be decoded from.</param>
    /// <param name="generatedAt">When the report was made (from the caller's clock).</param>
    public static string Render(string title, string family, IReadOnlyList<ClipRecord> clips, IReadOnlyDictionary<string, byte[]> thumbnails, DateTimeOffset generatedAt)
    {
        var sb = new StringBuilder();
        var totalFrames = clips.Sum(c => c.DurationFrames ?? 0);
        var seconds = clips.Sum(c => c.DurationFrames is { } d && c.Fps is > 0 ? d / c.Fps.Value : 0);
        var withErrors = clips.Count(c => c.Errors.Count > 0);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append("<title>Camera report ").Append(E(title)).Append("</title><style>");
        sb.Append("body{font:15px/1.4 system-ui,sans-serif;margin:0;padding:12px;background:#111;color:#eee}");
        sb.Append("h1{font-size:20px;margin:0 0 8px}.totals{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 12px;padding:0;list-style:none}");
        sb.Append(".totals li{background:#222;border-radius:6px;padding:6px 10px}.clip{background:#1b1b1b;border-radius:8px;margin:0 0 12px;padding:10px;display:flex;flex-wrap:wrap;gap:10px}");
        sb.Append(".clip img,.clip .noimg{width:100%;max-width:320px;border-radius:4px;background:#000;aspect-ratio:16/9;object-fit:contain}.noimg{display:flex;align-items:center;justify-content:center;color:#777}");
        sb.Append("table{border-collapse:collapse;flex:1 1 260px}th{text-align:left;color:#999;font-weight:normal;padding:2px 10px 2px 0;white-space:nowrap}td{padding:2px 0;overflow-wrap:anywhere}.clip>div{flex:1 1 260px;min-width:0}");
        sb.Append(".err{color:#ff7b7b}h2{font-size:17px;margin:0 0 6px;word-break:break-all}</style></head><body>\n");
        sb.Append("<h1>").Append(E(title)).Append("</h1>\n<ul class=\"totals\">");
        Total(sb, "Camera", family);
        Total(sb, "Clips", clips.Count.ToString(CultureInfo.InvariantCulture));
        Total(sb, "Frames", totalFrames.ToString(CultureInfo.InvariantCulture));
        Total(sb, "Running time", TimeSpan.FromSeconds(Math.Round(seconds)).ToString("c", CultureInfo.InvariantCulture));
        var rolls = clips.Select(c => c.Reel).Where(r => r is not null).Distinct(StringComparer.Ordinal).ToList();
        if (rolls.Count > 0)
        {
            Total(sb, "Roll", string.Join(", ", rolls));
        }

        if (withErrors > 0)
        {
            Total(sb, "With errors", withErrors.ToString(CultureInfo.InvariantCulture));
        }

        Total(sb, "Generated", generatedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
        sb.Append("</ul>\n");
        foreach (var clip in clips)
        {
            sb.Append("<section class=\"clip\">");
            if (thumbnails.TryGetValue(clip.Path, out var jpeg))
            {
                sb.Append("<img alt=\"").Append(E(clip.Clip ?? clip.Path)).Append("\" src=\"data:image/jpeg;base64,").Append(Convert.ToBase64String(jpeg)).Append("\">");
            }
            else
            {
                sb.Append("<div class=\"noimg\">no preview</div>");
            }

            sb.Append("<div><h2>").Append(E(clip.Clip ?? clip.Path)).Append("</h2><table>");
            Row(sb, "Timecode", clip.Timecode is { } tc ? $"{tc.Start} @ {tc.Rate}{(tc.DropFrame ? " DF" : "")}" : null);
            Row(sb, "Duration", clip.DurationFrames?.ToString(CultureInfo.InvariantCulture) + (clip.DurationFrames is null ? "" : " frames"));
            Row(sb, "Roll / Scene / Take", Join(" / ", clip.Reel, clip.Scene, clip.Take));
            Row(sb, "Camera", Join(" ", clip.Camera.Make, clip.Camera.Model, clip.Camera.Serial is null ? null : "#" + clip.Camera.Serial));
            Row(sb, "Format", Join(" ", clip.Codec, clip.Width is { } w && clip.Height is { } h ? FormattableString.Invariant($"{w}×{h}") : null, clip.Fps is { } fps ? FormattableString.Invariant($"{fps} fps") : null));
            Row(sb, "ISO / EI", Join(" / ", N(clip.Iso), N(clip.ExposureIndex)));
            Row(sb, "White balance", Join(" ", clip.WhiteBalanceK is { } k ? FormattableString.Invariant($"{k}K") : null, clip.Tint is { } t ? FormattableString.Invariant($"tint {t:0.#}") : null));
            Row(sb, "Shutter", Join(" ", clip.ShutterAngle is { } a ? FormattableString.Invariant($"{a:0.#}°") : null, clip.ShutterSeconds is { } s && s > 0 ? FormattableString.Invariant($"1/{Math.Round(1 / s)}") : null));
            Row(sb, "ND", clip.Nd);
            Row(sb, "Lens", Join(" ", clip.Lens.Model, clip.Lens.FocalLengthMm is { } mm ? FormattableString.Invariant($"{mm:0.#}mm") : null, clip.Lens.TStop is { } ts ? FormattableString.Invariant($"T{ts:0.0}") : clip.Lens.FNumber is { } f ? FormattableString.Invariant($"f/{f:0.0}") : null, clip.Lens.FocusDistanceM is { } d ? FormattableString.Invariant($"{d:0.##}m") : null));
            Row(sb, "File", clip.Path);
            foreach (var error in clip.Errors)
            {
                sb.Append("<tr><th class=\"err\">Error</th><td class=\"err\">").Append(E(error)).Append("</td></tr>");
            }

            sb.Append("</table></div></section>\n");
        }

        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static void Total(StringBuilder sb, string label, string value) =>
        sb.Append("<li>").Append(E(label)).Append(": <b>").Append(E(value)).Append("</b></li>");

    private static void Row(StringBuilder sb, string label, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            sb.Append("<tr><th>").Append(E(label)).Append("</th><td>").Append(E(value)).Append("</td></tr>");
        }
    }

    private static string? Join(string separator, params string?[] parts)
    {
        var present = parts.Where(p => !string.IsNullOrEmpty(p)).ToList();
        return present.Count == 0 ? null : string.Join(separator, present);
    }

    private static string? N(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
