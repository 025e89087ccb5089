using System.CommandLine;
using System.Globalization;
using InterPositive.Catalog;
using InterPositive.Host.Cli;
using InterPositive.Host.Service.Stages;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;
using InterPositive.Relight.Passes;
using InterPositive.Relight.Runtime;

namespace InterPositive.Host.Verbs;

/// <summary>
/// <c>interpositive match TAKE --to REFERENCE --out FILE</c>: the lamp colour, exposure and key/fill changes that bring
/// a take to a reference take, from their lighting records (the catalog's when the clips are there), applied through
/// the relight model, with the difference before and after (the output re-analysed).
/// </summary>
internal static class MatchVerb
{
    public static Command Create()
    {
        var take = new Argument<string>("TAKE") { Description = "The take to change: a still, a folder of numbered stills or a clip." };
        var reference = new Option<string>("--to") { Description = "The reference take to match.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "The matched take: a still (.png .dpx), a numbered sequence (name_%06d.dpx) or a preview clip (.mov, .mp4).", Required = true };
        var log = new Option<string?>("--log") { Description = "Both takes' curve (default: the clip's camera in the catalog, else srgb)." };
        var gamut = new Option<string?>("--gamut") { Description = "Both takes' gamut (default: the clip's camera in the catalog, else rec709)." };
        var wb = new Option<double?>("--wb") { Description = "The camera's white balance in kelvin, when known." };
        var frames = new Option<int?>("--frames") { Description = "Frames of a clip analysed on the fly (default 48)." };
        var provider = new Option<string?>("--provider") { Description = "Execution provider: auto (default), cpu, cuda, tensorrt." };
        return Verb.Define(
            "match",
            "Match a take to a reference take: lamp colour, exposure and key/fill changes from both takes' lighting, applied through the relight model, with the residual difference.",
            configure: cmd =>
            {
                cmd.Arguments.Add(take);
                foreach (var option in new Option[] { reference, output, log, gamut, wb, frames, provider })
                {
                    cmd.Options.Add(option);
                }
            },
            run: async ctx =>
            {
                var takePath = ctx.Value(take)!;
                var referencePath = ctx.Value(reference)!;
                var (takeFound, referenceFound) = FromCatalog(ctx, takePath, referencePath);
                MatchRequest request;
                ExecutionPreference preference;
                try
                {
                    if (ctx.Value(frames) is <= 0)
                    {
                        throw new ArgumentException("--frames must be at least 1");
                    }

                    var curve = ctx.Value(log) is { } l ? TransferCurve.Parse(l) : takeFound?.Decoding.InputCurve ?? TransferCurve.Parse("srgb");
                    var g = ctx.Value(gamut) is { } name ? Gamuts.Parse(name) : takeFound?.Decoding.CameraGamut ?? Gamut.Rec709;
                    request = new MatchRequest(takeFound?.File ?? takePath, referenceFound?.File ?? referencePath, ctx.Value(output)!, curve, g, takeFound?.Record, referenceFound?.Record, ctx.Value(wb) ?? takeFound?.Decoding.CameraKelvin, ctx.Value(frames) ?? 48);
                    preference = Enum.Parse<ExecutionPreference>(ctx.Value(provider) ?? "auto", ignoreCase: true);
                }
                catch (ArgumentException error)
                {
                    return ctx.Fail(ExitCode.Usage, error.Message);
                }

                using var model = new BuiltInModel(preference);
                MatchReport report;
                try
                {
                    report = await new TakeMatcher(model, ctx.Time).RunAsync(request, ctx.CancellationToken);
                }
                catch (ArgumentException error)
                {
                    return ctx.Fail(ExitCode.Usage, error.Message);
                }

                ctx.Log.Information("Matched {Take} to {Reference}: exposure {Stops} stops, lamp {From} K to {To} K", report.Take, report.Reference, report.Changes.ExposureStops, report.Changes.FromKelvin, report.Changes.ToKelvin);
                if (ctx.Json)
                {
                    ctx.WriteJson(report, PostToolsJsonContext.Default.MatchReport);
                }
                else
                {
                    static string F(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "—";
                    var ch = report.Changes;
                    ctx.WriteLine($"{report.Output}: {report.Take} matched to {report.Reference} (lighting {ch.LightingFrom})");
                    ctx.WriteLine($"changes   lamp {F(ch.FromKelvin, "0")} K → {F(ch.ToKelvin, "0")} K, exposure {F(ch.ExposureStops, "+0.00;-0.00")} stops, key {(ch.Key is { } k ? F(k.Stops, "+0.00;-0.00") + $" stops from {F(k.Azimuth, "0")}°/{F(k.Elevation, "0")}°" : "unchanged")}");
                    ctx.WriteLine($"before    ΔCCT {F(report.Before.CctK, "+0;-0")} K, Δuv {F(report.Before.DeltaUv, "0.0000")}, exposure {F(report.Before.ExposureStops, "+0.00;-0.00")} stops, key/fill {F(report.Before.KeyFillStops, "+0.00;-0.00")} stops");
                    ctx.WriteLine($"after     ΔCCT {F(report.After.CctK, "+0;-0")} K, Δuv {F(report.After.DeltaUv, "0.0000")}, exposure {F(report.After.ExposureStops, "+0.00;-0.00")} stops, key/fill {F(report.After.KeyFillStops, "+0.00;-0.00")} stops");
                }

                return ExitCode.Success;
            });
    }

    /// <summary>Both takes as the catalog knows them (by clip id or by a verified copy's path), when it does.</summary>
    private static (CatalogTake? Take, CatalogTake? Reference) FromCatalog(VerbContext ctx, string take, string reference)
    {
        if (!File.Exists(ctx.CatalogPath))
        {
            return (null, null);
        }

        using var catalog = CatalogDatabase.Open(ctx.CatalogPath, ctx.Time);
        var matching = new ClipMatching(catalog, ctx.DataDirectory, ctx.Time, ctx.Log);
        return (matching.Find(take), matching.Find(reference));
    }
}
