using System.Globalization;
using System.Text.Json;
using InterPositive.Formats.Images;
using InterPositive.Lighting;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace InterPositive.Relight.Passes;

/// <summary>What the passes are written as.</summary>
public enum PassFormat
{
    /// <summary>16-bit PNG: normals and albedo as they are, shading divided by the manifest's scale; all clipped to 0–1.</summary>
    Png16,

    /// <summary>16-bit DPX, the same values as PNG.</summary>
    Dpx,

    /// <summary>OpenEXR, HALF channels R, G, B, ZIP: unclipped scene-linear values, scale 1.</summary>
    Exr,
}

/// <summary>One export of a take's VFX passes.</summary>
/// <param name="Input">A still, a folder of numbered stills, or a clip.</param>
/// <param name="OutputFolder">Where the passes, lighting.json and manifest.json go.</param>
/// <param name="Format">Image format of the passes.</param>
/// <param name="Curve">The input's transfer curve.</param>
/// <param name="Gamut">The input's (camera) gamut: albedo and shading are in it, scene-linear.</param>
/// <param name="WhiteBalanceKelvin">The camera's white balance, undone for the light's CCT; relight's default (5600 K) when null.</param>
/// <param name="MaxFrames">Stop after this many frames.</param>
public sealed record PassRequest(string Input, string OutputFolder, PassFormat Format, TransferCurve Curve, Gamut Gamut, double? WhiteBalanceKelvin = null, long? MaxFrames = null);

/// <summary>One pass as the manifest describes it.</summary>
/// <param name="Name">normals, albedo, shading.</param>
/// <param name="Encoding">What the values mean.</param>
/// <param name="Scale">Multiply the stored values by this to get the pass (integer formats hold shading divided by it).</param>
public sealed record PassDescription(string Name, string Encoding, double Scale);

/// <summary>One frame's files, relative to the manifest.</summary>
public sealed record PassFrame(long Index, string? Timecode, string Source, string Normals, string Albedo, string Shading);

/// <summary>The model the passes came from; <c>Depth</c> names the depth pass when the model estimates one (null for the built-in model).</summary>
public sealed record PassModel(string Name, string Version, string Provider, string ProviderReason, string NormalsFrom, string? Depth, string DepthNote);

/// <summary>The take's estimated lighting, as <c>lighting.json</c> holds it.</summary>
/// <param name="Sh">Order-2 SH radiance coefficients, 9 per channel (red, green, blue), camera space (x right, y up, z towards the camera), order 00, 1−1, 10, 11, 2−2, 2−1, 20, 21, 22; irradiance is these times π, 2π/3, π/4 per band.</param>
/// <param name="Key">The key light the SH lighting describes.</param>
/// <param name="Light">The light's colour as the lighting analysis measured it over the take (camera white balance undone).</param>
/// <param name="ExposureStops">Log-average luminance against 18 % grey, in stops.</param>
/// <param name="Frames">How many frames the light was measured on.</param>
public sealed record PassLighting(ShCoefficients Sh, KeyLight Key, LightColour Light, double ExposureStops, int Frames);

/// <summary>SH coefficients per channel.</summary>
public sealed record ShCoefficients(double[] Red, double[] Green, double[] Blue)
{
    public static ShCoefficients Of(ShLighting lighting) => new(
        [.. lighting.Values.Take(9).Select(v => Math.Round(v, 6))],
        [.. lighting.Values.Skip(9).Take(9).Select(v => Math.Round(v, 6))],
        [.. lighting.Values.Skip(18).Select(v => Math.Round(v, 6))]);
}

/// <summary>What <c>interpositive passes --json</c> prints and <c>manifest.json</c> holds.</summary>
public sealed record PassManifest(
    int Version,
    string Input,
    string Kind,
    int Width,
    int Height,
    double? FrameRate,
    string Format,
    string Curve,
    string Gamut,
    string ColourSpace,
    PassModel Model,
    IReadOnlyList<PassDescription> Passes,
    string Lighting,
    IReadOnlyList<PassFrame> Frames);

/// <summary>
/// Writes a take's VFX passes: per frame, camera-space normals, albedo and shading from the built-in relight model's
/// passes graph (<see cref="BuiltInRelightModel.BuildPasses"/>, through ONNX Runtime), conditioned once per take on
/// its SH lighting (fitted as the relight fits it); the take's lighting (SH, key, the measured light colour) as
/// lighting.json; and a manifest naming every frame, its timecode, the colour space and the model. The CLI verb and
/// any service stage call this one component.
/// </summary>
public sealed class PassExporter(ExecutionPreference preference = ExecutionPreference.Auto, int threads = 0)
{
    public const string ManifestName = "manifest.json";
    public const string LightingName = "lighting.json";

    /// <summary>The camera white balance assumed when none is given (relight's default, <see cref="RelightSettings.CameraKelvin"/>).</summary>
    public const double CameraDefaultKelvin = 5600;

    public async Task<PassManifest> RunAsync(PassRequest request, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(request.OutputFolder);
        var extension = request.Format switch { PassFormat.Exr => "exr", PassFormat.Dpx => "dpx", _ => "png" };
        foreach (var pass in Names)
        {
            Directory.CreateDirectory(Path.Combine(request.OutputFolder, pass));
        }

        var rate = await TakeFrames.FrameRateAsync(request.Input, cancellationToken);
        var meter = new LampMeter(new RelightSettings { InputCurve = request.Curve, CameraGamut = request.Gamut, CameraKelvin = request.WhiteBalanceKelvin ?? CameraDefaultKelvin });
        var frames = new List<PassFrame>();
        Take? take = null;
        try
        {
            await foreach (var item in TakeFrames.ReadAsync(request.Input, request.MaxFrames, cancellationToken))
            {
                var frame = item.Frame;
                if (take is null)
                {
                    take = Prepare(request, frame);
                }
                else if (frame.Width != take.Width || frame.Height != take.Height)
                {
                    throw new InvalidDataException($"{item.Source}: {frame.Width}×{frame.Height}, the take's first frame is {take.Width}×{take.Height}");
                }

                meter.Add(frame.Values, frame.Height, frame.Width);
                var (normals, albedo, shading) = take.Run(frame.Values, cancellationToken);
                var names = Names.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p}/{p}.{item.Index:000000}.{extension}")).ToArray();
                Write(request, take, Path.Combine(request.OutputFolder, names[0]), "normals", normals, v => (v + 1) / 2, null);
                Write(request, take, Path.Combine(request.OutputFolder, names[1]), "albedo", albedo, v => v, request.Gamut);
                Write(request, take, Path.Combine(request.OutputFolder, names[2]), "shading", shading, v => v / (float)take.ShadingScale, request.Gamut);
                frames.Add(new PassFrame(item.Index, item.Timecode, item.Source, names[0], names[1], names[2]));
            }

            if (take is null)
            {
                throw new InvalidDataException($"{request.Input}: no frames");
            }

            var record = meter.Record(request.Input);
            var lighting = new PassLighting(ShCoefficients.Of(take.Lighting), KeyLight.Of(take.Lighting, request.Gamut), record.Light, record.Exposure.AverageStops, record.Frames);
            await WriteJsonAsync(Path.Combine(request.OutputFolder, LightingName), lighting, PostToolsJsonContext.Default.PassLighting, cancellationToken);
            var linear = string.Create(CultureInfo.InvariantCulture, $"scene-linear, {Gamuts.Name(request.Gamut)} primaries, decoded from {request.Curve.Name}");
            var manifest = new PassManifest(
                1,
                request.Input,
                TakeFrames.KindOf(request.Input),
                take.Width,
                take.Height,
                rate,
                request.Format.ToString().ToLowerInvariant(),
                request.Curve.Name,
                Gamuts.Name(request.Gamut),
                linear,
                new PassModel(BuiltInRelightModel.Name, BuiltInRelightModel.Version.ToString(CultureInfo.InvariantCulture), take.Session.Provider.Provider, take.Session.Provider.Reason, "estimated: bas-relief shape from shading with one step against the take's SH lighting", null, "the built-in model estimates no depth"),
                [
                    new("normals", "camera space (x right, y up, z towards the camera), RGB = (n + 1)/2", 1),
                    new("albedo", "reflectance, " + linear + "; albedo × shading × shading scale = the linear picture", 1),
                    new("shading", "irradiance E(n) of the take's SH lighting on the normals, " + linear, take.ShadingScale),
                ],
                LightingName,
                frames);
            await WriteJsonAsync(Path.Combine(request.OutputFolder, ManifestName), manifest, PostToolsJsonContext.Default.PassManifest, cancellationToken);
            return manifest;
        }
        finally
        {
            take?.Dispose();
        }
    }

    private static readonly string[] Names = ["normals", "albedo", "shading"];

    private Take Prepare(PassRequest request, PlanarFrame frame)
    {
        var (height, width) = (frame.Height, frame.Width);
        var scale = RelightGraphOptions.ShadingScaleFor(height);
        var options = new RelightGraphOptions
        {
            InputCurve = request.Curve,
            CameraGamut = request.Gamut,
            Shading = ShadingMode.Estimated,
            EstimatorRadius = RelightGraphOptions.RadiusFor(height / scale),
            ShadingScale = scale,
            AlbedoRadius = RelightGraphOptions.AlbedoRadiusFor(height / scale),
            Output = OutputKind.Linear,
        };
        var settings = new RelightSettings { InputCurve = request.Curve, CameraGamut = request.Gamut, Output = OutputKind.Linear };
        // Per take, from its first frame, as the relight conditions a take: every frame then shares one lighting.
        var lighting = TakePreparation.SourceLighting(settings, frame.Values, height, width, default);
        var take = new Take(BuiltInRelightModel.BuildPasses(options), preference, threads, width, height, lighting, BuiltInRelightModel.PassTensors(options, lighting, TakeAnalysis.DefaultNormalScale(height)));
        if (request.Format != PassFormat.Exr)
        {
            // Integer formats clip at 1: shading is stored over a power of two that holds the first frame's brightest
            // percent, and the manifest gives it.
            var (_, _, shading) = take.Run(frame.Values, CancellationToken.None);
            var sorted = shading.Where(float.IsFinite).Order().ToArray();
            var high = sorted.Length == 0 ? 1 : sorted[(int)(0.999 * (sorted.Length - 1))];
            take.ShadingScale = Math.Pow(2, Math.Max(0, Math.Ceiling(Math.Log2(Math.Max(high, 1e-6)))));
        }

        return take;
    }

    private static void Write(PassRequest request, Take take, string path, string pass, float[] planar, Func<float, float> encode, Gamut? gamut)
    {
        var values = new float[planar.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = encode(planar[i]);
        }

        if (request.Format != PassFormat.Exr)
        {
            StillFrames.Write(path, values, take.Width, take.Height, request.Format == PassFormat.Dpx ? StillKind.Dpx16 : StillKind.Png16);
            return;
        }

        var pixels = take.Width * take.Height;
        var image = new ExrImage(take.Width, take.Height, [new("R", ExrPixelType.Half, values[..pixels]), new("G", ExrPixelType.Half, values[pixels..(2 * pixels)]), new("B", ExrPixelType.Half, values[(2 * pixels)..])])
        {
            Compression = ExrCompression.Zip,
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["interpositive.pass"] = pass, ["interpositive.model"] = BuiltInRelightModel.Name },
            Chromaticities = gamut is { } g ? Chromaticities(g) : null,
        };
        var temporary = path + ".partial";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            ExrCodec.Write(stream, image);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static ExrChromaticities Chromaticities(Gamut gamut)
    {
        var p = Gamuts.Primaries(gamut);
        return new ExrChromaticities(p[0].x, p[0].y, p[1].x, p[1].y, p[2].x, p[2].y, Gamuts.D65X, Gamuts.D65Y);
    }

    private static async Task WriteJsonAsync<T>(string path, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var temporary = path + ".partial";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(value, type), cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A take's session, size, lighting and conditioning tensors.</summary>
    private sealed class Take(byte[] model, ExecutionPreference preference, int threads, int width, int height, ShLighting lighting, IReadOnlyDictionary<string, (float[] Values, long[] Shape)> feeds) : IDisposable
    {
        public ModelSession Session { get; } = new(model, preference, threads, optimisation: GraphOptimizationLevel.ORT_ENABLE_EXTENDED);

        public int Width { get; } = width;

        public int Height { get; } = height;

        public ShLighting Lighting { get; } = lighting;

        public double ShadingScale { get; set; } = 1;

        public (float[] Normals, float[] Albedo, float[] Shading) Run(float[] frame, CancellationToken cancellationToken)
        {
            var owned = new List<TensorBuffer>();
            try
            {
                TensorBuffer Own(TensorBuffer buffer)
                {
                    owned.Add(buffer);
                    return buffer;
                }

                var image = Own(TensorBuffer.From(frame, 1, 3, Height, Width));
                var names = new List<string> { BuiltInRelightModel.Image };
                var values = new List<OrtValue> { image.Value };
                foreach (var (name, (data, shape)) in feeds)
                {
                    names.Add(name);
                    values.Add(Own(TensorBuffer.From(data, shape)).Value);
                }

                var outputs = new[] { Own(new TensorBuffer(1, 3, Height, Width)), Own(new TensorBuffer(1, 3, Height, Width)), Own(new TensorBuffer(1, 3, Height, Width)) };
                Session.Run(names, values, [BuiltInRelightModel.PassNormals, BuiltInRelightModel.PassAlbedo, BuiltInRelightModel.PassShading], [.. outputs.Select(o => o.Value)], cancellationToken);
                return (outputs[0].Span.ToArray(), outputs[1].Span.ToArray(), outputs[2].Span.ToArray());
            }
            finally
            {
                foreach (var buffer in owned)
                {
                    buffer.Dispose();
                }
            }
        }

        public void Dispose() => Session.Dispose();
    }
}
