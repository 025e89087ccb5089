using Microsoft.ML.OnnxRuntime;

namespace InterPositive.Relight.Runtime;

/// <summary>
/// One ONNX Runtime session, created once (from the model's bytes) and reused for every batch; runs are
/// thread-safe. Inputs and outputs are bound as <see cref="OrtValue"/>s over the caller's (pooled) memory, so a
/// run copies nothing on the CPU provider.
/// </summary>
public sealed class ModelSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    public ModelSession(byte[] model, ExecutionPreference preference, int intraOpThreads = 0, int deviceId = 0, GraphOptimizationLevel optimisation = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        var options = ExecutionProviders.CreateOptions(preference, out var choice, deviceId, intraOpThreads, optimisation);
        try
        {
            _session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException error) when (choice.IsGpu)
        {
            // Libraries present but no device that answers (or a driver too old): the CPU provider, with the reason.
            options.Dispose();
            options = ExecutionProviders.CreateOptions(ExecutionPreference.Cpu, out var cpu, deviceId, intraOpThreads, optimisation);
            choice = cpu with { Reason = $"{choice.Provider} could not start a session: {error.Message.Split('\n')[0]}" };
            _session = new InferenceSession(model, options);
        }
        finally
        {
            options.Dispose();
        }

        Provider = choice;
        Inputs = _session.InputMetadata;
        Outputs = _session.OutputMetadata;
        Metadata = _session.ModelMetadata.CustomMetadataMap;
        ModelVersion = _session.ModelMetadata.Version;
    }

    public ProviderChoice Provider { get; }

    public IReadOnlyDictionary<string, NodeMetadata> Inputs { get; }

    public IReadOnlyDictionary<string, NodeMetadata> Outputs { get; }

    /// <summary>The model's metadata props (name, version, structure for our own models).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public long ModelVersion { get; }

    /// <summary>Runs with caller-owned inputs and preallocated outputs.</summary>
    public void Run(IReadOnlyList<string> inputNames, IReadOnlyList<OrtValue> inputs, IReadOnlyList<string> outputNames, IReadOnlyList<OrtValue> outputs, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _session.Run(_runOptions, inputNames.ToArray(), inputs.ToArray(), outputNames.ToArray(), outputs.ToArray());
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
