using System.Text.Json.Serialization;

namespace InterPositive.Relight.Passes;

/// <summary>JSON of the post tools: the passes manifest and lighting, and the match report.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PassManifest))]
[JsonSerializable(typeof(PassLighting))]
[JsonSerializable(typeof(MatchReport))]
[JsonSerializable(typeof(MatchAdjustment))]
public sealed partial class PostToolsJsonContext : JsonSerializerContext;
