using Microsoft.ML.OnnxRuntime;

namespace InterPositive.Relight.Runtime;

/// <summary>Which execution provider to ask ONNX Runtime for.</summary>
public enum ExecutionPreference
{
    /// <summary>TensorRT, then CUDA, when the GPU build of ONNX Runtime is installed and a GPU answers; CPU otherwise.</summary>
    Auto,
    Cpu,
    Cuda,
    TensorRt,
}

/// <summary>The provider a session runs on, and why (the caller logs it once at start).</summary>
/// <param name="Provider">ONNX Runtime's provider name, e.g. <c>CPUExecutionProvider</c>.</param>
/// <param name="Reason">Why this one: asked for, or what failed before falling back.</param>
/// <param name="Available">What this ONNX Runtime build offers.</param>
public sealed record ProviderChoice(string Provider, string Reason, IReadOnlyList<string> Available)
{
    public bool IsGpu => Provider is Cuda or TensorRt;

    public const string Cpu = "CPUExecutionProvider";
    public const string Cuda = "CUDAExecutionProvider";
    public const string TensorRt = "TensorrtExecutionProvider";
}

/// <summary>
/// Builds session options for the chosen provider. The GPU package offers CUDA and TensorRT on every machine, so each is
/// asked for only when <see cref="GpuProbe"/> finds its provider library and the CUDA/cuDNN/TensorRT libraries it
/// loads; an append that still throws (the CPU package throws <see cref="EntryPointNotFoundException"/>, the GPU one
/// <see cref="OnnxRuntimeException"/>) is caught. Either way the session falls back to the CPU provider with the reason.
/// </summary>
public static class ExecutionProviders
{
    public static IReadOnlyList<string> Available()
    {
        try
        {
            return OrtEnv.Instance().GetAvailableProviders();
        }
        catch (Exception error) when (error is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            return [ProviderChoice.Cpu];
        }
    }

    /// <summary>Session options with the provider appended; the caller owns (disposes) them.</summary>
    public static SessionOptions CreateOptions(ExecutionPreference preference, out ProviderChoice choice, int deviceId = 0, int intraOpThreads = 0, GraphOptimizationLevel optimisation = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        SessionOptions? options = null;
        try
        {
            options = new SessionOptions
            {
                GraphOptimizationLevel = optimisation,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            choice = Configure(options, preference, deviceId, intraOpThreads);
            var configured = options;
            options = null;
            return configured;
        }
        finally
        {
            options?.Dispose();
        }
    }

    private static ProviderChoice Configure(SessionOptions options, ExecutionPreference preference, int deviceId, int intraOpThreads)
    {
        var available = Available();
        if (intraOpThreads > 0)
        {
            options.IntraOpNumThreads = intraOpThreads;
        }

        var wanted = preference switch
        {
            ExecutionPreference.Cpu => [],
            ExecutionPreference.Cuda => [ProviderChoice.Cuda],
            ExecutionPreference.TensorRt => [ProviderChoice.TensorRt, ProviderChoice.Cuda],
            _ => new[] { ProviderChoice.TensorRt, ProviderChoice.Cuda },
        };
        var notes = new List<string>();
        foreach (var provider in wanted)
        {
            if (!available.Contains(provider, StringComparer.Ordinal))
            {
                notes.Add($"{provider} not in this ONNX Runtime build");
                continue;
            }

            if (GpuProbe.For(provider) is { Ready: false } probe)
            {
                notes.Add(probe.Why);
                continue;
            }

            try
            {
                if (provider == ProviderChoice.TensorRt)
                {
                    options.AppendExecutionProvider_Tensorrt(deviceId);
                    // TensorRT hands what it cannot run to CUDA.
                    options.AppendExecutionProvider_CUDA(deviceId);
                }
                else
                {
                    options.AppendExecutionProvider_CUDA(deviceId);
                }

                return new ProviderChoice(provider, preference == ExecutionPreference.Auto ? "GPU build and its libraries present" : "asked for", available);
            }
            catch (Exception error) when (error is EntryPointNotFoundException or OnnxRuntimeException or DllNotFoundException)
            {
                notes.Add($"{provider} failed: {error.GetType().Name}: {error.Message}");
            }
        }

        var reason = preference == ExecutionPreference.Cpu ? "asked for" : notes.Count == 0 ? "no GPU provider asked for" : string.Join("; ", notes);
        return new ProviderChoice(ProviderChoice.Cpu, reason, available);
    }
}
