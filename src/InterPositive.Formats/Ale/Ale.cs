using System.Globalization;
using System.Text;
using InterPositive.Formats.Clips;

namespace InterPositive.Formats.Ale;

/// <summary>An Avid Log Exchange file: Heading key/values, Column names, Data rows (tab-delimited).</summary>
public sealed record AleDocument(List<KeyValuePair<string, string>> Heading, List<string> Columns, List<List<string>> Rows)
{
    public string? HeadingValue(string key) => Heading.FirstOrDefault(h => string.Equals(h.Key, key, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The value of <paramref name="column"/> in <paramref name="row"/>, null when the column is absent or the cell empty.</summary>
    public string? Cell(List<string> row, string column)
    {
        var index = Columns.FindIndex(c => string.Equals(c, column, StringComparison.OrdinalIgnoreCase));
        return index < 0 || index >= row.Count || row[index].Length == 0 ? null : row[index];
    }
}

/// <summary>Reads and writes ALE as Avid and the OpenTimelineIO ALE adapter do (sections Heading, Column, Data; tabs; CRLF tolerated).</summary>
public static class AleFile
{
    public const int MaxBytes = 64 * 1024 * 1024;

    public static AleDocument Read(TextReader reader, string source)
    {
        var heading = new List<KeyValuePair<string, string>>();
        var columns = new List<string>();
        var rows = new List<List<string>>();
        var section = "";
        var lineNumber = 0;
        long chars = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            chars += line.Length + 1;
            if (chars > MaxBytes)
            {
                throw new MalformedInputException(FormattableString.Invariant($"larger than {MaxBytes} characters"), source, field: FormattableString.Invariant($"line {lineNumber}"));
            }

            var trimmed = line.TrimEnd('\r');
            if (trimmed.Trim().Length == 0)
            {
                continue;
            }

            if (trimmed.Trim() is "Heading" or "Column" or "Data")
            {
                section = trimmed.Trim();
                continue;
            }

            switch (section)
            {
                case "Heading":
                    // One KEY<TAB>VALUE per line, though some writers put several pairs on one line.
                    var fields = trimmed.Split('\t');
                    for (var i = 0; i < fields.Length; i += 2)
                    {
                        if (fields[i].Trim().Length > 0)
                        {
                            heading.Add(new(fields[i].Trim(), i + 1 < fields.Length ? fields[i + 1].Trim() : ""));
                        }
                    }

                    break;
                case "Column":
                    if (columns.Count > 0)
                    {
                        throw new MalformedInputException("more than one Column line", source, field: FormattableString.Invariant($"line {lineNumber}"));
                    }

                    columns.AddRange(trimmed.Split('\t').Select(c => c.Trim()));
                    while (columns.Count > 0 && columns[^1].Length == 0)
                    {
                        columns.RemoveAt(columns.Count - 1);
                    }

                    break;
                case "Data":
                    if (columns.Count == 0)
                    {
                        throw new MalformedInputException("Data before any Column line", source, field: FormattableString.Invariant($"line {lineNumber}"));
                    }

                    var cells = trimmed.Split('\t').ToList();
                    if (cells.Count > columns.Count)
                    {
                        if (cells.Skip(columns.Count).Any(c => c.Length > 0))
                        {
                            throw new MalformedInputException(FormattableString.Invariant($"{cells.Count} fields for {columns.Count} columns"), source, field: FormattableString.Invariant($"line {lineNumber}"));
                        }

                        cells = cells.Take(columns.Count).ToList();
                    }

                    while (cells.Count < columns.Count)
                    {
                        cells.Add("");
                    }

                    rows.Add(cells);
                    break;
                default:
                    throw new MalformedInputException("text before the Heading section", source, field: FormattableString.Invariant($"line {lineNumber}"));
            }
        }

        if (columns.Count == 0)
        {
            throw new MalformedInputException("no Column section", source);
        }

        return new AleDocument(heading, columns, rows);
    }

    public static AleDocument Parse(string text, string source)
    {
        using var reader = new StringReader(text);
        return Read(reader, source);
    }

    /// <summary>The document as ALE text (LF line ends, a blank line between sections as Avid writes).</summary>
    public static string Write(AleDocument document)
    {
        var sb = new StringBuilder();
        sb.Append("Heading\n");
        foreach (var (key, value) in document.Heading)
        {
            sb.Append(Clean(key)).Append('\t').Append(Clean(value)).Append('\n');
        }

        sb.Append("\nColumn\n").Append(string.Join('\t', document.Columns.Select(Clean))).Append("\n\nData\n");
        foreach (var row in document.Rows)
        {
            sb.Append(string.Join('\t', row.Select(Clean))).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>
    /// An ALE of clip records that share one frame rate (see <see cref="ByRate"/>: an ALE has one <c>FPS</c>, so a card
    /// mixing rates needs one file per rate): FPS from the clips' timecode rate, Start/End/Duration as labels at that
    /// rate (End exclusive, <c>;</c> when drop frame), camera values in their own columns (T-stop and f-number apart),
    /// and ASC_SOP/ASC_SAT when a look is given.
    /// </summary>
    public static AleDocument FromClips(IReadOnlyList<ClipRecord> clips, IReadOnlyDictionary<string, Cdl.Cdl>? looks = null)
    {
        var rate = clips.Select(RateOf).OfType<FrameRate>().GroupBy(r => r).OrderByDescending(g => g.Count()).Select(g => (FrameRate?)g.Key).FirstOrDefault()
            ?? FrameRate.Fps24;
        var first = clips.FirstOrDefault(c => c.Width is not null);
        var heading = new List<KeyValuePair<string, string>>
        {
            new("FIELD_DELIM", "TABS"),
            new("VIDEO_FORMAT", VideoFormat(first?.Width, first?.Height)),
            new("AUDIO_FORMAT", "48khz"),
            new("FPS", rate.ToDecimalString()),
        };
        var withLooks = looks is { Count: > 0 };
        var columns = new List<string> { "Name", "Tracks", "Start", "End", "Duration", "Tape", "Source File", "Camroll", "Scene", "Take", "Camera", "ISO", "EI", "White Balance", "Tint", "Shutter", "Lens", "Focal Length", "T-Stop", "F-Stop" };
        if (withLooks)
        {
            columns.AddRange(["ASC_SOP", "ASC_SAT"]);
        }

        var rows = new List<List<string>>();
        foreach (var clip in clips)
        {
            var name = clip.Clip ?? Path.GetFileNameWithoutExtension(clip.Path);
            var (startText, endText, durationText) = Timing(clip);
            var row = new List<string>
            {
                name,
                "V",
                startText ?? "",
                endText ?? "",
                durationText ?? "",
                name,
                Path.GetFileName(clip.Path),
                clip.Reel ?? "",
                clip.Scene ?? "",
                clip.Take ?? "",
                string.Join(' ', new[] { clip.Camera.Make, clip.Camera.Model }.Where(s => !string.IsNullOrEmpty(s))),
                Number(clip.Iso),
                Number(clip.ExposureIndex),
                clip.WhiteBalanceK is { } k ? k.ToString(CultureInfo.InvariantCulture) + "K" : "",
                clip.Tint?.ToString("0.##", CultureInfo.InvariantCulture) ?? "",
                Shutter(clip),
                clip.Lens.Model ?? "",
                clip.Lens.FocalLengthMm is { } mm ? mm.ToString("0.#", CultureInfo.InvariantCulture) + "mm" : "",
                // A T-stop (transmission) and an f-number (geometry) are different numbers: each in its own column.
                clip.Lens.TStop is { } t ? "T" + t.ToString("0.0#", CultureInfo.InvariantCulture) : "",
                clip.Lens.FNumber is { } f ? "f/" + f.ToString("0.0#", CultureInfo.InvariantCulture) : "",
            };
            if (withLooks)
            {
                var look = looks!.GetValueOrDefault(name) ?? looks!.GetValueOrDefault(clip.Path);
                row.Add(look?.ToAscSop() ?? "");
                row.Add(look?.ToAscSat() ?? "");
            }

            rows.Add(row);
        }

        return new AleDocument(heading, columns, rows);
    }

    /// <summary>The clip's frame rate: its timecode's (with drop frame), else its project rate; null when neither is known.</summary>
    public static FrameRate? RateOf(ClipRecord clip) =>
        clip.Timecode?.ToTimecode()?.Rate
        ?? (clip.Fps is { } fps and > 0 ? FrameRate.FromFramesPerSecond(fps) : null);

    /// <summary>
    /// The clips grouped by frame rate, the most common rate first; clips of unknown rate join the first group. Each
    /// group is one ALE.
    /// </summary>
    public static IReadOnlyList<(FrameRate? Rate, IReadOnlyList<ClipRecord> Clips)> ByRate(IReadOnlyList<ClipRecord> clips)
    {
        var known = clips.Where(c => RateOf(c) is not null).GroupBy(c => RateOf(c)!.Value)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.FramesPerSecond)
            .Select(g => ((FrameRate?)g.Key, g.ToList()))
            .ToList();
        var unknown = clips.Where(c => RateOf(c) is null).ToList();
        if (known.Count == 0)
        {
            return unknown.Count == 0 ? [] : [(null, unknown)];
        }

        known[0].Item2.AddRange(unknown);
        return known.Select(g => (g.Item1, (IReadOnlyList<ClipRecord>)g.Item2)).ToList();
    }

    /// <summary>Start, End (exclusive) and Duration labels of a clip at its timecode's rate; null where unknown.</summary>
    public static (string? Start, string? End, string? Duration) Timing(ClipRecord clip)
    {
        if (clip.Timecode?.ToTimecode() is not { } start)
        {
            return (null, null, null);
        }

        if (clip.DurationFrames is not { } frames || frames < 0)
        {
            return (start.ToString(), null, null);
        }

        return (start.ToString(), (start + frames).ToString(), Timecode.FromFrames(frames, start.Rate).ToString());
    }

    private static string Shutter(ClipRecord clip)
    {
        if (clip.ShutterAngle is { } angle)
        {
            return angle.ToString("0.#", CultureInfo.InvariantCulture) + "°";
        }

        if (clip.ShutterSeconds is { } s && s > 0)
        {
            return "1/" + Math.Round(1 / s).ToString(CultureInfo.InvariantCulture);
        }

        return "";
    }

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string VideoFormat(int? width, int? height) => (width, height) switch
    {
        (1920, 1080) => "1080",
        (1280, 720) => "720",
        (720, 576) => "PAL",
        (720, 486) or (720, 480) => "NTSC",
        _ => "CUSTOM",
    };

    /// <summary>Tabs and line breaks would break the table; they become spaces.</summary>
    private static string Clean(string value) => value.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
}
