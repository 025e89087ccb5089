namespace InterPositive.Sync.Schemas;

/// <summary>The contract's JSON Schema files, embedded in this assembly (the same files as in the repository).</summary>
public static class ContractSchemas
{
    public const string Envelope = "envelope.schema.json";
    public const string Shot = "shot.schema.json";
    public const string Card = "card.schema.json";
    public const string Event = "event.schema.json";
    public const string Status = "status.schema.json";

    public static IReadOnlyList<string> All { get; } = [Card, Shot, Event, Envelope, Status];

    /// <summary>The text of one schema file.</summary>
    public static string Read(string name)
    {
        using var stream = typeof(ContractSchemas).Assembly.GetManifestResourceStream("InterPositive.Sync.Schemas." + name)
            ?? throw new FileNotFoundException($"schema {name} is not embedded", name);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
