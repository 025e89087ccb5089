namespace InterPositive.Formats;

/// <summary>
/// Input bytes that do not follow their format. Carries where (source, offset, field) and why, so every
/// caller can report one clear line naming the file and the cause, and carry on with the next file.
/// </summary>
public sealed class MalformedInputException : Exception
{
    public MalformedInputException(string cause, string? source = null, long? offset = null, string? field = null, Exception? innerException = null)
        : base(OneLine(Compose(cause, source, offset, field)), innerException)
    {
        Cause = OneLine(cause);
        SourceName = source;
        Offset = offset;
        Field = field;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Cause { get; }

    /// <summary>The file, stream or feed the bytes came from, when known.</summary>
    public string? SourceName { get; }

    /// <summary>Byte offset in the source where the problem was found, when known.</summary>
    public long? Offset { get; }

    /// <summary>The structure or field being read (an atom, a KLV key, an XML element), when known.</summary>
    public string? Field { get; }

    /// <summary>The same error attributed to a source, for parsers that work on spans and do not know the file name.</summary>
    public MalformedInputException WithSource(string source) =>
        SourceName is null ? new MalformedInputException(Cause, source, Offset, Field, InnerException) : this;

    /// <summary>
    /// The message as one line: causes quote the input ("'…' is not a valid hash"), and a value holding a line break or
    /// another control character would split the CLI's one-line error or forge a log line. Such characters are escaped.
    /// </summary>
    private static string OneLine(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var sb = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' => sb.Append("\\n"),
                '\r' => sb.Append("\\r"),
                '\t' => sb.Append("\\t"),
                _ when char.IsControl(c) => sb.Append(FormattableString.Invariant($"\\u{(int)c:X4}")),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    private static string Compose(string cause, string? source, long? offset, string? field)
    {
        var where = new List<string>(3);
        if (source is not null)
        {
            where.Add(source);
        }

        if (offset is { } o)
        {
            where.Add(FormattableString.Invariant($"offset {o}"));
        }

        if (field is not null)
        {
            where.Add(field);
        }

        return where.Count == 0 ? cause : $"{string.Join(", ", where)}: {cause}";
    }
}
