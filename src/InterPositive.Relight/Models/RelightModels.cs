using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace InterPositive.Relight.Models;

/// <summary>What a model worked out once for a take; reused for every frame of it so previews do not flicker.</summary>
public sealed record PreparedTake(
    RelightSettings Settings,
    int Height,
    int Width,
    ShLighting? SourceLighting,
    RelightGraphOptions? Graph,
    RelightConditioning? Conditioning,
    IReadOnlyDictionary<string, (float[] Values, long[] Shape)> Feeds);

/// <summary>
/// A relight model as the CLI and the service drive it: the built-in graph and bring-your-own models alike. Frames
/// go in as the take's code values ([N,3,H,W], the camera's curve and gamut) and come out as the settings ask
/// (display, log or linear).
/// </summary>
public interface IRelightModel : IDisposable
{
    string Name { get; }

    string Version { get; }

    ProviderChoice? Provider { get; }

    /// <summary>Per-take work: the lighting as shot (when needed) and every conditioning value.</summary>
    PreparedTake Prepare(RelightSettings settings, ReadOnlySpan<float> codeFrame, int height, int width, ReadOnlySpan<float> normals = default);

    void Run(PreparedTake take, TensorBuffer codeFrames, TensorBuffer? normals, TensorBuffer output, CancellationToken cancellationToken = default);
}

/// <summary>Shared per-take helpers.</summary>
public static class TakePreparation
{
    /// <summary>The take's SH lighting: given, or fitted on a (downscaled) decoded frame.</summary>
    public static ShLighting SourceLighting(RelightSettings settings, ReadOnlySpan<float> codeFrame, int height, int width, ReadOnlySpan<float> normals)
    {
        if (settings.SourceLighting is { } given)
        {
            return given;
        }

        // Fitting needs thousands of pixels, not millions: work on a box-downscaled copy near 540 lines.
        var factor = Math.Max(1, height / 540);
        int h = height / factor, w = width / factor;
        var linear = Downscale(codeFrame, height, width, factor);
        RelightReference.Decode(linear, settings.InputCurve);
        var n = normals.IsEmpty ? default : RelightReference.Normalise(Downscale(normals, height, width, factor));
        return TakeAnalysis.FitLighting(linear, h, w, settings.CameraGamut, n, RelightGraphOptions.RadiusFor(h), TakeAnalysis.DefaultNormalScale(h), RelightGraphOptions.AlbedoRadiusFor(h));
    }

    public static float[] Downscale(ReadOnlySpan<float> planar, int height, int width, int factor)
    {
        if (factor == 1)
        {
            return planar.ToArray();
        }

        int h = height / factor, w = width / factor;
        var result = new float[3 * h * w];
        var weight = 1f / (factor * factor);
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var sum = 0f;
                    for (var dy = 0; dy < factor; dy++)
                    {
                        var row = (c * height * width) + (((y * factor) + dy) * width) + (x * factor);
                        for (var dx = 0; dx < factor; dx++)
                        {
                            sum += planar[row + dx];
                        }
                    }

                    result[(c * h * w) + (y * w) + x] = sum * weight;
                }
            }
        }

        return result;
    }
}

/// <summary>The built-in relight graph behind <see cref="IRelightModel"/>.</summary>
public sealed class BuiltInModel : IRelightModel
{
    private readonly RelightEngine _engine;

    public BuiltInModel(ExecutionPreference preference = ExecutionPreference.Auto, int intraOpThreads = 0) =>
        _engine = new RelightEngine(preference, intraOpThreads);

    public string Name => BuiltInRelightModel.Name;

    public string Version => BuiltInRelightModel.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public ProviderChoice? Provider => _engine.Provider;

    public PreparedTake Prepare(RelightSettings settings, ReadOnlySpan<float> codeFrame, int height, int width, ReadOnlySpan<float> normals = default)
    {
        settings.Validate();
        var shading = settings.Key is null ? ShadingMode.None : normals.IsEmpty ? ShadingMode.Estimated : ShadingMode.Normals;
        var graph = new RelightGraphOptions
        {
            InputCurve = settings.InputCurve,
            CameraGamut = settings.CameraGamut,
            Shading = shading,
            EstimatorRadius = RelightGraphOptions.RadiusFor(shading == ShadingMode.Estimated ? height / RelightGraphOptions.ShadingScaleFor(height) : height),
            ShadingScale = shading == ShadingMode.Estimated ? RelightGraphOptions.ShadingScaleFor(height) : 1,
            AlbedoRadius = shading == ShadingMode.Estimated ? RelightGraphOptions.AlbedoRadiusFor(height / RelightGraphOptions.ShadingScaleFor(height)) : 0,
            Cdl = settings.Cdl is not null,
            CdlInLog = settings.CdlInLog,
            Output = settings.Output,
            DisplayGamut = settings.DisplayGamut,
            DisplayCurve = settings.DisplayCurve,
        };
        ShLighting? source = null, target = null;
        if (settings.Key is { } key)
        {
            source = TakePreparation.SourceLighting(settings, codeFrame, height, width, normals);
            target = source.WithKey(key.Azimuth, key.Elevation, key.Stops);
        }

        var conditioning = new RelightConditioning(settings.AdaptationMatrix(), settings.ExposureStops, source, target, settings.Cdl, TakeAnalysis.DefaultNormalScale(height));
        // Build and load the session now, so the first frame does not pay for it.
        _engine.Prepare(graph, height);
        return new PreparedTake(settings, height, width, source, graph, conditioning, BuiltInRelightModel.ConditioningTensors(graph, conditioning));
    }

    public void Run(PreparedTake take, TensorBuffer codeFrames, TensorBuffer? normals, TensorBuffer output, CancellationToken cancellationToken = default) =>
        _engine.Run(take.Graph!, take.Conditioning!, codeFrames, output, take.Graph!.Shading == ShadingMode.Normals ? normals : null, cancellationToken);

    public void Dispose() => _engine.Dispose();
}

/// <summary>
/// A bring-your-own model: its manifest checked against the model's real inputs and outputs at load, its
/// conditioning fed by role, its frames converted to and from the colour space and layout it declares.
/// </summary>
public sealed class ByoModel : IRelightModel
{
    private readonly ModelSession _session;
    private readonly ManifestTensor _image;
    private readonly ManifestTensor _output;
    private readonly ManifestTensor? _normals;

    public ByoModel(ModelFolder folder, ExecutionPreference preference = ExecutionPreference.Auto, int intraOpThreads = 0)
    {
        Folder = folder;
        _session = new ModelSession(folder.Model, preference, intraOpThreads);
        try
        {
            ManifestCheck.ThrowIfInvalid(folder.Manifest, _session.Inputs, _session.Outputs, folder.Path);
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        _image = folder.Manifest.Inputs.Single(i => i.Role == TensorRoles.Image);
        _output = folder.Manifest.Outputs.Single(o => o.Role == TensorRoles.Image);
        _normals = folder.Manifest.Inputs.SingleOrDefault(i => i.Role == TensorRoles.Normals);
    }

    public ModelFolder Folder { get; }

    public string Name => Folder.Manifest.Name;

    public string Version => Folder.Manifest.Version;

    public ProviderChoice? Provider => _session.Provider;

    public PreparedTake Prepare(RelightSettings settings, ReadOnlySpan<float> codeFrame, int height, int width, ReadOnlySpan<float> normals = default)
    {
        settings.Validate();
        var problems = new List<string>();
        string? hp = null, wp = null;
        _image.Height?.Fit(height, "height", out hp);
        _image.Width?.Fit(width, "width", out wp);
        foreach (var p in new[] { hp, wp })
        {
            if (p is not null)
            {
                problems.Add(p);
            }
        }

        if (_output.ColourSpace is "display" or "srgb" && settings.Output != OutputKind.Display)
        {
            problems.Add($"the model writes {_output.ColourSpace} images, so only --to display is possible");
        }

        if ((_image.ColourSpace == "camera-log" || _output.ColourSpace == "camera-log") && !settings.InputCurve.IsLog)
        {
            problems.Add("the model works in the camera's log: give the input's curve with --log");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"{Name}: {string.Join("; ", problems)}");
        }

        var needsLighting = Folder.Manifest.Inputs.Any(i => i.Role is TensorRoles.ShCoefficients or TensorRoles.SourceShCoefficients or TensorRoles.EnvironmentMap);
        ShLighting? source = needsLighting ? TakePreparation.SourceLighting(settings, codeFrame, height, width, normals) : null;
        var target = source is null ? null : settings.Key is { } key ? source.WithKey(key.Azimuth, key.Elevation, key.Stops) : source;
        var feeds = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
        foreach (var input in Folder.Manifest.Inputs.Where(i => i.Role is not (TensorRoles.Image or TensorRoles.Normals)))
        {
            var shape = input.Shape!.Select(d => d < 0 ? 1 : d).ToArray();
            var count = (int)shape.Aggregate(1L, (a, b) => a * b);
            float[] values = input.Role switch
            {
                TensorRoles.ExposureStops => Fill(count, (float)settings.ExposureStops),
                TensorRoles.TargetCct => Fill(count, (float)(settings.LampKelvin ?? settings.SourceKelvin)),
                TensorRoles.TargetTint => Fill(count, (float)settings.LampTint),
                TensorRoles.AdaptationMatrix => Expect(settings.AdaptationMatrix().ToFloats(), count, input),
                TensorRoles.ShCoefficients => Coefficients(target!, count, input),
                TensorRoles.SourceShCoefficients => Coefficients(source!, count, input),
                TensorRoles.EnvironmentMap => EnvironmentMap(target!, shape, input),
                _ => throw new ArgumentException($"{Name}: input '{input.Name}' has role '{input.Role}' that cannot be fed"),
            };
            feeds[input.Name] = (values, shape);
        }

        return new PreparedTake(settings, height, width, source, null, null, feeds);
    }

    public void Run(PreparedTake take, TensorBuffer codeFrames, TensorBuffer? normals, TensorBuffer output, CancellationToken cancellationToken = default)
    {
        var (batch, height, width) = ((int)codeFrames.Shape[0], take.Height, take.Width);
        var frame = 3 * height * width;
        var fh = _image.Height?.Fit(height, "height", out _) ?? height;
        var fw = _image.Width?.Fit(width, "width", out _) ?? width;
        var nchw = _image.Layout is null or "NCHW";
        var settings = take.Settings;
        using var input = new TensorBuffer(nchw ? [batch, 3, fh, fw] : [batch, fh, fw, 3]);
        using var result = new TensorBuffer(_output.Layout is null or "NCHW" ? [batch, 3, fh, fw] : [batch, fh, fw, 3]);
        using var normalInput = _normals is null ? null : new TensorBuffer(_normals.Layout is null or "NCHW" ? [batch, 3, fh, fw] : [batch, fh, fw, 3]);
        for (var n = 0; n < batch; n++)
        {
            var x = codeFrames.Span.Slice(n * frame, frame).ToArray();
            switch (_image.ColourSpace)
            {
                case "scene-linear":
                    RelightReference.Decode(x, settings.InputCurve);
                    break;
                case "display" or "srgb":
                    RelightReference.Decode(x, settings.InputCurve);
                    RelightReference.ToDisplay(x, Gamuts.Convert(settings.CameraGamut, Gamut.Rec709), _image.ColourSpace == "srgb" ? PowerTransfer.Srgb : PowerTransfer.Gamma24);
                    break;
            }

            Place(x, height, width, input.Span.Slice(n * 3 * fh * fw, 3 * fh * fw), fh, fw, nchw);
            if (normalInput is not null)
            {
                float[] nf;
                if (normals is not null)
                {
                    nf = normals.Span.Slice(n * frame, frame).ToArray();
                }
                else
                {
                    var linear = codeFrames.Span.Slice(n * frame, frame).ToArray();
                    RelightReference.Decode(linear, settings.InputCurve);
                    nf = RelightReference.EstimateNormals(linear, height, width, settings.CameraGamut, RelightGraphOptions.RadiusFor(height), TakeAnalysis.DefaultNormalScale(height));
                }

                Place(nf, height, width, normalInput.Span.Slice(n * 3 * fh * fw, 3 * fh * fw), fh, fw, _normals!.Layout is null or "NCHW");
            }
        }

        var owned = new List<TensorBuffer>();
        try
        {
            var names = new List<string> { _image.Name };
            var values = new List<OrtValue> { input.Value };
            if (normalInput is not null)
            {
                names.Add(_normals!.Name);
                values.Add(normalInput.Value);
            }

            foreach (var (name, (data, shape)) in take.Feeds)
            {
                var buffer = TensorBuffer.From(data, shape);
                owned.Add(buffer);
                names.Add(name);
                values.Add(buffer.Value);
            }

            _session.Run(names, values, [_output.Name], [result.Value], cancellationToken);
        }
        finally
        {
            foreach (var buffer in owned)
            {
                buffer.Dispose();
            }
        }

        for (var n = 0; n < batch; n++)
        {
            var y = new float[frame];
            Crop(result.Span.Slice(n * 3 * fh * fw, 3 * fh * fw), fh, fw, y, height, width, _output.Layout is null or "NCHW");
            ToRequested(y, settings);
            y.CopyTo(output.Span.Slice(n * frame, frame));
        }
    }

    public void Dispose() => _session.Dispose();

    private void ToRequested(float[] y, RelightSettings settings)
    {
        var linear = _output.ColourSpace == "scene-linear";
        if (_output.ColourSpace == "camera-log" && settings.Output != OutputKind.Log)
        {
            RelightReference.Decode(y, settings.InputCurve);
            linear = true;
        }

        if (!linear)
        {
            return;
        }

        switch (settings.Output)
        {
            case OutputKind.Display:
                RelightReference.ToDisplay(y, Gamuts.Convert(settings.CameraGamut, settings.DisplayGamut), settings.DisplayCurve);
                break;
            case OutputKind.Log:
                RelightReference.Encode(y, settings.InputCurve);
                break;
        }
    }

    /// <summary>Planar frame → the model's layout, edge-padded to its size.</summary>
    private static void Place(float[] planar, int height, int width, Span<float> target, int fh, int fw, bool nchw)
    {
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < fh; y++)
            {
                var sy = Math.Min(y, height - 1);
                for (var x = 0; x < fw; x++)
                {
                    var v = planar[(c * height * width) + (sy * width) + Math.Min(x, width - 1)];
                    target[nchw ? (c * fh * fw) + (y * fw) + x : (((y * fw) + x) * 3) + c] = v;
                }
            }
        }
    }

    private static void Crop(ReadOnlySpan<float> source, int fh, int fw, float[] planar, int height, int width, bool nchw)
    {
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    planar[(c * height * width) + (y * width) + x] = source[nchw ? (c * fh * fw) + (y * fw) + x : (((y * fw) + x) * 3) + c];
                }
            }
        }
    }

    private static float[] Fill(int count, float value) => Enumerable.Repeat(value, count).ToArray();

    private static float[] Expect(float[] values, int count, ManifestTensor input) =>
        values.Length == count ? values : throw new ArgumentException($"input '{input.Name}' ({input.Role}) must hold {values.Length} values, its shape holds {count}");

    private static float[] Coefficients(ShLighting lighting, int count, ManifestTensor input)
    {
        if (count == 27)
        {
            return lighting.Values.Select(v => (float)v).ToArray();
        }

        if (count == 9)
        {
            // Luminance lighting for single-channel models (Zhou 2019 style).
            return Enumerable.Range(0, 9).Select(k => (float)((0.2126 * lighting[0, k]) + (0.7152 * lighting[1, k]) + (0.0722 * lighting[2, k]))).ToArray();
        }

        throw new ArgumentException($"input '{input.Name}' ({input.Role}) must hold 9 or 27 values, its shape holds {count}");
    }

    /// <summary>The lighting's radiance as an equirectangular RGB map (top row = straight up; centre column = from the camera).</summary>
    private static float[] EnvironmentMap(ShLighting lighting, long[] shape, ManifestTensor input)
    {
        if (shape.Length is < 3 or > 4 || shape[^3] != 3)
        {
            throw new ArgumentException($"input '{input.Name}' (environment_map) must be [1,3,H,W] or [3,H,W]");
        }

        int h = (int)shape[^2], w = (int)shape[^1];
        var map = new float[3 * h * w];
        Span<double> basis = stackalloc double[ShLighting.Coefficients];
        for (var y = 0; y < h; y++)
        {
            var elevation = 90 - ((y + 0.5) * 180.0 / h);
            for (var x = 0; x < w; x++)
            {
                var azimuth = -180 + ((x + 0.5) * 360.0 / w);
                var (dx, dy, dz) = ShLighting.Direction(azimuth, elevation);
                ShLighting.Basis(dx, dy, dz, basis);
                for (var c = 0; c < 3; c++)
                {
                    var radiance = 0.0;
                    for (var k = 0; k < ShLighting.Coefficients; k++)
                    {
                        radiance += lighting[c, k] * basis[k];
                    }

                    map[(c * h * w) + (y * w) + x] = (float)Math.Max(radiance, 0);
                }
            }
        }

        return map;
    }
}
