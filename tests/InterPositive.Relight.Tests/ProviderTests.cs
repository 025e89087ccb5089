using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;

namespace InterPositive.Relight.Tests;

/// <summary>Provider choice on this (CPU) build of ONNX Runtime: GPU asks fall back cleanly and say why.</summary>
[Trait("Category", "Integration")]
public sealed class ProviderTests
{
    [Theory]
    [InlineData(ExecutionPreference.Auto)]
    [InlineData(ExecutionPreference.Cuda)]
    [InlineData(ExecutionPreference.TensorRt)]
    [InlineData(ExecutionPreference.Cpu)]
    public void Sessions_start_on_what_is_there_and_say_why(ExecutionPreference preference)
    {
        if (GpuFactAttribute.GpuPresent)
        {
            return;
        }

        using var session = new ModelSession(BuiltInRelightModel.Build(new RelightGraphOptions()), preference, 1);
        Assert.Equal(ProviderChoice.Cpu, session.Provider.Provider);
        Assert.False(session.Provider.IsGpu);
        Assert.False(string.IsNullOrWhiteSpace(session.Provider.Reason));
        Assert.Contains(ProviderChoice.Cpu, session.Provider.Available);
        Assert.Equal(BuiltInRelightModel.Version, session.ModelVersion);
        Assert.Equal(BuiltInRelightModel.Name, session.Metadata["interpositive.model"]);
    }

    [Fact]
    public void The_gpu_package_here_offers_cuda_but_falls_back_naming_what_is_missing()
    {
        if (GpuFactAttribute.GpuPresent)
        {
            return;
        }

        // The appliance build is the GPU package: it offers the GPU providers even on a machine without CUDA.
        Assert.Contains(ProviderChoice.Cuda, ExecutionProviders.Available());
        using var options = ExecutionProviders.CreateOptions(ExecutionPreference.Auto, out var choice);
        Assert.Equal(ProviderChoice.Cpu, choice.Provider);
        Assert.Contains("CUDAExecutionProvider needs", choice.Reason, StringComparison.Ordinal);
        Assert.Contains("TensorrtExecutionProvider needs", choice.Reason, StringComparison.Ordinal);
        Assert.Contains(GpuProbe.Cuda.Missing[0], choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_probe_names_the_libraries_each_provider_lacks()
    {
        using var temp = new InterPositive.Testing.TempFolder("probe");
        File.WriteAllBytes(temp.Combine(GpuProbe.CudaProviderLibrary), []);
        File.WriteAllBytes(temp.Combine(GpuProbe.TensorRtProviderLibrary), []);
        var all = GpuProbe.Probe(_ => true, [temp.Path]);
        Assert.True(all.Cuda.Ready);
        Assert.True(all.TensorRt.Ready);
        Assert.Equal("", all.Cuda.Why);

        var noCudnn = GpuProbe.Probe(l => l != "libcudnn.so.9", [temp.Path]);
        Assert.False(noCudnn.Cuda.Ready);
        Assert.Equal(["libcudnn.so.9"], noCudnn.Cuda.Missing);
        Assert.Equal(["libcudnn.so.9"], noCudnn.TensorRt.Missing);

        var noTensorRt = GpuProbe.Probe(l => !l.StartsWith("libnv", StringComparison.Ordinal), [temp.Path]);
        Assert.True(noTensorRt.Cuda.Ready);
        Assert.Equal(["libnvinfer.so.10", "libnvonnxparser.so.10"], noTensorRt.TensorRt.Missing);

        var cpuPackage = GpuProbe.Probe(_ => true, [temp.Combine("elsewhere")]);
        Assert.False(cpuPackage.Cuda.Ready);
        Assert.Contains("a CPU-only ONNX Runtime", cpuPackage.Cuda.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_reuses_one_session_per_structure()
    {
        using var engine = new RelightEngine(ExecutionPreference.Cpu, 1);
        var a = engine.SessionFor(new RelightGraphOptions());
        var b = engine.SessionFor(new RelightGraphOptions());
        var c = engine.SessionFor(new RelightGraphOptions { Cdl = true });
        Assert.Same(a, b);
        Assert.NotSame(a, c);
    }
}

/// <summary>GPU-only tests: on the GPU build of ONNX Runtime with a CUDA device; skipped cleanly elsewhere.</summary>
[Trait("Category", "Gpu")]
public sealed class GpuTests
{
    [GpuFact]
    public void Built_in_graph_runs_on_the_gpu_and_matches_the_reference()
    {
        using var engine = new RelightEngine(ExecutionPreference.Cuda);
        var options = new RelightGraphOptions { InputCurve = InterPositive.Relight.Colour.LogTransfer.LogC3, Shading = ShadingMode.Estimated, EstimatorRadius = 2 };
        var source = new InterPositive.Relight.Colour.ShLighting(InterPositive.Testing.Relight.RelightScene.KeyAndFill());
        var conditioning = new RelightConditioning(InterPositive.Lighting.Colour.Matrix3.Identity, 0.5, source, source.WithKey(30, 10, 1), NormalScale: 5);
        var frames = GraphHarness.SmoothFrames(2, 32, 48, 1);
        using var image = TensorBuffer.From(frames, 2, 3, 32, 48);
        using var output = new TensorBuffer(2, 3, 32, 48);
        engine.Run(options, conditioning, image, output);
        Assert.True(engine.Provider!.IsGpu, engine.Provider.Reason);
        var reference = GraphHarness.RunReference(options, conditioning, frames, 2, 32, 48);
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.Equal(reference[i], output.Span[i], 1e-3);
        }
    }
}

/// <summary>Relight fps on CUDA as the appliance ships (the GPU package): printed beside the CPU, never asserted.</summary>
[Trait("Category", "Gpu")]
public sealed class GpuFpsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [GpuFact]
    public void Lamp_and_exposure_chain_fps_at_1080p_and_2160p_on_cuda_beside_the_cpu()
    {
        using var cuda = new RelightEngine(ExecutionPreference.Cuda);
        using var cpu = new RelightEngine(ExecutionPreference.Cpu);
        foreach (var height in new[] { 1080, 2160 })
        {
            var width = height * 16 / 9;
            var options = new RelightGraphOptions { InputCurve = InterPositive.Relight.Colour.LogTransfer.LogC3, CameraGamut = InterPositive.Lighting.Colour.Gamut.Awg3 };
            var conditioning = new RelightConditioning(InterPositive.Relight.Colour.LampAdaptation.LampChange(InterPositive.Lighting.Colour.Gamut.Awg3, InterPositive.Lighting.Colour.AdaptationTransform.Cat16, 5600, 0, 3200, 0), 0.5);
            var frames = GraphHarness.SmoothFrames(1, height, width, 1);
            using var image = TensorBuffer.From(frames, 1, 3, height, width);
            using var onGpu = new TensorBuffer(1, 3, height, width);
            using var onCpu = new TensorBuffer(1, 3, height, width);
            cpu.Run(options, conditioning, image, onCpu);
            cuda.Run(options, conditioning, image, onGpu);
            Assert.True(cuda.Provider!.IsGpu, cuda.Provider.Reason);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 20; i++)
            {
                cuda.Run(options, conditioning, image, onGpu);
            }

            var gpuFps = 20 / watch.Elapsed.TotalSeconds;
            watch.Restart();
            cpu.Run(options, conditioning, image, onCpu);
            var cpuFps = 1 / watch.Elapsed.TotalSeconds;
            output.WriteLine($"{height}p lamp+exposure: CUDA {gpuFps:F1} fps (target 60 at 2160p), CPU {cpuFps:F1} fps");
            for (var i = 0; i < onCpu.Length; i += 997)
            {
                Assert.Equal(onCpu.Span[i], onGpu.Span[i], 1e-3);
            }
        }
    }
}

/// <summary>A fact that runs only where ONNX Runtime offers the CUDA provider (the appliance's GPU build).</summary>
public sealed class GpuFactAttribute : FactAttribute
{
    public GpuFactAttribute()
    {
        if (!GpuPresent)
        {
            Skip = "no GPU: " + (GpuProbe.Cuda.Ready ? "this ONNX Runtime build offers no CUDA provider" : GpuProbe.Cuda.Why);
        }
    }

    /// <summary>The CUDA provider is offered and its libraries load (the GPU package offers it on any machine).</summary>
    public static bool GpuPresent { get; } = ExecutionProviders.Available().Contains(ProviderChoice.Cuda, StringComparer.Ordinal) && GpuProbe.Cuda.Ready;
}
