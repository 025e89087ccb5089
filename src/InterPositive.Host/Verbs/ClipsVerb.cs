using System.CommandLine;
using System.Globalization;
using InterPositive.Catalog;
using InterPositive.Formats.Ale;
using InterPositive.Formats.Cdl;
using InterPositive.Formats.Clips;
using InterPositive.Host.Cli;
using InterPositive.Offload.Recognition;
using InterPositive.Takes;
using Spectre.Console;

namespace InterPositive.Host.Verbs;

/// <summary><c>interpositive clips PATH [--json] [--ale FILE] [--cdl FILE] [--report FILE.html]</c>.</summary>
internal static class ClipsVerb
{
    public static Command Create()
    {
        var path = new Argument<string>("PATH") { Description = "A camera card (or a folder of clips, or one clip file)." };
        var ale = new Option<string?>("--ale") { Description = "Write an Avid ALE of the clips to FILE." };
        var cdl = new Option<string?>("--cdl") { Description = "ASC CDL looks (.cc/.ccc/.cdl) matched to clips by ColorCorrection id (or MediaRef) = clip name; a .cdl beside a clip applies to it. Stored as the clips' looks when the card is in the catalog (post gets them), and put in the ALE's ASC_SOP/ASC_SAT." };
        var report = new Option<string?>("--report") { Description = "Write an HTML camera report (thumbnails when ffmpeg can decode a frame) to FILE." };

        return Verb.Define(
            "clips",
            "Recognise the camera from the card layout and read every clip's metadata (timecode, reel, scene/take, ISO, white balance, shutter, lens) from its own structures.",
            configure: cmd =>
            {
                cmd.Arguments.Add(path);
                cmd.Options.Add(ale);
                cmd.Options.Add(cdl);
                cmd.Options.Add(report);
            },
            run: async ctx =>
            {
                var target = Path.GetFullPath(ctx.Value(path)!);
                CardClips card;
                string title;
                if (Directory.Exists(target))
                {
                    card = CardReader.ReadDirectory(target, ctx.CancellationToken);
                    title = Path.GetFileName(target.TrimEnd('/'));
                }
                else if (File.Exists(target))
                {
                    var folder = Path.GetDirectoryName(target)!;
                    card = new CardReader(new OneFile(folder, Path.GetFileName(target))).Read(ctx.CancellationToken);
                    title = Path.GetFileName(target);
                }
                else
                {
                    throw new DirectoryNotFoundException($"{target}: no such card, folder or file");
                }

                ctx.Log.Information("Read {Count} clips from {Path} ({Family})", card.Clips.Count, target, card.Family);
                var root = Directory.Exists(target) ? target : Path.GetDirectoryName(target)!;
                var looks = await AttachLooksAsync(ctx, root, card.Clips, ctx.Value(cdl));
                if (ctx.Value(ale) is { } alePath)
                {
                    await File.WriteAllTextAsync(alePath, AleFile.Write(AleFile.FromClips(card.Clips, looks)), ctx.CancellationToken);
                    ctx.Log.Information("Wrote ALE {Path}", alePath);
                }

                if (ctx.Value(report) is { } reportPath)
                {
                    var grabber = new FfmpegFrameGrabber(ctx.Media);
                    var thumbnails = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                    foreach (var clip in card.Clips)
                    {
                        if (await grabber.GrabAsync(Path.Combine(root, clip.Path), ctx.CancellationToken) is { } jpeg)
                        {
                            thumbnails[clip.Path] = jpeg;
                        }
                    }

                    var html = CameraReport.Render(title, card.Family, card.Clips, thumbnails, ctx.Time.GetUtcNow());
                    await File.WriteAllTextAsync(reportPath, html, ctx.CancellationToken);
                    ctx.Log.Information("Wrote camera report {Path} with {Thumbnails} thumbnails", reportPath, thumbnails.Count);
                }

                if (ctx.Json)
                {
                    ctx.WriteJson(new ClipList(card.Clips), ClipJsonContext.Default.ClipList);
                }
                else
                {
                    PrintTable(ctx, title, card);
                }

                foreach (var error in card.Errors)
                {
                    await ctx.Stderr.WriteLineAsync($"interpositive clips: warning: {error}");
                }

                return card.Errors.Count > 0 ? ExitCode.BadInput : ExitCode.Success;
            });
    }

    /// <summary>
    /// The looks for these clips (<see cref="CardLooks"/>), each problem a warning naming its file; when the card (its
    /// source or a copy) is in the catalog, they are stored there with the clips' shot updates for post.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, Cdl>> AttachLooksAsync(VerbContext ctx, string root, IReadOnlyList<ClipRecord> clips, string? cdlPath)
    {
        var found = CardLooks.Read(root, clips, cdlPath);
        foreach (var warning in found.Warnings)
        {
            await ctx.Stderr.WriteLineAsync($"interpositive clips: warning: {warning}");
        }

        if (found.ByClip.Count > 0 && File.Exists(ctx.CatalogPath))
        {
            using var catalog = CatalogDatabase.Open(ctx.CatalogPath, ctx.Time);
            var stored = CardLooks.Store(catalog, root, found.ByClip, cdlPath is null ? CardLooks.BesideTheClip : Path.GetFileName(cdlPath));
            if (stored > 0)
            {
                ctx.Log.Information("Stored {Count} looks in the catalog; post gets them with the next sync", stored);
            }
            else
            {
                ctx.Log.Information("{Path} is not an offloaded card in the catalog: the looks go to the ALE only", root);
            }
        }

        return found.ByClip;
    }

    private static void PrintTable(VerbContext ctx, string title, CardClips card)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(ctx.Stdout), Interactive = InteractionSupport.No });
        if (Console.IsOutputRedirected)
        {
            // Piped into a log or a pager: do not wrap clip names and timecodes at 80 columns.
            console.Profile.Width = 240;
        }

        var table = new Table { Title = new TableTitle($"{Markup.Escape(title)} — {card.Family}, {card.Clips.Count} clips") };
        foreach (var column in new[] { "Clip", "Roll", "Sc/Tk", "Start TC", "fps", "Size", "Codec", "Frames", "ISO/EI", "WB", "Shutter", "Lens", "Errors" })
        {
            table.AddColumn(column);
        }

        foreach (var c in card.Clips)
        {
            table.AddRow(
                Cell(c.Clip ?? c.Path),
                Cell(c.Reel),
                Cell(c.Scene is null && c.Take is null ? null : $"{c.Scene}/{c.Take}"),
                Cell(c.Timecode?.Start),
                Cell(c.Fps?.ToString(CultureInfo.InvariantCulture)),
                Cell(c.Width is { } w && c.Height is { } h ? FormattableString.Invariant($"{w}x{h}") : null),
                Cell(c.Codec),
                Cell(c.DurationFrames?.ToString(CultureInfo.InvariantCulture)),
                Cell(c.Iso is null && c.ExposureIndex is null ? null : FormattableString.Invariant($"{c.Iso}/{c.ExposureIndex}")),
                Cell(c.WhiteBalanceK?.ToString(CultureInfo.InvariantCulture)),
                Cell(c.ShutterAngle is { } a ? FormattableString.Invariant($"{a:0.#}°") : c.ShutterSeconds is { } s && s > 0 ? FormattableString.Invariant($"1/{Math.Round(1 / s)}") : null),
                Cell(string.Join(' ', new[] { c.Lens.Model, c.Lens.FocalLengthMm is { } mm ? FormattableString.Invariant($"{mm:0.#}mm") : null, c.Lens.TStop is { } t ? FormattableString.Invariant($"T{t:0.0}") : c.Lens.FNumber is { } f ? FormattableString.Invariant($"f/{f:0.0}") : null }.Where(p => p is not null))),
                Cell(c.Errors.Count == 0 ? null : c.Errors.Count.ToString(CultureInfo.InvariantCulture)));
        }

        console.Write(table);
    }

    private static string Cell(string? text) => string.IsNullOrEmpty(text) ? "-" : Markup.Escape(text);

    /// <summary>One clip file read as a card of one (its sidecar beside it still counts).</summary>
    private sealed class OneFile(string folder, string name) : ICardFiles
    {
        private readonly DirectoryCardFiles _inner = new(folder);

        public IEnumerable<string> List()
        {
            var stem = Path.GetFileNameWithoutExtension(name);
            return _inner.List().Where(f => !f.Contains('/', StringComparison.Ordinal) && f.StartsWith(stem, StringComparison.OrdinalIgnoreCase));
        }

        public Stream OpenRead(string relativePath) => _inner.OpenRead(relativePath);
    }
}
