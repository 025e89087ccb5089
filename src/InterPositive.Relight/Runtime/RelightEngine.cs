using System.Collections.Concurrent;
using InterPositive.Relight.Models;
using Microsoft.ML.OnnxRuntime;

namespace InterPositive.Relight.Runtime;

/// <summary>
/// Runs the built-in relight graph: one session per graph structure, created on first use and reused for every
/// batch after; the provider is chosen once for the engine. Frames go in as NCHW batches in pooled buffers.
/// </summary>
public sealed class RelightEngine : IDisposable
{
    private readonly ConcurrentDictionary<RelightGraphOptions, Lazy<ModelSession>> _sessions = new();
    private readonly ExecutionPreference _preference;
    private readonly int _intraOpThreads;

    public RelightEngine(ExecutionPreference preference = ExecutionPreference.Auto, int intraOpThreads = 0)
    {
        _preference = preference;
        _intraOpThreads = intraOpThreads;
    }

    /// <summary>The provider of the first session made (all sessions of an engine use the same preference).</summary>
    public ProviderChoice? Provider { get; private set; }

    /// <summary>The session for a graph structure (built and loaded once).</summary>
    public ModelSession SessionFor(RelightGraphOptions options)
    {
        var session = _sessions.GetOrAdd(options, o => new Lazy<ModelSession>(() => new ModelSession(BuiltInRelightModel.Build(o), _preference, _intraOpThreads))).Value;
        Provider ??= session.Provider;
        return session;
    }

    /// <summary>
    /// Relights a batch. <paramref name="image"/> and <paramref name="output"/> are [N,3,H,W]; <paramref name="normals"/>
    /// likewise when the structure takes a normal pass.
    /// </summary>
    public void Run(RelightGraphOptions options, RelightConditioning conditioning, TensorBuffer image, TensorBuffer output, TensorBuffer? normals = null, CancellationToken cancellationToken = default)
    {
        var session = SessionFor(options);
        var tensors = BuiltInRelightModel.ConditioningTensors(options, conditioning);
        var owned = new List<TensorBuffer>(tensors.Count);
        try
        {
            var names = new List<string>(tensors.Count + 2) { BuiltInRelightModel.Image };
            var values = new List<OrtValue>(tensors.Count + 2) { image.Value };
            if (options.Shading == ShadingMode.Normals)
            {
                names.Add(BuiltInRelightModel.Normals);
                values.Add((normals ?? throw new ArgumentException("this relight structure takes a normal pass", nameof(normals))).Value);
            }

            foreach (var (name, (data, shape)) in tensors)
            {
                var buffer = TensorBuffer.From(data, shape);
                owned.Add(buffer);
                names.Add(name);
                values.Add(buffer.Value);
            }

            session.Run(names, values, [BuiltInRelightModel.Output], [output.Value], cancellationToken);
        }
        finally
        {
            foreach (var buffer in owned)
            {
                buffer.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _sessions.Values)
        {
            if (lazy.IsValueCreated)
            {
                lazy.Value.Dispose();
            }
        }

        _sessions.Clear();
    }
}
