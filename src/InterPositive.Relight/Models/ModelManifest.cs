using System.Text.Json;
using System.Text.Json.Serialization;
using InterPositive.Formats;
using InterPositive.Relight.Media;

namespace InterPositive.Relight.Models;

/// <summary>
/// The JSON manifest beside a bring-your-own <c>model.onnx</c> (file <c>manifest.json</c>): what each input and
/// output is for, so the appliance can feed the model from a take and read back a frame.
/// </summary>
/// <param name="Name">Model name, as reported with every preview.</param>
/// <param name="Version">The model's own version string.</param>
/// <param name="Inputs">Every input of the model, each with a role.</param>
/// <param name="Outputs">The outputs; exactly one has role <c>image</c>.</param>
/// <param name="Description">Free text for the DIT.</param>
public sealed record ModelManifest(string Name, string Version, List<ManifestTensor> Inputs, List<ManifestTensor> Outputs, string? Description = null)
{
    public const string FileName = "manifest.json";

    /// <summary>A manifest is a few kilobytes; anything past this is not one, and is refused before it is read.</summary>
    public const long MaxBytes = 1 << 20;

    /// <summary>The most values a conditioning tensor (exposure, CCT, SH coefficients, an environment map) may hold: it is allocated per take.</summary>
    public const long MaxConditioningValues = 1 << 22;

    /// <summary>Whether a declared conditioning shape (free dimensions count as 1) stays within <see cref="MaxConditioningValues"/>.</summary>
    public static bool WithinBudget(IReadOnlyList<long> shape)
    {
        if (shape.Count > 8)
        {
            return false;
        }

        long values = 1;
        foreach (var dimension in shape)
        {
            values *= Math.Max(dimension, 1);
            if (values > MaxConditioningValues)
            {
                return false;
            }
        }

        return true;
    }

    public static ModelManifest Parse(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize(json, RelightJsonContext.Default.ModelManifest)
                ?? throw new MalformedInputException("manifest is empty", source);
            if (string.IsNullOrWhiteSpace(manifest.Name))
            {
                throw new MalformedInputException("manifest has no name", source, field: "name");
            }

            if (manifest.Inputs is null || manifest.Outputs is null)
            {
                throw new MalformedInputException("manifest needs inputs and outputs", source, field: manifest.Inputs is null ? "inputs" : "outputs");
            }

            return manifest;
        }
        catch (JsonException error)
        {
            throw new MalformedInputException($"manifest is not valid JSON: {error.Message}", source, error.BytePositionInLine, error.Path, error);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, RelightJsonContext.Default.ModelManifest);
}

/// <summary>One declared input or output.</summary>
/// <param name="Name">The tensor's name in the ONNX graph.</param>
/// <param name="Role">What it carries: see <see cref="TensorRoles"/>.</param>
/// <param name="Layout">Images: <c>NCHW</c> or <c>NHWC</c>.</param>
/// <param name="ColourSpace">Images: <c>scene-linear</c> (camera gamut), <c>camera-log</c> (the take's own curve), <c>display</c> (Rec.709 gamma 2.4) or <c>srgb</c>.</param>
/// <param name="Height">Images: size constraint on height.</param>
/// <param name="Width">Images: size constraint on width.</param>
/// <param name="Shape">Conditioning: the tensor's shape (−1 for a free dimension).</param>
public sealed record ManifestTensor(
    string Name,
    string Role,
    string? Layout = null,
    string? ColourSpace = null,
    SizeConstraint? Height = null,
    SizeConstraint? Width = null,
    List<long>? Shape = null);

/// <summary>A frame size rule: a fixed size, or bounds and a multiple (frames are edge-padded up to the multiple and cropped back).</summary>
public sealed record SizeConstraint(int? Fixed = null, int? Min = null, int? Max = null, int? MultipleOf = null)
{
    /// <summary>The size to feed for a frame dimension, or why the frame cannot be fed.</summary>
    public int Fit(int size, string what, out string? problem)
    {
        problem = null;
        if (Fixed is { } f)
        {
            if (f != size)
            {
                problem = $"model needs {what} {f}, frame is {size}";
            }

            return f;
        }

        var fitted = MultipleOf is > 1 and var m ? (size + m - 1) / m * m : size;
        if (Min is { } min && fitted < min)
        {
            problem = $"model needs {what} ≥ {min}, frame is {size}";
        }
        else if (Max is { } max && fitted > max)
        {
            problem = $"model needs {what} ≤ {max}, frame is {size}";
        }

        return fitted;
    }
}

/// <summary>The roles a manifest may give a tensor.</summary>
public static class TensorRoles
{
    public const string Image = "image";
    public const string Normals = "normals";
    public const string ExposureStops = "exposure_stops";
    public const string TargetCct = "target_cct";
    public const string TargetTint = "target_tint";
    public const string ShCoefficients = "sh_coefficients";
    public const string SourceShCoefficients = "source_sh_coefficients";
    public const string EnvironmentMap = "environment_map";
    public const string AdaptationMatrix = "adaptation_matrix";

    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        Image, Normals, ExposureStops, TargetCct, TargetTint, ShCoefficients, SourceShCoefficients, EnvironmentMap, AdaptationMatrix,
    };

    public static readonly IReadOnlySet<string> ColourSpaces = new HashSet<string>(StringComparer.Ordinal) { "scene-linear", "camera-log", "display", "srgb" };
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(RelightReport))]
[JsonSerializable(typeof(PreviewSetRecord))]
[JsonSerializable(typeof(List<RelightPreset>))]
public sealed partial class RelightJsonContext : JsonSerializerContext;
