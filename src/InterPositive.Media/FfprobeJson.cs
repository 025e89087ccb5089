using System.Globalization;
using System.Text.Json;
using InterPositive.Formats;

namespace InterPositive.Media;

/// <summary>
/// Reads ffprobe's <c>-print_format json -show_streams -show_format</c> output from bytes (pure, no process). Strict on
/// JSON syntax, lenient on values: a field of an unexpected type is left null, unknown fields and nested objects other
/// than <c>tags</c> are skipped. Bounded: the document size, the stream count and the tags per object.
/// </summary>
public static class FfprobeJson
{
    /// <summary>ffprobe output for a camera clip is a few kilobytes; anything past this is not a probe.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    public const int MaxStreams = 1024;

    public const int MaxTags = 512;

    public static ProbeResult Parse(ReadOnlySpan<byte> json, string source)
    {
        if (json.Length > MaxBytes)
        {
            throw new MalformedInputException(FormattableString.Invariant($"ffprobe output of {json.Length} bytes exceeds {MaxBytes}"), source);
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 32, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            return ParseRoot(ref reader, source);
        }
        catch (JsonException e)
        {
            throw new MalformedInputException($"ffprobe output is not JSON: {e.Message}", source, e.BytePositionInLine, e.LineNumber is { } line ? FormattableString.Invariant($"line {line + 1}") : null, e);
        }
        catch (InvalidOperationException e)
        {
            throw new MalformedInputException($"ffprobe output is not JSON: {e.Message}", source, reader.TokenStartIndex, innerException: e);
        }
    }

    private static ProbeResult ParseRoot(ref Utf8JsonReader reader, string source)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new MalformedInputException("ffprobe output is not a JSON object", source, reader.TokenStartIndex, "root");
        }

        var streams = new List<ProbeStream>();
        ProbeFormat? format = null;
        while (Next(ref reader, source) == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            Next(ref reader, source);
            if (name == "streams" && reader.TokenType == JsonTokenType.StartArray)
            {
                while (Next(ref reader, source) != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new MalformedInputException("a stream is not an object", source, reader.TokenStartIndex, "streams");
                    }

                    if (streams.Count == MaxStreams)
                    {
                        throw new MalformedInputException(FormattableString.Invariant($"more than {MaxStreams} streams"), source, reader.TokenStartIndex, "streams");
                    }

                    streams.Add(ParseStream(ref reader, source));
                }
            }
            else if (name == "format" && reader.TokenType == JsonTokenType.StartObject)
            {
                format = ParseFormat(ref reader, source);
            }
            else
            {
                reader.Skip();
            }
        }

        // Anything after the root object is not ffprobe's.
        if (reader.Read())
        {
            throw new MalformedInputException("text after the JSON object", source, reader.TokenStartIndex);
        }

        return new ProbeResult(streams, format);
    }

    private static ProbeStream ParseStream(ref Utf8JsonReader reader, string source)
    {
        var stream = new ProbeStream();
        while (Next(ref reader, source) == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            Next(ref reader, source);
            stream = name switch
            {
                "index" => stream with { Index = (int)(Integer(ref reader) ?? 0) },
                "codec_type" => stream with { CodecType = Text(ref reader) },
                "codec_name" => stream with { CodecName = Text(ref reader) },
                "codec_long_name" => stream with { CodecLongName = Text(ref reader) },
                "profile" => stream with { Profile = Text(ref reader) },
                "codec_tag_string" => stream with { CodecTag = Text(ref reader) },
                "width" => stream with { Width = Dimension(Integer(ref reader)) },
                "height" => stream with { Height = Dimension(Integer(ref reader)) },
                "pix_fmt" => stream with { PixelFormat = Text(ref reader) },
                "r_frame_rate" => stream with { RFrameRate = Text(ref reader) },
                "avg_frame_rate" => stream with { AvgFrameRate = Text(ref reader) },
                "nb_frames" => stream with { Frames = Integer(ref reader) is >= 0 and var n ? n : null },
                "duration" => stream with { DurationSeconds = Real(ref reader) },
                "tags" => stream with { Tags = Tags(ref reader, source) },
                _ => Skipped(ref reader, stream),
            };
        }

        return stream;
    }

    private static ProbeFormat ParseFormat(ref Utf8JsonReader reader, string source)
    {
        var format = new ProbeFormat();
        while (Next(ref reader, source) == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            Next(ref reader, source);
            format = name switch
            {
                "format_name" => format with { FormatName = Text(ref reader) },
                "duration" => format with { DurationSeconds = Real(ref reader) },
                "tags" => format with { Tags = Tags(ref reader, source) },
                _ => Skipped(ref reader, format),
            };
        }

        return format;
    }

    private static Dictionary<string, string> Tags(ref Utf8JsonReader reader, string source)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return tags;
        }

        while (Next(ref reader, source) == JsonTokenType.PropertyName)
        {
            var key = reader.GetString() ?? "";
            Next(ref reader, source);
            if (Text(ref reader) is { } value)
            {
                if (tags.Count == MaxTags && !tags.ContainsKey(key))
                {
                    throw new MalformedInputException(FormattableString.Invariant($"more than {MaxTags} tags"), source, reader.TokenStartIndex, "tags");
                }

                tags[key] = value;
            }
        }

        return tags;
    }

    /// <summary>Reads the next token; the end of the input inside the document is malformed.</summary>
    private static JsonTokenType Next(ref Utf8JsonReader reader, string source) =>
        reader.Read() ? reader.TokenType : throw new MalformedInputException("ffprobe output ends inside the JSON document", source, reader.BytesConsumed);

    private static T Skipped<T>(ref Utf8JsonReader reader, T value)
    {
        reader.Skip();
        return value;
    }

    /// <summary>A string, or a number/boolean as written; null for "N/A", null, arrays and objects (skipped).</summary>
    private static string? Text(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var text = reader.GetString();
                return text is null or "N/A" ? null : text;
            case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                return System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan);
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                reader.Skip();
                return null;
            default:
                return null;
        }
    }

    private static long? Integer(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) ? n
        : long.TryParse(Text(ref reader), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : null;

    private static double? Real(ref Utf8JsonReader reader) =>
        double.TryParse(Text(ref reader), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 0 ? v : null;

    private static int? Dimension(long? value) => value is > 0 and <= 65535 ? (int)value : null;
}
