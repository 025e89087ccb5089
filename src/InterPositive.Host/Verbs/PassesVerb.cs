using System.CommandLine;
using System.Globalization;
using InterPositive.Host.Cli;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Passes;
using InterPositive.Relight.Runtime;

namespace InterPositive.Host.Verbs;

/// <summary>
/// <c>interpositive passes INPUT --out DIR</c>: per-frame VFX passes (camera-space normals, albedo, shading) of a
/// still, a still sequence or a clip from the built-in relight model, the take's lighting as JSON, and a manifest.
/// </summary>
internal static class PassesVerb
{
    public static Command Create()
    {
        var input = new Argument<string>("INPUT") { Description = "A still (.dpx .png .tif .jpg), a folder of numbered stills, or a clip (.mov .mp4 .mxf)." };
        var output = new Option<string>("--out", "-o") { Description = "Folder for normals/, albedo/, shading/, lighting.json and manifest.json.", Required = true };
        var format = new Option<string?>("--format") { Description = "png16, dpx (16-bit) or exr (HALF, ZIP; default)." };
        var log = new Option<string?>("--log") { Description = "The input's curve: logc3, logc4, slog3, log3g10, clog2, clog3, vlog, bmdfilm5, linear, srgb, bt1886. Default srgb." };
        var gamut = new Option<string?>("--gamut") { Description = "The camera's gamut: awg3, awg4, sgamut3cine, rwg, rec709, rec2020. Default rec709." };
        var wb = new Option<double?>("--wb") { Description = "The camera's white balance in kelvin, undone for the light's CCT." };
        var frames = new Option<long?>("--frames") { Description = "Only the first N frames." };
        var provider = new Option<string?>("--provider") { Description = "Execution provider: auto (default), cpu, cuda, tensorrt." };
        return Verb.Define(
            "passes",
            "Write VFX passes of a still, sequence or clip: camera-space normals, albedo, shading per frame, the take's SH lighting, key and CCT, and a manifest.",
            configure: cmd =>
            {
                cmd.Arguments.Add(input);
                foreach (var option in new Option[] { output, format, log, gamut, wb, frames, provider })
                {
                    cmd.Options.Add(option);
                }
            },
            run: async ctx =>
            {
                PassRequest request;
                ExecutionPreference preference;
                try
                {
                    var passFormat = (ctx.Value(format) ?? "exr").ToLowerInvariant() switch
                    {
                        "png16" or "png" => PassFormat.Png16,
                        "dpx" => PassFormat.Dpx,
                        "exr" => PassFormat.Exr,
                        var other => throw new ArgumentException($"--format {other}: use png16, dpx or exr"),
                    };
                    if (ctx.Value(frames) is <= 0)
                    {
                        throw new ArgumentException("--frames must be at least 1");
                    }

                    if (ctx.Value(wb) is { } k && k is < 1000 or > 25000)
                    {
                        throw new ArgumentException("--wb must lie in 1000–25000 K");
                    }

                    request = new PassRequest(ctx.Value(input)!, ctx.Value(output)!, passFormat, TransferCurve.Parse(ctx.Value(log) ?? "srgb"), Gamuts.Parse(ctx.Value(gamut) ?? "rec709"), ctx.Value(wb), ctx.Value(frames));
                    preference = Enum.Parse<ExecutionPreference>(ctx.Value(provider) ?? "auto", ignoreCase: true);
                }
                catch (ArgumentException error)
                {
                    return ctx.Fail(ExitCode.Usage, error.Message);
                }

                var manifest = await new PassExporter(preference).RunAsync(request, ctx.CancellationToken);
                ctx.Log.Information("Passes of {Input}: {Frames} frame(s) as {Format} on {Provider}", manifest.Input, manifest.Frames.Count, manifest.Format, manifest.Model.Provider);
                if (ctx.Json)
                {
                    ctx.WriteJson(manifest, PostToolsJsonContext.Default.PassManifest);
                }
                else
                {
                    ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{request.OutputFolder}: normals, albedo and shading of {manifest.Frames.Count} frame(s) {manifest.Width}×{manifest.Height} as {manifest.Format}; lighting in {manifest.Lighting}, manifest in {PassExporter.ManifestName}"));
                }

                return ExitCode.Success;
            });
    }
}
