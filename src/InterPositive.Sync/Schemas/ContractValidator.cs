using System.Text.Json;
using Json.Schema;

namespace InterPositive.Sync.Schemas;

/// <summary>
/// Validates messages against the contract's published JSON Schemas (draft 2020-12): the files embedded beside this
/// class are the only definition of what is valid, for the publisher's tests and the post receiver alike.
/// </summary>
public sealed class ContractValidator
{
    private static readonly Lazy<ContractValidator> Shared = new(() => new ContractValidator());

    // One options object each, reused: evaluation state built per options instance is then built once, not per message.
    private static readonly EvaluationOptions Flag = new() { OutputFormat = OutputFormat.Flag, RequireFormatValidation = true };
    private static readonly EvaluationOptions Full = new() { OutputFormat = OutputFormat.Hierarchical, RequireFormatValidation = true };

    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    private ContractValidator()
    {
        // One registry per validator, so the cross-file $refs resolve to these embedded copies and nothing is fetched.
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        foreach (var name in ContractSchemas.All)
        {
            _schemas[name] = JsonSchema.FromText(ContractSchemas.Read(name), options);
        }
    }

    /// <summary>The validator over the embedded schemas (built once; evaluation is thread-safe).</summary>
    public static ContractValidator Instance => Shared.Value;

    /// <summary>Null when <paramref name="instance"/> is valid against <paramref name="schema"/>; otherwise the first violations, one line.</summary>
    public string? Check(JsonElement instance, string schema = ContractSchemas.Envelope)
    {
        // Formats are assertions here: a createdAt that is not a date-time is as invalid as a missing one. The flag
        // pass stops at the first failure and is what nearly every message costs; only an invalid one is evaluated
        // again, in full, to say why.
        if (_schemas[schema].Evaluate(instance, Flag).IsValid)
        {
            return null;
        }

        return Describe(_schemas[schema].Evaluate(instance, Full));
    }

    private static string Describe(EvaluationResults result)
    {
        // Only failing nodes under failing parents say what is wrong: an `if` that did not match, under an allOf entry
        // that passed, is not an error. The deepest locations come first; the wrappers above them only repeat them.
        var errors = new List<(string Location, string Message)>();
        Collect(result, errors);
        var lines = errors
            .Distinct()
            .OrderByDescending(e => e.Location.Count(c => c == '/'))
            .Take(3)
            .Select(e => (e.Location.Length == 0 ? "/" : e.Location) + ": " + e.Message)
            .ToList();
        return lines.Count == 0 ? "does not match the contract's schema" : string.Join("; ", lines);
    }

    private static void Collect(EvaluationResults node, List<(string Location, string Message)> errors)
    {
        if (node.IsValid)
        {
            return;
        }

        if (node.Errors is { } messages)
        {
            foreach (var message in messages)
            {
                errors.Add((node.InstanceLocation.ToString(), message.Value));
            }
        }

        foreach (var child in node.Details ?? [])
        {
            Collect(child, errors);
        }
    }
}
