using System.CommandLine;
using System.Globalization;
using InterPositive.Formats.Cdl;
using InterPositive.Host.Cli;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;

namespace InterPositive.Host.Verbs;

/// <summary>
/// <c>interpositive relight INPUT --out FILE</c>: a preview of a still or clip with the lamps, exposure, key or grade
/// changed, through the built-in ONNX relight model or a bring-your-own one.
/// </summary>
internal static class RelightVerb
{
    public static Command Create()
    {
        var input = new Argument<string>("INPUT") { Description = "A still (.dpx .png .tif .jpg) or a clip (.mov .mp4 .mxf)." };
        var output = new Option<string>("--out", "-o") { Description = "Still (.jpg .png .dpx), numbered sequence (name_%06d.dpx) or preview clip (.mov ProRes HQ, .mp4 H.264).", Required = true };
        var log = new Option<string?>("--log") { Description = "The input's log curve: logc3, logc4, slog3, log3g10, clog2, clog3, vlog, bmdfilm5 (or linear, srgb, bt1886, bt709). Default: srgb (a display-referred picture)." };
        var gamut = new Option<string?>("--gamut") { Description = "The camera's gamut: awg3, awg4, sgamut3cine, rwg, rec709, rec2020. Default rec709." };
        var cct = new Option<double?>("--cct") { Description = "New lamp colour temperature in kelvin (the camera's white balance stays where it was)." };
        var tint = new Option<double?>("--tint") { Description = "New lamp tint, 0.001 Duv per unit, + towards magenta." };
        var fromCct = new Option<double?>("--from-cct") { Description = "The lamp the take was lit by, in kelvin (default: the take's measured light, or the camera's white balance when the measurement is unsure)." };
        var fromTint = new Option<double?>("--from-tint") { Description = "That lamp's tint, 0.001 Duv per unit, + towards magenta (with --from-cct; default 0)." };
        var cameraWb = new Option<double?>("--camera-wb") { Description = "The camera's white balance in kelvin (default 5600)." };
        var cameraTint = new Option<double?>("--camera-tint") { Description = "The camera's tint (default 0)." };
        var cat = new Option<string?>("--cat") { Description = "Chromatic adaptation for the lamp change: cat16 (default) or bradford." };
        var exposure = new Option<double?>("--exposure") { Description = "Exposure change in stops." };
        var key = new Option<string?>("--key") { Description = "Key/fill change AZIMUTH,ELEVATION,STOPS: 0° from the camera, +90° from frame right; +1 stop doubles the light on surfaces facing it." };
        var normals = new Option<string?>("--normals") { Description = "A normal pass for a still (RGB = (n+1)/2, camera space); otherwise normals are estimated." };
        var cdl = new Option<string?>("--cdl") { Description = "An ASC CDL (.cc, .ccc, .cdl) applied after the relight." };
        var cdlId = new Option<string?>("--cdl-id") { Description = "Which correction of a .ccc/.cdl to use (default: the first)." };
        var cdlLinear = new Option<bool>("--cdl-linear") { Description = "Grade the CDL on scene-linear values instead of the camera's log." };
        var model = new Option<string?>("--model") { Description = "A bring-your-own model folder (model.onnx + manifest.json); default: the built-in model." };
        var to = new Option<string?>("--to") { Description = "display (default), log (the input's own curve and gamut) or linear." };
        var display = new Option<string?>("--display") { Description = "Display encoding: bt1886 (2.4-gamma monitor, default; also gamma24), srgb or bt709 (camera OETF; also rec709)." };
        var displayGamut = new Option<string?>("--display-gamut") { Description = "Display gamut: rec709 (default) or rec2020." };
        var sideBySide = new Option<bool>("--side-by-side") { Description = "Write before | after side by side." };
        var depth = new Option<int?>("--depth") { Description = "Bit depth of PNG (8/16) or DPX (10/16) output." };
        var frames = new Option<long?>("--frames") { Description = "Relight only the first N frames of a clip." };
        var provider = new Option<string?>("--provider") { Description = "Execution provider: auto (default: TensorRT/CUDA when the GPU build is installed, else CPU), cpu, cuda, tensorrt." };
        return Verb.Define(
            "relight",
            "Preview a relight of a still or clip: lamp colour (--cct/--tint), exposure, key/fill, ASC CDL, to display, log or linear; built-in ONNX model or your own.",
            configure: cmd =>
            {
                cmd.Arguments.Add(input);
                foreach (var option in new Option[] { output, log, gamut, cct, tint, fromCct, fromTint, cameraWb, cameraTint, cat, exposure, key, normals, cdl, cdlId, cdlLinear, model, to, display, displayGamut, sideBySide, depth, frames, provider })
                {
                    cmd.Options.Add(option);
                }
            },
            run: async ctx =>
            {
                RelightSettings settings;
                ExecutionPreference preference;
                try
                {
                    var curve = TransferCurve.Parse(ctx.Value(log) ?? "srgb");
                    settings = new RelightSettings
                    {
                        InputCurve = curve,
                        CameraGamut = Gamuts.Parse(ctx.Value(gamut) ?? "rec709"),
                        CameraKelvin = ctx.Value(cameraWb) ?? 5600,
                        CameraTint = ctx.Value(cameraTint) ?? 0,
                        LampKelvin = ctx.Value(cct),
                        LampTint = ctx.Value(tint) ?? 0,
                        Adaptation = (ctx.Value(cat) ?? "cat16").ToLowerInvariant() switch
                        {
                            "cat16" => AdaptationTransform.Cat16,
                            "bradford" => AdaptationTransform.Bradford,
                            var other => throw new ArgumentException($"--cat {other}: use cat16 or bradford"),
                        },
                        ExposureStops = ctx.Value(exposure) ?? 0,
                        Key = ctx.Value(key) is { } k ? KeyChange.Parse(k) : null,
                        CdlInLog = !ctx.Value(cdlLinear),
                        Output = (ctx.Value(to) ?? "display").ToLowerInvariant() switch
                        {
                            "display" => OutputKind.Display,
                            "log" => OutputKind.Log,
                            "linear" => OutputKind.Linear,
                            var other => throw new ArgumentException($"--to {other}: use display, log or linear"),
                        },
                        DisplayCurve = TransferCurve.Parse(ctx.Value(display) ?? "bt1886") as PowerTransfer ?? throw new ArgumentException("--display: use bt1886, srgb or bt709"),
                        DisplayGamut = Gamuts.Parse(ctx.Value(displayGamut) ?? "rec709"),
                    };
                    if (ctx.Value(fromCct) is { } given)
                    {
                        settings = settings with { SourceLamp = SourceLamps.Given(given, ctx.Value(fromTint) ?? 0) };
                    }
                    else if (ctx.Value(fromTint) is not null)
                    {
                        throw new ArgumentException("--from-tint needs --from-cct");
                    }

                    preference = Enum.Parse<ExecutionPreference>(ctx.Value(provider) ?? "auto", ignoreCase: true);
                    settings.Validate();
                }
                catch (ArgumentException error)
                {
                    return ctx.Fail(ExitCode.Usage, error.Message);
                }

                if (ctx.Value(cdl) is { } cdlPath)
                {
                    await using var stream = File.OpenRead(cdlPath);
                    var corrections = CdlXml.Read(stream, cdlPath);
                    var id = ctx.Value(cdlId);
                    var chosen = id is null ? (corrections.Count > 0 ? corrections[0] : null) : corrections.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.Ordinal));
                    if (chosen is null)
                    {
                        return ctx.Fail(ExitCode.BadInput, id is null ? $"{cdlPath}: no colour correction in it" : $"{cdlPath}: no correction with id '{id}'");
                    }

                    settings = settings with { Cdl = CdlBridge.ToValues(chosen) };
                }

                using var before = new BuiltInModel(preference);
                using IRelightModel relightModel = ctx.Value(model) is { } folder ? new ByoModel(ModelFolder.Load(folder), preference) : new BuiltInModel(preference);
                var relighter = new Relighter(relightModel, ctx.Time, before, ctx.Media);
                RelightReport report;
                try
                {
                    report = await relighter.RunAsync(
                        new RelightRequest(ctx.Value(input)!, ctx.Value(output)!, settings, ctx.Value(sideBySide), ctx.Value(depth), ctx.Value(normals), ctx.Value(frames)),
                        ctx.CancellationToken);
                }
                catch (ArgumentException error)
                {
                    return ctx.Fail(ExitCode.Usage, error.Message);
                }

                ctx.Log.Information("Relight ran on {Provider} ({Reason}) with {Model} {Version}", report.Provider, report.ProviderReason, report.Model, report.ModelVersion);
                if (report.Parameters.SourceLamp is { } lamp)
                {
                    ctx.Log.Information("Source lamp {Kelvin} K, tint {Tint} ({Origin}, confidence {Confidence}): {Detail}", lamp.Kelvin, lamp.Tint, lamp.Origin, lamp.Confidence, lamp.Detail);
                }

                if (ctx.Json)
                {
                    ctx.WriteJson(report, RelightJsonContext.Default.RelightReport);
                }
                else
                {
                    ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{report.Output}: {report.Frames} frame(s) {report.Width}×{report.Height} relit with {report.Model} {report.ModelVersion} on {report.Provider}; {report.TimingsMs.InferencePerFrame:F1} ms/frame inference, {report.TimingsMs.Total:F0} ms total"));
                }

                return ExitCode.Success;
            });
    }
}
