namespace InterPositive.Formats;

/// <summary>
/// Text from an input shown as one line: causes quote the input ("'…' is not a valid hash"), file names and link
/// targets may spell anything, and a line break or another control character would split the CLI's one-line error,
/// forge a log line or make XML invalid. Such characters are escaped.
/// </summary>
public static class OneLineText
{
    public static string Escape(string text)
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
}
