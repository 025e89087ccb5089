using System.Threading.Channels;
using InterPositive.Lighting.Colour;
using InterPositive.Media;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;

namespace InterPositive.Relight.Media;

/// <summary>One relight to make: a still or a clip in, a still, a sequence or a preview clip out.</summary>
/// <param name="Input">Still (.png .dpx .tif .jpg) or clip (.mov .mp4 .mxf …).</param>
/// <param name="Output">Still, numbered pattern (name_%06d.png) or clip (.mov ProRes, .mp4 H.264).</param>
/// <param name="Settings">What to change and how to write it.</param>
/// <param name="SideBySide">Write before | after, side by side.</param>
/// <param name="Depth">Bit depth for PNG (8/16) and DPX (10/16) output.</param>
/// <param name="NormalsPath">A still normal pass (RGB = (n + 1)/2, camera space) for the key change.</param>
/// <param name="MaxFrames">Stop a clip after this many frames.</param>
public sealed record RelightRequest(string Input, string Output, RelightSettings Settings, bool SideBySide = false, int? Depth = null, string? NormalsPath = null, long? MaxFrames = null);

/// <summary>What a relight did, as <c>interpositive relight --json</c> prints it.</summary>
public sealed record RelightReport(
    string Input,
    string Output,
    string Model,
    string ModelVersion,
    string Provider,
    string ProviderReason,
    RelightParameters Parameters,
    int Width,
    int Height,
    long Frames,
    int Batch,
    RelightTimings TimingsMs)
{
    /// <summary>A clip's estimates of its per-take parameters: at the start, after each cut and camera move (empty for a still).</summary>
    public IReadOnlyList<TakeEstimate> Estimates { get; init; } = [];
}

/// <summary>The parameters a relight ran with (per take; never per frame).</summary>
public sealed record RelightParameters(
    string Curve,
    string Gamut,
    double CameraKelvin,
    double CameraTint,
    double? LampKelvin,
    double LampTint,
    string Adaptation,
    double ExposureStops,
    KeyChange? Key,
    string? CdlId,
    string Output,
    string? DisplayCurve,
    string Normals,
    double[]? SourceLighting,
    SourceLamp? SourceLamp = null);

/// <summary>Milliseconds per stage (inference per frame as well).</summary>
public sealed record RelightTimings(double Prepare, double Decode, double Inference, double Encode, double Total, double InferencePerFrame);

/// <summary>
/// Runs relights for the CLI and the service alike: stills, and clips through ffmpeg with a bounded channel between
/// decoding and inference. Parameters are prepared once per take from the first frames, so clip previews do not flicker.
/// </summary>
public sealed class Relighter
{
    private readonly IRelightModel _model;
    private readonly BuiltInModel? _before;
    private readonly TimeProvider _time;
    private readonly MediaTools _media;

    /// <param name="model">The model to run (built-in or bring-your-own).</param>
    /// <param name="time">Clock for timings.</param>
    /// <param name="before">Built-in model for the "before" half of side-by-side output (the same output transform, nothing changed).</param>
    /// <param name="media">ffmpeg and ffprobe for clips (default: from PATH).</param>
    public Relighter(IRelightModel model, TimeProvider time, BuiltInModel? before = null, MediaTools? media = null)
    {
        _media = media ?? MediaTools.Default;
        _model = model;
        _time = time;
        _before = before ?? model as BuiltInModel;
    }

    public async Task<RelightReport> RunAsync(RelightRequest request, CancellationToken cancellationToken)
    {
        request.Settings.Validate();
        if (request.SideBySide && _before is null)
        {
            throw new ArgumentException("side-by-side needs the built-in model for the before half");
        }

        return Ffmpeg.IsClip(request.Input)
            ? await RunClipAsync(request, cancellationToken)
            : RunStill(request, cancellationToken);
    }

    /// <summary>The settings of the "before" half: same decode, grade and output, nothing relit.</summary>
    public static RelightSettings Before(RelightSettings settings) => settings with { LampKelvin = null, LampTint = 0, ExposureStops = 0, Key = null };

    private RelightReport RunStill(RelightRequest request, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        var frame = StillFrames.Read(request.Input);
        float[]? normals = null;
        if (request.NormalsPath is { } normalsPath)
        {
            var pass = StillFrames.Read(normalsPath);
            if (pass.Width != frame.Width || pass.Height != frame.Height)
            {
                throw new ArgumentException($"{normalsPath}: normal pass is {pass.Width}×{pass.Height}, the picture {frame.Width}×{frame.Height}");
            }

            normals = pass.Values.Select(v => (2 * v) - 1).ToArray();
        }

        var decoded = _time.GetTimestamp();
        var settings = request.Settings with { SourceLamp = SourceLamps.Resolve(request.Settings, [frame.Values], frame.Height, frame.Width) };
        var take = _model.Prepare(settings, frame.Values, frame.Height, frame.Width, normals);
        var prepared = _time.GetTimestamp();
        using var input = TensorBuffer.From(frame.Values, 1, 3, frame.Height, frame.Width);
        using var output = new TensorBuffer(1, 3, frame.Height, frame.Width);
        using var normalBuffer = normals is null ? null : TensorBuffer.From(normals, 1, 3, frame.Height, frame.Width);
        _model.Run(take, input, normalBuffer, output, cancellationToken);
        var inferred = _time.GetTimestamp();
        var result = output.Span.ToArray();
        var width = frame.Width;
        if (request.SideBySide)
        {
            result = StillFrames.SideBySide(RunBefore(settings, frame.Values, frame.Height, frame.Width, cancellationToken), result, frame.Width, frame.Height);
            width *= 2;
        }

        StillFrames.Write(request.Output, result, width, frame.Height, StillFrames.KindFor(request.Output, request.Depth, request.Settings.Output == OutputKind.Display));
        var end = _time.GetTimestamp();
        var inference = _time.GetElapsedTime(prepared, inferred).TotalMilliseconds;
        return Report(request, take, frame.Width, frame.Height, 1, 1, new RelightTimings(
            _time.GetElapsedTime(decoded, prepared).TotalMilliseconds,
            _time.GetElapsedTime(start, decoded).TotalMilliseconds,
            inference,
            _time.GetElapsedTime(inferred, end).TotalMilliseconds,
            _time.GetElapsedTime(start, end).TotalMilliseconds,
            inference));
    }

    private float[] RunBefore(RelightSettings settings, ReadOnlySpan<float> frame, int height, int width, CancellationToken cancellationToken)
    {
        var take = _before!.Prepare(Before(settings), frame, height, width);
        using var input = TensorBuffer.From(frame, 1, 3, height, width);
        using var output = new TensorBuffer(1, 3, height, width);
        _before.Run(take, input, null, output, cancellationToken);
        return output.Span.ToArray();
    }

    private async Task<RelightReport> RunClipAsync(RelightRequest request, CancellationToken cancellationToken)
    {
        if (request.NormalsPath is not null)
        {
            throw new ArgumentException("a normal pass is taken for stills only; clips use the estimator");
        }

        var start = _time.GetTimestamp();
        await using var reader = await ClipReader.OpenAsync(request.Input, cancellationToken, maxFrames: request.MaxFrames is { } m ? (int)Math.Min(m, int.MaxValue) : null, media: _media);
        var (width, height) = (reader.Info.Width, reader.Info.Height);
        var frameSize = 3 * width * height;
        // Batches fill the session without holding seconds of 4K in memory.
        var batch = width * height <= 2_100_000 ? 4 : 1;
        var outputKind = ClipWriter.KindFor(request.Output);
        var outWidth = request.SideBySide ? width * 2 : width;
        StillKind? stillKind = outputKind == ClipOutputKind.Sequence ? StillFrames.KindFor(request.Output.Replace("%", "", StringComparison.Ordinal), request.Depth, request.Settings.Output == OutputKind.Display) : null;
        if (outputKind != ClipOutputKind.Sequence && request.Settings.Output != OutputKind.Display)
        {
            throw new ArgumentException("ProRes and H.264 previews are display-referred: use --to display, or a numbered DPX/PNG sequence for log or linear");
        }

        var channel = Channel.CreateBounded<ClipBatch>(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        var decodeMs = new double[1];
        double inferenceMs = 0, encodeMs = 0, prepareMs = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var decoder = Task.Run(() => DecodeAsync(reader, channel.Writer, batch, height, width, decodeMs, stop.Token), stop.Token);

        // Output buffers are reused for every batch of the take.
        using var output = new TensorBuffer(batch, 3, height, width);
        using var before = request.SideBySide ? new TensorBuffer(batch, 3, height, width) : null;
        ClipWriter? writer = null;
        var tracker = new TakeTracker(request.Settings);
        RelightSettings? current = null;
        float[]? representative = null;
        PreparedTake? first = null;
        PreparedTake? take = null;
        PreparedTake? beforeTake = null;
        long frames = 0;
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(stop.Token))
            {
                using var owned = item.Frames;
                var t0 = _time.GetTimestamp();
                if (tracker.NeedsEstimate(item.Cut, item.Signature) is { } reason)
                {
                    // Per take, from the frames of the batch that starts it (or that moved): the same values serve the
                    // frames after it until the next cut or move, eased in so nothing jumps.
                    var batchFrames = Enumerable.Range(0, item.Count).Select(i => item.Frames.Span.Slice(i * frameSize, frameSize).ToArray()).ToList();
                    representative = TakeAnalysis.MeanFrame(batchFrames);
                    var lamp = SourceLamps.Resolve(request.Settings, [.. batchFrames.Select(f => (ReadOnlyMemory<float>)f)], height, width);
                    var lighting = request.Settings.Key is not null && request.Settings.SourceLighting is null
                        ? TakePreparation.SourceLighting(request.Settings, representative, height, width, default)
                        : null;
                    tracker.Estimate(item.First, reason, item.Signature, lamp, lighting);
                }

                var settings = tracker.Next(item.Count);
                if (!ReferenceEquals(settings, current))
                {
                    current = settings;
                    take = _model.Prepare(settings, representative, height, width);
                    beforeTake = request.SideBySide ? _before!.Prepare(Before(settings), representative, height, width) : null;
                    first ??= take;
                }

                prepareMs += _time.GetElapsedTime(t0).TotalMilliseconds;
                writer ??= outputKind == ClipOutputKind.Sequence ? null : ClipWriter.Start(request.Output, outWidth, height, reader.Info.FrameRate, outputKind, _media);
                var t1 = _time.GetTimestamp();
                _model.Run(take!, item.Frames, null, output, stop.Token);
                if (before is not null)
                {
                    _before!.Run(beforeTake!, item.Frames, null, before, stop.Token);
                }

                inferenceMs += _time.GetElapsedTime(t1).TotalMilliseconds;
                var t2 = _time.GetTimestamp();
                for (var i = 0; i < item.Count; i++)
                {
                    var after = output.Memory.Slice(i * frameSize, frameSize);
                    ReadOnlyMemory<float> picture = before is null ? after : StillFrames.SideBySide(before.Span.Slice(i * frameSize, frameSize), after.Span, width, height);
                    if (writer is not null)
                    {
                        await writer.WriteAsync(picture, stop.Token);
                    }
                    else
                    {
                        StillFrames.Write(SequenceNames.Frame(request.Output, frames), picture.Span, outWidth, height, stillKind!.Value);
                    }

                    frames++;
                }

                encodeMs += _time.GetElapsedTime(t2).TotalMilliseconds;
            }

            await decoder;
            if (first is null)
            {
                throw new InvalidDataException($"{request.Input}: the clip has no frames");
            }

            if (writer is not null)
            {
                var t3 = _time.GetTimestamp();
                await writer.CompleteAsync(stop.Token);
                encodeMs += _time.GetElapsedTime(t3).TotalMilliseconds;
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await decoder;
            }
            catch (OperationCanceledException)
            {
            }

            while (channel.Reader.TryRead(out var left))
            {
                left.Frames.Dispose();
            }

            if (writer is not null)
            {
                await writer.DisposeAsync();
            }
        }

        var total = _time.GetElapsedTime(start).TotalMilliseconds;
        return Report(request, first, width, height, frames, batch, new RelightTimings(prepareMs, decodeMs[0], inferenceMs, encodeMs, total, inferenceMs / Math.Max(frames, 1))) with
        {
            Estimates = [.. tracker.Estimates],
        };
    }

    /// <summary>
    /// Reads the clip into batches, fingerprinting every frame (<see cref="FrameSignature"/>): a batch ends early at a
    /// cut, so the frame after it opens the next batch and gets its own estimate.
    /// </summary>
    private async Task DecodeAsync(ClipReader reader, ChannelWriter<ClipBatch> writer, int batch, int height, int width, double[] decodeMs, CancellationToken cancellationToken)
    {
        var frameSize = 3 * width * height;
        TensorBuffer? buffer = null;
        try
        {
            float[]? previous = null;
            float[]? firstSignature = null;
            var count = 0;
            var cutAtStart = false;
            long index = 0, batchStart = 0;
            while (true)
            {
                var t0 = _time.GetTimestamp();
                buffer ??= new TensorBuffer(batch, 3, height, width);
                var slot = buffer.Memory.Slice(count * frameSize, frameSize);
                var read = await reader.ReadAsync(slot, cancellationToken);
                var signature = read ? FrameSignature.Of(slot.Span, height, width) : null;
                decodeMs[0] += _time.GetElapsedTime(t0).TotalMilliseconds;
                if (!read)
                {
                    break;
                }

                var cut = previous is not null && FrameSignature.Distance(signature, previous) > FrameSignature.CutThreshold;
                previous = signature;
                if (cut && count > 0)
                {
                    // Close the batch before the cut; this frame opens the next one.
                    var next = new TensorBuffer(batch, 3, height, width);
                    slot.Span.CopyTo(next.Span[..frameSize]);
                    var full = buffer;
                    buffer = next;
                    await SendAsync(new ClipBatch(full, count, batchStart, cutAtStart, firstSignature!));
                    count = 0;
                }

                if (count == 0)
                {
                    (batchStart, cutAtStart, firstSignature) = (index, cut, signature);
                }

                count++;
                index++;
                if (count == batch)
                {
                    var full = buffer;
                    buffer = null;
                    await SendAsync(new ClipBatch(full, count, batchStart, cutAtStart, firstSignature!));
                    count = 0;
                }
            }

            if (count > 0)
            {
                var full = buffer!;
                buffer = null;
                await SendAsync(new ClipBatch(full, count, batchStart, cutAtStart, firstSignature!));
            }

            writer.Complete();
        }
        catch (Exception error)
        {
            writer.Complete(error);
        }
        finally
        {
            buffer?.Dispose();
        }

        // The consumer owns a batch once it is written; until then it is ours to return.
        async Task SendAsync(ClipBatch item)
        {
            try
            {
                await writer.WriteAsync(item, cancellationToken);
            }
            catch
            {
                item.Frames.Dispose();
                throw;
            }
        }
    }

    /// <summary>Frames decoded together; <paramref name="Cut"/> when the first follows a cut.</summary>
    private readonly record struct ClipBatch(TensorBuffer Frames, int Count, long First, bool Cut, float[] Signature);

    private RelightReport Report(RelightRequest request, PreparedTake take, int width, int height, long frames, int batch, RelightTimings timings)
    {
        var s = take.Settings;
        var normals = s.Key is null && take.Graph is null ? "none"
            : take.Graph?.Shading switch
            {
                ShadingMode.Normals => "pass",
                ShadingMode.Estimated => "estimated",
                ShadingMode.None => "none",
                _ => request.NormalsPath is null ? "estimated" : "pass",
            };
        var parameters = new RelightParameters(
            s.InputCurve.Name, Gamuts.Name(s.CameraGamut), s.CameraKelvin, s.CameraTint, s.LampKelvin, s.LampTint, s.Adaptation.ToString(), s.ExposureStops, s.Key, s.Cdl?.Id,
            s.Output.ToString().ToLowerInvariant(), s.Output == OutputKind.Display ? s.DisplayCurve.Name : null, normals, take.SourceLighting?.Values.ToArray(), s.SourceLamp);
        return new RelightReport(request.Input, request.Output, _model.Name, _model.Version, _model.Provider?.Provider ?? ProviderChoice.Cpu, _model.Provider?.Reason ?? "", parameters, width, height, frames, batch, timings);
    }
}
