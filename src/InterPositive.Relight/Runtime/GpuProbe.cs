using System.Runtime.InteropServices;

namespace InterPositive.Relight.Runtime;

/// <summary>Whether one GPU provider can start here, and if not, what it lacks.</summary>
/// <param name="Provider">ONNX Runtime's provider name.</param>
/// <param name="Ready">Its provider library is beside ONNX Runtime and every library it needs loads.</param>
/// <param name="Missing">What is not there: the provider library (a CPU-only build) or the CUDA/cuDNN/TensorRT libraries.</param>
public sealed record GpuProviderProbe(string Provider, bool Ready, IReadOnlyList<string> Missing)
{
    /// <summary>One line for the provider reason: why it cannot start.</summary>
    public string Why => Missing.Count == 0 ? "" : $"{Provider} needs {string.Join(", ", Missing)}";
}

/// <summary>
/// Looks for what ONNX Runtime's CUDA and TensorRT providers load at run time before asking for them: the GPU package's
/// <c>libonnxruntime_providers_*.so</c> beside <c>libonnxruntime.so</c>, and the CUDA 13, cuDNN 9 and TensorRT 10
/// libraries by soname through the loader's own search (LD_LIBRARY_PATH, the ld.so cache). The GPU package offers both
/// providers on any machine, so <c>GetAvailableProviders()</c> alone cannot tell a GPU box from a laptop.
/// </summary>
public static class GpuProbe
{
    /// <summary>What <c>libonnxruntime_providers_cuda.so</c> (ONNX Runtime 1.32) links against and opens: CUDA 13 and cuDNN 9.</summary>
    public static IReadOnlyList<string> CudaLibraries { get; } = ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9"];

    /// <summary>What the TensorRT provider adds on top of CUDA's.</summary>
    public static IReadOnlyList<string> TensorRtLibraries { get; } = ["libnvinfer.so.10", "libnvonnxparser.so.10"];

    public const string CudaProviderLibrary = "libonnxruntime_providers_cuda.so";
    public const string TensorRtProviderLibrary = "libonnxruntime_providers_tensorrt.so";

    private static readonly Lazy<(GpuProviderProbe Cuda, GpuProviderProbe TensorRt)> Here = new(() => Probe(CanLoad, ProviderFolders()));

    /// <summary>This machine's CUDA provider (probed once per process).</summary>
    public static GpuProviderProbe Cuda => Here.Value.Cuda;

    /// <summary>This machine's TensorRT provider (probed once per process).</summary>
    public static GpuProviderProbe TensorRt => Here.Value.TensorRt;

    /// <summary>The probe with its two questions answered by the caller (tests), or by this machine.</summary>
    /// <param name="canLoad">Whether a library loads by soname.</param>
    /// <param name="providerFolders">Where ONNX Runtime's provider libraries would be.</param>
    public static (GpuProviderProbe Cuda, GpuProviderProbe TensorRt) Probe(Func<string, bool> canLoad, IEnumerable<string> providerFolders)
    {
        ArgumentNullException.ThrowIfNull(canLoad);
        var folders = providerFolders.ToList();
        bool Beside(string library) => folders.Exists(f => File.Exists(Path.Combine(f, library)));
        var cudaMissing = CudaLibraries.Where(l => !canLoad(l)).ToList();
        var cuda = new List<string>();
        if (!Beside(CudaProviderLibrary))
        {
            cuda.Add(CudaProviderLibrary + " (a CPU-only ONNX Runtime)");
        }

        cuda.AddRange(cudaMissing);
        var tensorRt = new List<string>();
        if (!Beside(TensorRtProviderLibrary))
        {
            tensorRt.Add(TensorRtProviderLibrary + " (a CPU-only ONNX Runtime)");
        }

        // TensorRT hands what it cannot run to CUDA, so it needs all of CUDA's as well.
        tensorRt.AddRange(cudaMissing);
        tensorRt.AddRange(TensorRtLibraries.Where(l => !canLoad(l)));
        return (
            new GpuProviderProbe(ProviderChoice.Cuda, cuda.Count == 0, cuda),
            new GpuProviderProbe(ProviderChoice.TensorRt, tensorRt.Count == 0, tensorRt));
    }

    /// <summary>The probe for one provider name (CUDA or TensorRT).</summary>
    public static GpuProviderProbe For(string provider) => provider == ProviderChoice.TensorRt ? TensorRt : Cuda;

    private static bool CanLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>Where ONNX Runtime looks for its provider libraries: beside <c>libonnxruntime.so</c>, in the app or its runtimes folder.</summary>
    private static IEnumerable<string> ProviderFolders()
    {
        var app = AppContext.BaseDirectory;
        yield return app;
        yield return Path.Combine(app, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        yield return Path.Combine(app, "runtimes", RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64", "native");
    }
}
