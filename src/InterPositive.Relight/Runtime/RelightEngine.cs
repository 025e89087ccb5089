using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using InterPositive.Relight.Models;
using Microsoft.ML.OnnxRuntime;

namespace InterPositive.Relight.Runtime;

/// <summary>How the engine runs the built-in graph.</summary>
/// <param name="Threads">Threads per run (0 = one per core).</param>
/// <param name="BandPixels">
/// CPU provider: pixels per band (whole rows, about this many). The graph is a chain of cheap per-pixel ops over 25 MB
/// (1080p) tensors, so on the CPU it is bound by memory, not arithmetic; run over bands whose tensors (1.5 MB at the
/// default: 64 rows of 1920) stay in a core's L2 cache, one thread per core, it costs about half. 0 runs whole frames
/// (as a GPU provider always does).
/// </param>
/// <param name="LayoutOptimisation">
/// Let ONNX Runtime's CPU layout transform (NCHWc) rewrite the graph. It pads the 3 colour channels to the SIMD block
/// (16 with AVX-512) and reorders in and out around every 1×1 convolution, which makes this graph slower, so it is off
/// for the built-in graph; bring-your-own convolutional models keep it.
/// </param>
public sealed record RelightEngineOptions(int Threads = 0, int BandPixels = 64 * 1920, bool LayoutOptimisation = false)
{
    /// <summary>The engine as it was first written: whole frames, layout transform on (the benchmark's previous path).</summary>
    public static RelightEngineOptions WholeFrames(int threads = 0) => new(threads, 0, true);
}

/// <summary>
/// Runs the built-in relight graph: one session per graph structure (and part), created on first use and reused for
/// every batch after; the provider is chosen once for the engine. Frames go in as NCHW batches in pooled buffers.
/// On the CPU provider, frames run as bands of rows in parallel (see <see cref="RelightEngineOptions.BandPixels"/>):
/// per-pixel structures band by band; a key change from estimated normals at reduced size as three parts (bands:
/// decode and box-average; whole low-resolution frames: normals and shading ratio; bands: decode, resized ratio, CDL,
/// output), which gives the whole graph's result (same ops on the same values) with each band's tensors in cache.
/// </summary>
public sealed class RelightEngine : IDisposable
{
    private readonly ConcurrentDictionary<(RelightGraphOptions Options, GraphPart Part, bool Banded), Lazy<ModelSession>> _sessions = new();
    private readonly ConditionalWeakTable<RelightConditioning, ConcurrentDictionary<RelightGraphOptions, IReadOnlyDictionary<string, (float[] Values, long[] Shape)>>> _feeds = new();
    private readonly ExecutionPreference _preference;
    private readonly RelightEngineOptions _options;

    public RelightEngine(ExecutionPreference preference = ExecutionPreference.Auto, int intraOpThreads = 0)
        : this(preference, new RelightEngineOptions(intraOpThreads))
    {
    }

    public RelightEngine(ExecutionPreference preference, RelightEngineOptions options)
    {
        _preference = preference;
        _options = options;
        using var probe = ExecutionProviders.CreateOptions(preference, out var choice);
        Planned = choice;
    }

    /// <summary>The provider of the first session made (all sessions of an engine use the same preference).</summary>
    public ProviderChoice? Provider { get; private set; }

    /// <summary>The provider the engine's sessions are made for, known before the first.</summary>
    public ProviderChoice Planned { get; }

    private int Threads => _options.Threads > 0 ? _options.Threads : Environment.ProcessorCount;

    /// <summary>The whole-graph session for a graph structure (built and loaded once).</summary>
    public ModelSession SessionFor(RelightGraphOptions options) => SessionFor(options, GraphPart.Whole, banded: false);

    /// <summary>Builds and loads every session a structure will run with, so the first frame does not pay for it.</summary>
    public void Prepare(RelightGraphOptions options, int height)
    {
        foreach (var (part, banded) in Plan(options, height))
        {
            SessionFor(options, part, banded);
        }
    }

    /// <summary>
    /// Relights a batch. <paramref name="image"/> and <paramref name="output"/> are [N,3,H,W]; <paramref name="normals"/>
    /// likewise when the structure takes a normal pass.
    /// </summary>
    public void Run(RelightGraphOptions options, RelightConditioning conditioning, TensorBuffer image, TensorBuffer output, TensorBuffer? normals = null, CancellationToken cancellationToken = default) =>
        Run(options, conditioning, image, output, normals, null, cancellationToken);

    /// <summary>
    /// Relights a batch of consecutive frames of a shot whose estimated normals are smoothed over time by
    /// <paramref name="history"/> (frame by frame, in batch order; see <see cref="NormalHistory"/>). Structures that do
    /// not estimate normals ignore it.
    /// </summary>
    public void RunShot(RelightGraphOptions options, RelightConditioning conditioning, TensorBuffer image, TensorBuffer output, NormalHistory history, CancellationToken cancellationToken = default) =>
        Run(options, conditioning, image, output, null, history, cancellationToken);

    private void Run(RelightGraphOptions options, RelightConditioning conditioning, TensorBuffer image, TensorBuffer output, TensorBuffer? normals, NormalHistory? history, CancellationToken cancellationToken)
    {
        if (options.Shading == ShadingMode.Normals && normals is null)
        {
            throw new ArgumentException("this relight structure takes a normal pass", nameof(normals));
        }

        if (image.Shape.Length != 4 || image.Shape[1] != 3 || output.Length != image.Length)
        {
            throw new ArgumentException("image and output must both be [N,3,H,W]");
        }

        // A take's conditioning is the same for every frame: its tensors are made once and kept while the take is.
        var feeds = _feeds.GetValue(conditioning, _ => new()).GetOrAdd(options, o => BuiltInRelightModel.ConditioningTensors(o, conditioning));
        var plan = Plan(options, (int)image.Shape[2]);
        using var conditioningValues = new Feeds(feeds);
        if (history is not null && options.Shading == ShadingMode.Estimated)
        {
            RunParts(options, conditioningValues, image, output, history, cancellationToken);
            return;
        }

        if (plan.Count == 1 && !plan[0].Banded)
        {
            var session = SessionFor(options, GraphPart.Whole, banded: false);
            var (names, values) = conditioningValues.For(session);
            names.Insert(0, BuiltInRelightModel.Image);
            values.Insert(0, image.Value);
            if (options.Shading == ShadingMode.Normals)
            {
                names.Add(BuiltInRelightModel.Normals);
                values.Add(normals!.Value);
            }

            session.Run(names, values, [BuiltInRelightModel.Output], [output.Value], cancellationToken);
            return;
        }

        if (plan.Count == 1)
        {
            RunBands(SessionFor(options, GraphPart.Whole, banded: true), conditioningValues, image, output, BandRows(options, (int)image.Shape[3]), options.Shading == ShadingMode.Normals ? normals : null, cancellationToken);
            return;
        }

        RunParts(options, conditioningValues, image, output, null, cancellationToken);
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

    /// <summary>Which sessions run a structure at a frame height: whole frames, bands, or the three parts.</summary>
    private List<(GraphPart Part, bool Banded)> Plan(RelightGraphOptions options, int height)
    {
        if (Planned.IsGpu || _options.BandPixels <= 0)
        {
            return [(GraphPart.Whole, false)];
        }

        return options.Shading switch
        {
            ShadingMode.None or ShadingMode.Normals => [(GraphPart.Whole, true)],
            // Bands of the ratio's resize line up with the whole frame's only at a whole scale factor over whole rows.
            ShadingMode.Estimated when options.ShadingScale > 1 && height % options.ShadingScale == 0 => [(GraphPart.Pool, true), (GraphPart.Ratio, false), (GraphPart.Apply, true)],
            _ => [(GraphPart.Whole, false)],
        };
    }

    /// <summary>
    /// Rows per band: about <see cref="RelightEngineOptions.BandPixels"/> over the width, a multiple of the shading scale
    /// and at least four of its low-resolution rows (the apply part resizes two more than it keeps).
    /// </summary>
    private int BandRows(RelightGraphOptions options, int width)
    {
        var f = options.Shading == ShadingMode.Estimated ? options.ShadingScale : 1;
        var rows = Math.Max(1, (int)Math.Round(_options.BandPixels / (double)width / f)) * f;
        return f == 1 ? rows : Math.Max(rows, 4 * f);
    }

    private ModelSession SessionFor(RelightGraphOptions options, GraphPart part, bool banded)
    {
        var session = _sessions.GetOrAdd((options, part, banded), key => new Lazy<ModelSession>(() =>
        {
            var model = BuiltInRelightModel.Build(key.Options, key.Part);
            // Bands and parts run one per thread (our parallelism); whole frames use ONNX Runtime's own threads. The
            // low-resolution ratio part between the banded ones stays on one thread too: given ONNX Runtime's pool, it
            // cost more CPU per frame in the one (noisy) run measured, for a few milliseconds of wall time.
            var threads = Planned.IsGpu ? _options.Threads : banded || part != GraphPart.Whole ? 1 : Threads;
            return new ModelSession(model, _preference, threads, optimisation: _options.LayoutOptimisation ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_ENABLE_EXTENDED);
        })).Value;
        Provider ??= session.Provider;
        return session;
    }

    /// <summary>Runs a per-pixel graph over bands of rows, one band per thread at a time.</summary>
    private void RunBands(ModelSession session, Feeds feeds, TensorBuffer image, TensorBuffer output, int rows, TensorBuffer? normals, CancellationToken cancellationToken)
    {
        var (batch, height, width) = ((int)image.Shape[0], (int)image.Shape[2], (int)image.Shape[3]);
        var bands = (height + rows - 1) / rows;
        var (names, values) = feeds.For(session);
        names.Insert(0, BuiltInRelightModel.Image);
        if (normals is not null)
        {
            names.Add(BuiltInRelightModel.Normals);
        }

        var outputNames = new[] { BuiltInRelightModel.Output };
        ForEachBand(batch * bands, () => new BandBuffers(rows, width, normals is not null), (item, local) =>
        {
            var (n, top) = (item / bands, item % bands * rows);
            var count = Math.Min(rows, height - top);
            var shape = new long[] { 1, 3, count, width };
            var length = 3 * count * width;
            CopyRows(image.Span, n, height, width, top, count, local.Input.AsSpan(0, length));
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, local.Input.AsMemory(0, length), shape);
            using var result = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, local.Output.AsMemory(0, length), shape);
            using var normalValue = normals is null ? null : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, local.Normals!.AsMemory(0, length), shape);
            if (normals is not null)
            {
                CopyRows(normals.Span, n, height, width, top, count, local.Normals.AsSpan(0, length));
            }

            var inputs = new OrtValue[values.Count + 1 + (normals is null ? 0 : 1)];
            inputs[0] = input;
            values.CopyTo(inputs, 1);
            if (normalValue is not null)
            {
                inputs[^1] = normalValue;
            }

            session.Run(names, inputs, outputNames, [result], cancellationToken);
            PasteRows(local.Output.AsSpan(0, length), output.Span, n, height, width, top, count);
        }, cancellationToken);
    }

    /// <summary>
    /// Key change from estimated normals in parts: pool in bands, normals and shading ratio on whole low-resolution
    /// frames, apply in bands. With a <paramref name="history"/> the normals come out of the graph between the two, are
    /// smoothed over time frame by frame, and go back in for the ratio; then any scale and any provider run this way
    /// (whole frames on a GPU, and where the height is not a whole number of the scale's rows, which the banded apply needs).
    /// </summary>
    private void RunParts(RelightGraphOptions options, Feeds feeds, TensorBuffer image, TensorBuffer output, NormalHistory? history, CancellationToken cancellationToken)
    {
        var (batch, height, width) = ((int)image.Shape[0], (int)image.Shape[2], (int)image.Shape[3]);
        var f = options.ShadingScale;
        int h = height / f, w = width / f;
        var whole = Planned.IsGpu || _options.BandPixels <= 0;
        var rows = whole ? (height + f - 1) / f * f : BandRows(options, width);
        var bandedApply = !whole && height % f == 0;
        var bands = (height + rows - 1) / rows;
        using var pooled = new TensorBuffer(batch, 3, h, w);
        using var ratio = new TensorBuffer(batch, 3, h, w);

        var pool = SessionFor(options, GraphPart.Pool, banded: true);
        var (poolNames, poolValues) = feeds.For(pool);
        poolNames.Insert(0, BuiltInRelightModel.Image);
        ForEachBand(batch * bands, () => new BandBuffers(rows, width, false), (item, local) =>
        {
            var (n, top) = (item / bands, item % bands * rows);
            var count = Math.Min(rows, height - top);
            var length = 3 * count * width;
            var small = 3 * (count / f) * w;
            if (small == 0)
            {
                // The last few rows of a height that is not a whole number of the scale's rows: box-averaging drops them.
                return;
            }

            CopyRows(image.Span, n, height, width, top, count, local.Input.AsSpan(0, length));
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, local.Input.AsMemory(0, length), [1, 3, count, width]);
            using var result = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, local.Output.AsMemory(0, small), [1, 3, count / f, w]);
            RunOne(pool, poolNames, poolValues, input, BuiltInRelightModel.Pooled, result, cancellationToken);
            PasteRows(local.Output.AsSpan(0, small), pooled.Span, n, h, w, top / f, count / f);
        }, cancellationToken);

        if (history is null)
        {
            var shade = SessionFor(options, GraphPart.Ratio, banded: false);
            var (shadeNames, shadeValues) = feeds.For(shade);
            shadeNames.Insert(0, BuiltInRelightModel.Pooled);
            shadeValues.Insert(0, pooled.Value);
            shade.Run(shadeNames, shadeValues, [BuiltInRelightModel.Ratio], [ratio.Value], cancellationToken);
        }
        else
        {
            using var normals = new TensorBuffer(batch, 3, h, w);
            var estimate = SessionFor(options, GraphPart.Normals, banded: false);
            var (estimateNames, estimateValues) = feeds.For(estimate);
            estimateNames.Insert(0, BuiltInRelightModel.Pooled);
            estimateValues.Insert(0, pooled.Value);
            estimate.Run(estimateNames, estimateValues, [BuiltInRelightModel.EstimatedNormals], [normals.Value], cancellationToken);
            for (var n = 0; n < batch; n++)
            {
                history.Smooth(normals.Span.Slice(n * 3 * h * w, 3 * h * w));
            }

            var shade = SessionFor(options, GraphPart.Shade, banded: false);
            var (shadeNames, shadeValues) = feeds.For(shade);
            shadeNames.Insert(0, BuiltInRelightModel.EstimatedNormals);
            shadeValues.Insert(0, normals.Value);
            shade.Run(shadeNames, shadeValues, [BuiltInRelightModel.Ratio], [ratio.Value], cancellationToken);
        }

        if (!bandedApply)
        {
            var applyWhole = SessionFor(options, GraphPart.ApplyWhole, banded: false);
            var (wholeNames, wholeValues) = feeds.For(applyWhole);
            wholeNames.InsertRange(0, [BuiltInRelightModel.Image, BuiltInRelightModel.Ratio]);
            wholeValues.InsertRange(0, [image.Value, ratio.Value]);
            applyWhole.Run(wholeNames, wholeValues, [BuiltInRelightModel.Output], [output.Value], cancellationToken);
            return;
        }

        var apply = SessionFor(options, GraphPart.Apply, banded: true);
        var (applyNames, applyValues) = feeds.For(apply);
        applyNames.Insert(0, BuiltInRelightModel.Image);
        applyNames.Insert(1, BuiltInRelightModel.Ratio);
        ForEachBand(batch * bands, () => new BandBuffers(rows, width, false, 3 * ((rows / f) + 2) * w), (item, local) =>
        {
            var (n, top) = (item / bands, item % bands * rows);
            var count = Math.Min(rows, height - top);
            var length = 3 * count * width;
            var ratioRows = (count / f) + 2;
            CopyRows(image.Span, n, height, width, top, count, local.Input.AsSpan(0, length));
            // The ratio's rows under the band, one more each side (the frame's edge rows repeated, as Resize clamps).
            var band = local.Ratio!.AsSpan(0, 3 * ratioRows * w);
            for (var c = 0; c < 3; c++)
            {
                for (var r = 0; r < ratioRows; r++)
                {
                    var source = Math.Clamp((top / f) - 1 + r, 0, h - 1);
                    ratio.Span.Slice((((n * 3) + c) * h * w) + (source * w), w).CopyTo(band.Slice(((c * ratioRows) + r) * w, w));
                }
            }

            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, local.Input.AsMemory(0, length), [1, 3, count, width]);
            using var ratioValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, local.Ratio.AsMemory(0, band.Length), [1, 3, ratioRows, w]);
            using var result = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, local.Output.AsMemory(0, length), [1, 3, count, width]);
            var inputs = new OrtValue[applyValues.Count + 2];
            inputs[0] = input;
            inputs[1] = ratioValue;
            applyValues.CopyTo(inputs, 2);
            apply.Run(applyNames, inputs, [BuiltInRelightModel.Output], [result], cancellationToken);
            PasteRows(local.Output.AsSpan(0, length), output.Span, n, height, width, top, count);
        }, cancellationToken);

        static void RunOne(ModelSession s, List<string> names, List<OrtValue> values, OrtValue first, string outputName, OrtValue result, CancellationToken token)
        {
            var inputs = new OrtValue[values.Count + 1];
            inputs[0] = first;
            values.CopyTo(inputs, 1);
            s.Run(names, inputs, [outputName], [result], token);
        }
    }

    private void ForEachBand(int items, Func<BandBuffers> buffers, Action<int, BandBuffers> body, CancellationToken cancellationToken)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads, CancellationToken = cancellationToken };
        Parallel.For(0, items, parallel, buffers, (item, _, local) =>
        {
            body(item, local);
            return local;
        }, local => local.Dispose());
    }

    /// <summary>Rows [top, top + count) of frame n of an [N,3,H,W] batch into a [1,3,count,W] band.</summary>
    private static void CopyRows(ReadOnlySpan<float> frames, int n, int height, int width, int top, int count, Span<float> band)
    {
        for (var c = 0; c < 3; c++)
        {
            frames.Slice((((n * 3) + c) * height * width) + (top * width), count * width).CopyTo(band.Slice(c * count * width, count * width));
        }
    }

    private static void PasteRows(ReadOnlySpan<float> band, Span<float> frames, int n, int height, int width, int top, int count)
    {
        for (var c = 0; c < 3; c++)
        {
            band.Slice(c * count * width, count * width).CopyTo(frames.Slice((((n * 3) + c) * height * width) + (top * width), count * width));
        }
    }

    /// <summary>One thread's band buffers, rented for a run and returned after it.</summary>
    private sealed class BandBuffers : IDisposable
    {
        public BandBuffers(int rows, int width, bool normals, int ratio = 0)
        {
            var length = 3 * rows * width;
            Input = System.Buffers.ArrayPool<float>.Shared.Rent(length);
            Output = System.Buffers.ArrayPool<float>.Shared.Rent(length);
            Normals = normals ? System.Buffers.ArrayPool<float>.Shared.Rent(length) : null;
            Ratio = ratio > 0 ? System.Buffers.ArrayPool<float>.Shared.Rent(ratio) : null;
        }

        public float[] Input { get; }

        public float[] Output { get; }

        public float[]? Normals { get; }

        public float[]? Ratio { get; }

        public void Dispose()
        {
            System.Buffers.ArrayPool<float>.Shared.Return(Input);
            System.Buffers.ArrayPool<float>.Shared.Return(Output);
            if (Normals is not null)
            {
                System.Buffers.ArrayPool<float>.Shared.Return(Normals);
            }

            if (Ratio is not null)
            {
                System.Buffers.ArrayPool<float>.Shared.Return(Ratio);
            }
        }
    }

    /// <summary>A take's conditioning tensors as OrtValues over its (cached) arrays, for one run.</summary>
    private sealed class Feeds(IReadOnlyDictionary<string, (float[] Values, long[] Shape)> tensors) : IDisposable
    {
        private readonly Dictionary<string, OrtValue> _values = tensors.ToDictionary(
            t => t.Key, t => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, t.Value.Values.AsMemory(), t.Value.Shape), StringComparer.Ordinal);

        /// <summary>The conditioning inputs a session declares (parts take only their own).</summary>
        public (List<string> Names, List<OrtValue> Values) For(ModelSession session)
        {
            var names = new List<string>();
            var values = new List<OrtValue>();
            foreach (var (name, value) in _values)
            {
                if (session.Inputs.ContainsKey(name))
                {
                    names.Add(name);
                    values.Add(value);
                }
            }

            return (names, values);
        }

        public void Dispose()
        {
            foreach (var value in _values.Values)
            {
                value.Dispose();
            }
        }
    }
}
