using System.CommandLine;
using InterPositive.Host.Cli;
using InterPositive.Offload;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Host.Verbs;

/// <summary><c>interpositive verify PATH</c>: checks a folder against its ASC MHL history.</summary>
internal static class VerifyVerb
{
    public static Command Create()
    {
        var path = new Argument<string>("PATH") { Description = "A folder with an ascmhl history (a card copy, a reel folder)." };
        return Verb.Define(
            "verify",
            "Verify a folder against its ASC MHL history (ours or any conforming tool's): lists missing, altered and new files; exit 0 only when everything matches.",
            configure: cmd => cmd.Arguments.Add(path),
            run: async ctx =>
            {
                var verifier = new HistoryVerifier(LinuxFileSystem.Instance, ctx.Time);
                var target = ctx.Value(path)!;
                VerifyReport report;
                try
                {
                    report = ctx.Interactive
                        ? await ProgressDisplay.RunAsync(ctx, "verify", p => verifier.VerifyAsync(target, p, ctx.CancellationToken))
                        : await verifier.VerifyAsync(target, null, ctx.CancellationToken);
                }
                catch (OffloadException error)
                {
                    return ctx.Fail(OffloadVerb.ExitCodeFor(error.Kind), error.Message);
                }

                if (ctx.Json)
                {
                    ctx.WriteJson(report, OffloadJsonContext.Default.VerifyReport);
                }
                else
                {
                    foreach (var file in report.Missing)
                    {
                        ctx.WriteLine($"MISSING  {file}");
                    }

                    foreach (var file in report.Altered)
                    {
                        ctx.WriteLine($"ALTERED  {file.Path}  {file.Format} recorded {file.Recorded}, now {file.Actual}");
                    }

                    foreach (var file in report.New)
                    {
                        ctx.WriteLine($"NEW      {file}");
                    }

                    foreach (var chain in report.ChainMismatches)
                    {
                        ctx.WriteLine($"HISTORY  {chain.Path}: C4 in the chain {chain.Expected}, file is {chain.Actual}");
                    }

                    ctx.WriteLine($"{(report.Ok ? "OK" : "FAILED")}: {report.FilesVerified}/{report.FilesChecked} files verified against {report.Generations} generation(s); {report.Missing.Count} missing, {report.Altered.Count} altered, {report.New.Count} new");
                }

                ctx.Log.Information("Verified {Path}: {Ok}, {Missing} missing, {Altered} altered, {New} new", report.Path, report.Ok, report.Missing.Count, report.Altered.Count, report.New.Count);
                if (report.Ok)
                {
                    return ExitCode.Success;
                }

                var first = report.Missing.Select(m => $"{m}: missing")
                    .Concat(report.Altered.Select(a => $"{a.Path}: altered ({a.Format} recorded {a.Recorded}, now {a.Actual})"))
                    .Concat(report.New.Select(n => $"{n}: new, not in the history"))
                    .Concat(report.ChainMismatches.Select(c => $"{c.Path}: generation does not match its chain C4"))
                    .First();
                await ctx.Stderr.WriteLineAsync($"interpositive verify: error: {Path.Combine(report.Path, first)} ({report.Missing.Count} missing, {report.Altered.Count} altered, {report.New.Count} new)");
                return ExitCode.CheckFailed;
            });
    }
}
