using System.Globalization;
using InterPositive.Formats;

namespace InterPositive.Sync.Tests;

/// <summary>
/// The rules OpenTimelineIO's ALE adapter (otio-ale-adapter, <c>ale.py</c>) applies when it reads an ALE, restated so
/// our output is held to them without Python's OpenTimelineIO (not packaged here): Heading lines are tab-separated
/// key/value pairs; FPS parses as a float within 1 of a SMPTE rate; no row has more fields than there are columns;
/// Start, End and Duration parse as timecode at that FPS (<c>;</c> = drop frame) and agree (End = Start + Duration);
/// ASC_SOP holds at least nine numbers written with a decimal point; ASC_SAT parses as a float.
/// </summary>
internal static class OtioAleRules
{
    private static readonly double[] SmpteRates = [23.976, 24, 25, 29.97, 30, 47.952, 48, 50, 59.94, 60];

    /// <summary>Throws <see cref="InvalidDataException"/> naming the rule and line that the adapter would reject.</summary>
    public static void Check(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        List<string>? columns = null;
        var section = "";
        var rows = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (line.Trim() is "Heading" or "Column" or "Data")
            {
                section = line.Trim();
                if (section == "Column")
                {
                    columns = [.. lines[++i].Split('\t')];
                }

                continue;
            }

            if (section == "Heading")
            {
                var segments = line.Split('\t');
                if (!line.Contains('\t', StringComparison.Ordinal) || segments.Length % 2 != 0)
                {
                    throw new InvalidDataException($"Invalid Heading line: {line}");
                }

                for (var k = 0; k < segments.Length; k += 2)
                {
                    header[segments[k]] = segments[k + 1];
                }
            }
            else if (section == "Data")
            {
                CheckRow(line, columns ?? throw new InvalidDataException("Data before Column"), Fps(header));
                rows++;
            }
        }

        if (rows == 0)
        {
            throw new InvalidDataException("no Data rows");
        }
    }

    private static double Fps(Dictionary<string, string> header)
    {
        var fps = double.Parse(header["FPS"], NumberStyles.Float, CultureInfo.InvariantCulture);
        if (SmpteRates.Min(r => Math.Abs(r - fps)) > 1.0)
        {
            throw new InvalidDataException($"FPS is not a supported SMPTE timecode frame rate: {fps}");
        }

        return fps;
    }

    private static void CheckRow(string line, List<string> columns, double fps)
    {
        var row = line.Split('\t').ToList();
        if (row.Count > columns.Count)
        {
            throw new InvalidDataException($"Too many values on row: {line}");
        }

        while (row.Count < columns.Count)
        {
            row.Add("");
        }

        var cells = columns.Zip(row).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        if (cells.GetValueOrDefault("Start") is { Length: > 0 } start)
        {
            var s = Frames(start, fps, "Start");
            var d = cells.GetValueOrDefault("Duration") is { Length: > 0 } duration ? Frames(duration, fps, "Duration") : (long?)null;
            var e = cells.GetValueOrDefault("End") is { Length: > 0 } end ? Frames(end, fps, "End") : (long?)null;
            if (d is { } dv && e is { } ev && ev != s + dv)
            {
                throw new InvalidDataException($"Inconsistent Start, End, Duration: {line}");
            }
        }

        if (cells.GetValueOrDefault("ASC_SOP") is { Length: > 0 } sop)
        {
            var numbers = System.Text.RegularExpressions.Regex.Matches(sop, @"(-*\d+\.\d+)");
            if (numbers.Count < 9)
            {
                throw new InvalidDataException($"ASC_SOP has {numbers.Count} decimal numbers: {sop}");
            }
        }

        if (cells.GetValueOrDefault("ASC_SAT") is { Length: > 0 } sat && !double.TryParse(sat, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            throw new InvalidDataException($"ASC_SAT is not a float: {sat}");
        }
    }

    // OpenTimelineIO reads a label at the file's rate: drop frame when the label says so (';'), for 29.97 and 59.94.
    private static long Frames(string label, double fps, string column)
    {
        var drop = label.Contains(';', StringComparison.Ordinal);
        var nominal = (int)Math.Round(fps);
        var rate = FrameRate.FromFramesPerSecond(fps, dropFrame: drop && nominal is 30 or 60);
        if (drop && !rate.DropFrame)
        {
            throw new InvalidDataException($"Invalid {column} timecode: {label} (drop frame at {fps})");
        }

        return Timecode.TryParse(label, rate, out var timecode) ? timecode.FrameCount : throw new InvalidDataException($"Invalid {column} timecode: {label}");
    }
}
