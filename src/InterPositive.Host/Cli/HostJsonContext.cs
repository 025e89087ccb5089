using System.Text.Json.Serialization;

namespace InterPositive.Host.Cli;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CliError))]
internal sealed partial class HostJsonContext : JsonSerializerContext;
