using System.CommandLine;
using System.Globalization;
using InterPositive.Catalog;
using InterPositive.Formats.AscMhl;
using InterPositive.Host.Cli;
using InterPositive.Offload;
using InterPositive.Takes;

namespace InterPositive.Host.Verbs;

/// <summary><c>interpositive offload SOURCE --dest DIR [--dest DIR ...] [--hash ALG ...] [--name NAME]</c>.</summary>
internal static class OffloadVerb
{
    public static Command Create()
    {
        var source = new Argument<string>("SOURCE") { Description = "The camera card (or any folder) to offload." };
        var destinations = new Option<string[]>("--dest", "-d")
        {
            Description = "A destination folder; the copy goes to DIR/NAME. Repeat for several drives.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var hashes = new Option<string[]>("--hash")
        {
            Description = "Hash format(s) computed in flight: xxh64 (default), xxh3, xxh128, md5, sha1, c4. Repeat for several.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var name = new Option<string?>("--name") { Description = "The card's name (folder created in each destination); default: SOURCE's folder name." };
        var author = new Option<string?>("--author") { Description = "Author recorded in the ASC MHL generation." };
        var location = new Option<string?>("--location") { Description = "Location recorded in the ASC MHL generation." };
        var comment = new Option<string?>("--comment") { Description = "Comment recorded in the ASC MHL generation." };
        var progressMode = new Option<string?>("--progress")
        {
            Description = "Progress on stderr: 'bar' (the default on a terminal), 'json' (one JSON line per update, also with --json) or 'none'.",
        };
        progressMode.AcceptOnlyFromAmong("bar", "json", "none");

        return Verb.Define(
            "offload",
            "Copy a card to one or more drives, reading it once, hashing in flight, re-reading every copy from the drive, and sealing each copy with an ASC MHL generation.",
            configure: cmd =>
            {
                cmd.Arguments.Add(source);
                cmd.Options.Add(destinations);
                cmd.Options.Add(hashes);
                cmd.Options.Add(name);
                cmd.Options.Add(author);
                cmd.Options.Add(location);
                cmd.Options.Add(comment);
                cmd.Options.Add(progressMode);
            },
            run: async ctx =>
            {
                var formats = ParseFormats(ctx.Value(hashes));
                var request = new OffloadRequest(ctx.Value(source)!, ctx.Value(destinations) ?? [])
                {
                    HashFormats = formats,
                    Name = ctx.Value(name),
                    Author = ctx.Value(author),
                    Location = ctx.Value(location),
                    Comment = ctx.Value(comment),
                };

                using var catalog = CatalogDatabase.Open(ctx.CatalogPath, ctx.Time, $"interpositive {ctx.Verb}");

                // The one ingest path (as the service and the demo): offload, then the card's clips indexed and a shot
                // record per clip queued for post in the same transaction.
                var ingest = new CardIngest(catalog, ctx.Time, ctx.Log);
                ctx.Log.Information("Offloading {Source} to {Destinations} with {Formats}", request.Source, request.Destinations, formats.Select(f => f.ElementName()));
                OffloadResult result;
                try
                {
                    var mode = ctx.Value(progressMode) ?? (ctx.Interactive ? "bar" : "none");
                    var ingested = mode switch
                    {
                        "json" => await ProgressDisplay.RunJsonAsync(ctx, p => ingest.RunAsync(request, p, ctx.CancellationToken)),
                        "bar" => await ProgressDisplay.RunAsync(ctx, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(request.Source))), p => ingest.RunAsync(request, p, ctx.CancellationToken)),
                        _ => await ingest.RunAsync(request, null, ctx.CancellationToken),
                    };
                    result = ingested.Offload;
                }
                catch (OffloadException error)
                {
                    return ctx.Fail(ExitCodeFor(error.Kind), error.Message);
                }

                ctx.Log.Information(
                    "Offload of {CardId} {Status}: {Files} files, {Bytes} bytes in {Seconds} s, re-read {ReReadMode}",
                    result.CardId,
                    result.Status,
                    result.Files,
                    result.Bytes,
                    result.Seconds,
                    result.ReReadMode);

                // Where the seconds went (--verbose): busy time per stage, summed over the threads that did it.
                foreach (var stage in result.Stages.Where(s => s.Count > 0))
                {
                    ctx.Log.Debug("Offload stage {Stage}: {Seconds} s busy, {Count} operations, {Bytes} bytes", stage.Stage, stage.Seconds, stage.Count, stage.Bytes);
                }

                if (ctx.Json)
                {
                    ctx.WriteJson(result, OffloadJsonContext.Default.OffloadResult);
                }
                else
                {
                    PrintSummary(ctx, result);
                }

                if (result.Failure == OffloadFailureKind.None)
                {
                    return ExitCode.Success;
                }

                ctx.Log.Error("offload failed: {Message}", result.Error);
                await ctx.Stderr.WriteLineAsync($"interpositive offload: error: {result.Error}");
                return ExitCodeFor(result.Failure);
            });
    }

    internal static int ExitCodeFor(OffloadFailureKind kind) => kind switch
    {
        OffloadFailureKind.None => ExitCode.Success,
        OffloadFailureKind.CheckFailed => ExitCode.CheckFailed,
        OffloadFailureKind.BadInput => ExitCode.BadInput,
        _ => ExitCode.Environment,
    };

    private static List<MhlHashFormat> ParseFormats(string[]? names)
    {
        if (names is null || names.Length == 0)
        {
            return [MhlHashFormat.Xxh64];
        }

        var formats = new List<MhlHashFormat>();
        foreach (var name in names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!MhlHashFormats.TryParse(name, out var format))
            {
                throw new UsageException($"--hash {name}: not an ASC MHL hash format (xxh64, xxh3, xxh128, md5, sha1, c4)");
            }

            if (!formats.Contains(format))
            {
                formats.Add(format);
            }
        }

        return formats;
    }

    private static void PrintSummary(VerbContext ctx, OffloadResult result)
    {
        var rate = result.Seconds > 0 ? result.BytesRead / result.Seconds / 1e6 : 0;
        ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Name} ({result.CardId}): {result.Status.ToUpperInvariant()} — {result.Files} files, {result.Bytes:N0} bytes; read {result.BytesRead:N0} bytes in {result.Seconds:0.0} s ({rate:0} MB/s); re-read: {result.ReReadMode}"));
        foreach (var destination in result.Destinations)
        {
            ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {destination.Status,-8} {destination.Path}  {destination.FilesVerified} files verified{(destination.MhlManifest is null ? "" : "  " + destination.MhlManifest)}{(destination.Error is null ? "" : "  " + destination.Error)}"));
            if (destination.LinksLeftOut.Count > 0)
            {
                ctx.WriteLine($"           its file system holds no links: {destination.LinksLeftOut.Count} of the card's links not made there ({string.Join(", ", destination.LinksLeftOut.Take(5))}); their targets are copied");
            }
        }

        if (result.HistoryCheck is not null)
        {
            ctx.WriteLine($"  card's ASC MHL history: {result.HistoryCheck}{(result.HistoryMissing.Count > 0 ? $" ({result.HistoryMissing.Count} missing)" : "")}");
        }

        foreach (var link in result.Symlinks)
        {
            ctx.WriteLine($"  link {link.Path} -> {link.Target}{(link.InsideCard ? "" : " (points outside the card: recorded, not copied)")}");
        }

        foreach (var failed in result.FileResults.Where(f => f.Error is not null).Take(20))
        {
            ctx.WriteLine($"  FAILED {failed.Path}: {failed.Error}");
        }

        ctx.WriteLine(result.SafeToFormat ? "  safe to format: yes" : "  safe to format: NO");
    }
}
