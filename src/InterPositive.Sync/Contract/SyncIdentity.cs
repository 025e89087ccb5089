using System.Text;

namespace InterPositive.Sync.Contract;

/// <summary>
/// Who is talking: the production, the unit (main, 2nd unit, splinter) and the appliance, and the topic root they
/// publish under. Topics are <c>{root}/{production}/{unit}/{appliance}/shots/{clipId}</c>, <c>.../cards/{cardId}</c>,
/// <c>.../events/{kind}</c> and <c>.../status</c>; the default root is <c>interpositive/v1</c>.
/// </summary>
public sealed record SyncIdentity
{
    /// <summary>The default topic root; the <c>v1</c> level is the contract's major version.</summary>
    public const string DefaultRoot = "interpositive/v1";

    public SyncIdentity(string production, string unit, string appliance, string root = DefaultRoot)
    {
        Production = RequireName(production, nameof(production));
        Unit = RequireName(unit, nameof(unit));
        Appliance = RequireName(appliance, nameof(appliance));
        Root = RequireRoot(root);
    }

    public string Production { get; }

    public string Unit { get; }

    public string Appliance { get; }

    public string Root { get; }

    /// <summary>The appliance's topic prefix, ending with a slash.</summary>
    public string Prefix => $"{Root}/{Production}/{Unit}/{Appliance}/";

    /// <summary>The retained online/offline topic (set through the last will).</summary>
    public string StatusTopic => Prefix + "status";

    /// <summary>Appliance key used by receivers to track sequences: <c>production/unit/appliance</c>.</summary>
    public string ApplianceKey => $"{Production}/{Unit}/{Appliance}";

    /// <summary>The topic of an outbox message of <paramref name="kind"/> (shots, cards, events) with <paramref name="key"/>.</summary>
    public string Topic(string kind, string key) => $"{Prefix}{kind}/{Topics.EncodeKey(key)}";

    /// <summary>A name is a single topic level of letters, digits, dot, dash and underscore: safe in topics, ACLs and file names.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') && name is not "." and not "..";

    private static string RequireName(string value, string what) =>
        IsValidName(value) ? value : throw new ArgumentException($"{what} '{value}': use 1-64 letters, digits, '.', '-' or '_'", what);

    private static string RequireRoot(string root)
    {
        var trimmed = root.Trim('/');
        if (trimmed.Length == 0 || trimmed.Split('/').Any(level => !IsValidName(level)))
        {
            throw new ArgumentException($"topic root '{root}': levels of letters, digits, '.', '-' or '_' separated by '/'", nameof(root));
        }

        return trimmed;
    }
}

/// <summary>Topic helpers shared by the publisher, the broker ACLs and the receiver.</summary>
public static class Topics
{
    private static readonly System.Buffers.SearchValues<char> Reserved = System.Buffers.SearchValues.Create("/+#%\0$");

    /// <summary>
    /// Keys (clip ids such as <c>A002R2EC/A002C006_141024_R2EC</c>) may hold characters that are topic syntax: '/', '+',
    /// '#', '%' and NUL are percent-encoded so a key is always exactly one topic level.
    /// </summary>
    public static string EncodeKey(string key)
    {
        if (key.Length == 0)
        {
            return "%00";
        }

        if (key.AsSpan().IndexOfAny(Reserved) < 0)
        {
            return key;
        }

        var builder = new StringBuilder(key.Length + 8);
        foreach (var c in key)
        {
            _ = c switch
            {
                '/' => builder.Append("%2F"),
                '+' => builder.Append("%2B"),
                '#' => builder.Append("%23"),
                '%' => builder.Append("%25"),
                '$' => builder.Append("%24"),
                '\0' => builder.Append("%00"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    /// <summary>The inverse of <see cref="EncodeKey"/>.</summary>
    public static string DecodeKey(string level) => level == "%00" ? "" : Uri.UnescapeDataString(level);

    /// <summary>Splits a topic under <paramref name="root"/> into production, unit, appliance and the rest, or null.</summary>
    public static TopicParts? Parse(string root, string topic)
    {
        var prefix = root.Trim('/') + "/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var levels = topic[prefix.Length..].Split('/');
        if (levels.Length < 4 || !levels.Take(3).All(SyncIdentity.IsValidName))
        {
            return null;
        }

        return levels switch
        {
            [var p, var u, var a, "status"] => new TopicParts(p, u, a, "status", null),
            [var p, var u, var a, var kind, var key] => new TopicParts(p, u, a, kind, DecodeKey(key)),
            _ => null,
        };
    }
}

/// <summary>The levels of a contract topic.</summary>
public sealed record TopicParts(string Production, string Unit, string Appliance, string Kind, string? Key)
{
    public string ApplianceKey => $"{Production}/{Unit}/{Appliance}";
}
