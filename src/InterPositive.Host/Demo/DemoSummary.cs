using System.Text.Json.Serialization;

namespace InterPositive.Host.Demo;

/// <summary>One step of the demo as <c>demo --json</c> reports it.</summary>
public sealed record DemoStep(string Step, bool Ok, string Detail, double Seconds);

/// <summary>What <c>demo --json</c> prints on stdout: every step, where things are, and the card-to-post time.</summary>
public sealed class DemoSummary
{
    public bool Ok { get; set; }

    public int ExitCode { get; set; }

    public IReadOnlyList<DemoStep> Steps { get; set; } = [];

    /// <summary>Seconds from the cards appearing in the watched mount root to their last shot (with lighting) at post.</summary>
    public double? CardToPostSeconds { get; set; }

    public string? Folder { get; set; }

    public string? Dashboard { get; set; }

    public string? Broker { get; set; }

    public string? Catalog { get; set; }

    public string? PostStore { get; set; }

    public string? Exports { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DemoSummary))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
