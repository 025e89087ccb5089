using InterPositive.Formats;
using Microsoft.ML.OnnxRuntime;

namespace InterPositive.Relight.Models;

/// <summary>A bring-your-own model on disk: a folder with <c>model.onnx</c> and <c>manifest.json</c>.</summary>
public sealed record ModelFolder(string Path, ModelManifest Manifest, byte[] Model)
{
    public const string ModelFileName = "model.onnx";

    public static ModelFolder Load(string folder)
    {
        var full = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"{full}: model folder not found");
        }

        var modelPath = System.IO.Path.Combine(full, ModelFileName);
        var manifestPath = System.IO.Path.Combine(full, ModelManifest.FileName);
        if (!File.Exists(modelPath))
        {
            throw new MalformedInputException($"no {ModelFileName} in the model folder", full);
        }

        if (!File.Exists(manifestPath))
        {
            throw new MalformedInputException($"no {ModelManifest.FileName} in the model folder", full);
        }

        var manifestBytes = new FileInfo(manifestPath).Length;
        if (manifestBytes > ModelManifest.MaxBytes)
        {
            throw new MalformedInputException($"manifest is {manifestBytes} bytes, over the {ModelManifest.MaxBytes}-byte budget", manifestPath);
        }

        var manifest = ModelManifest.Parse(File.ReadAllBytes(manifestPath), manifestPath);
        return new ModelFolder(full, manifest, File.ReadAllBytes(modelPath));
    }
}

/// <summary>
/// Checks a manifest against the model's real inputs and outputs (as ONNX Runtime reports them) and lists every
/// mismatch, not just the first, so a model author fixes them in one go.
/// </summary>
public static class ManifestCheck
{
    public static IReadOnlyList<string> Problems(ModelManifest manifest, IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, NodeMetadata> outputs)
    {
        var problems = new List<string>();
        CheckSide("input", manifest.Inputs, inputs, problems);
        CheckSide("output", manifest.Outputs, outputs, problems);
        foreach (var name in inputs.Keys.Where(n => manifest.Inputs.All(i => i.Name != n)))
        {
            problems.Add($"model input '{name}' is not declared in the manifest");
        }

        var images = manifest.Inputs.Count(i => i.Role == TensorRoles.Image);
        if (images != 1)
        {
            problems.Add($"the manifest must declare exactly one input with role 'image' (has {images})");
        }

        if (manifest.Inputs.Count(i => i.Role == TensorRoles.Normals) > 1)
        {
            problems.Add("at most one input may have role 'normals'");
        }

        var imageOutputs = manifest.Outputs.Count(o => o.Role == TensorRoles.Image);
        if (imageOutputs != 1)
        {
            problems.Add($"the manifest must declare exactly one output with role 'image' (has {imageOutputs})");
        }

        return problems;
    }

    /// <summary>Throws one <see cref="MalformedInputException"/> naming every mismatch.</summary>
    public static void ThrowIfInvalid(ModelManifest manifest, IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, NodeMetadata> outputs, string source)
    {
        var problems = Problems(manifest, inputs, outputs);
        if (problems.Count > 0)
        {
            throw new MalformedInputException($"model and manifest disagree: {string.Join("; ", problems)}", source, field: ModelManifest.FileName);
        }
    }

    private static void CheckSide(string side, List<ManifestTensor> declared, IReadOnlyDictionary<string, NodeMetadata> actual, List<string> problems)
    {
        foreach (var tensor in declared)
        {
            if (!TensorRoles.Known.Contains(tensor.Role))
            {
                problems.Add($"{side} '{tensor.Name}': unknown role '{tensor.Role}' (known: {string.Join(", ", TensorRoles.Known)})");
            }

            if (!actual.TryGetValue(tensor.Name, out var meta))
            {
                problems.Add($"{side} '{tensor.Name}' is declared but the model has no such {side} (it has: {string.Join(", ", actual.Keys)})");
                continue;
            }

            if (!meta.IsTensor || meta.ElementType != typeof(float))
            {
                problems.Add($"{side} '{tensor.Name}' is {meta.ElementType.Name}, only float32 tensors are supported");
            }

            var dims = meta.Dimensions;
            if (tensor.Role is TensorRoles.Image or TensorRoles.Normals)
            {
                CheckImage(side, tensor, dims, problems);
            }
            else if (tensor.Shape is { } shape)
            {
                if (!ModelManifest.WithinBudget(shape))
                {
                    problems.Add($"{side} '{tensor.Name}': manifest shape [{string.Join(", ", shape)}] holds more than {ModelManifest.MaxConditioningValues} values");
                }
                else if (shape.Count != dims.Length)
                {
                    problems.Add($"{side} '{tensor.Name}': manifest shape has rank {shape.Count}, model has rank {dims.Length}");
                }
                else
                {
                    for (var i = 0; i < dims.Length; i++)
                    {
                        if (dims[i] >= 0 && shape[i] >= 0 && dims[i] != shape[i])
                        {
                            problems.Add($"{side} '{tensor.Name}': dimension {i} is {dims[i]} in the model, {shape[i]} in the manifest");
                        }
                    }
                }
            }
            else
            {
                problems.Add($"{side} '{tensor.Name}' ({tensor.Role}) needs a shape in the manifest");
            }
        }
    }

    private static void CheckImage(string side, ManifestTensor tensor, int[] dims, List<string> problems)
    {
        var layout = tensor.Layout ?? "NCHW";
        if (layout is not ("NCHW" or "NHWC"))
        {
            problems.Add($"{side} '{tensor.Name}': layout '{layout}' is not NCHW or NHWC");
            return;
        }

        if (tensor.Role == TensorRoles.Image && (tensor.ColourSpace is null || !TensorRoles.ColourSpaces.Contains(tensor.ColourSpace)))
        {
            problems.Add($"{side} '{tensor.Name}': colourSpace must be one of {string.Join(", ", TensorRoles.ColourSpaces)}");
        }

        if (dims.Length != 4)
        {
            problems.Add($"{side} '{tensor.Name}': images are rank 4 ({layout}); the model's is rank {dims.Length}");
            return;
        }

        var (c, h, w) = layout == "NCHW" ? (dims[1], dims[2], dims[3]) : (dims[3], dims[1], dims[2]);
        var other = layout == "NCHW" ? dims[3] : dims[1];
        if (c != 3 && other == 3)
        {
            problems.Add($"{side} '{tensor.Name}': the model's shape looks {(layout == "NCHW" ? "NHWC" : "NCHW")}, the manifest says {layout}");
        }

        if (c >= 0 && c != 3)
        {
            problems.Add($"{side} '{tensor.Name}': {c} channels in the model's {layout} layout, 3 (RGB) expected — is the layout right?");
        }

        CheckSize(side, tensor.Name, "height", h, tensor.Height, problems);
        CheckSize(side, tensor.Name, "width", w, tensor.Width, problems);
    }

    private static void CheckSize(string side, string name, string what, int modelDim, SizeConstraint? rule, List<string> problems)
    {
        if (modelDim >= 0 && rule?.Fixed != modelDim)
        {
            problems.Add($"{side} '{name}': the model fixes {what} at {modelDim}; the manifest must say {{\"fixed\": {modelDim}}}");
        }
        else if (modelDim < 0 && rule?.Fixed is { } f)
        {
            problems.Add($"{side} '{name}': the manifest fixes {what} at {f} but the model's {what} is free");
        }
    }
}
