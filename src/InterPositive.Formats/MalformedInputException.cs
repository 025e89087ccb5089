namespace InterPositive.Formats;

/// <summary>
/// Input bytes that do not follow their format. Carries where (source, offset, field) and why, so every
/// caller can report one clear line naming the file and the cause, and carry on with the next file.
/// </summary>
public sealed class MalformedInputException : Exception
{
    public MalformedInputException(string cause, string? source = null, long? offset = null, string? field = null, Exception? innerException = null)
        : base(OneLineText.Escape(Compose(cause, source, offset, field)), innerException)
    {
        Cause = OneLineText.Escape(cause);
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
