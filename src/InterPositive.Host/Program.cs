using System.CommandLine;
using InterPositive.Host.Cli;
using InterPositive.Host.Verbs;

namespace InterPositive.Host;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Once, at start: the offload's file calls block pool threads, and a small box's pool would otherwise grow
        // one thread at a time while the offload's stages wait on each other.
        InterPositive.Offload.OffloadEngine.ReserveThreads();
        var root = BuildRootCommand();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"interpositive: usage: {error.Message}");
            }

            await Console.Error.WriteLineAsync("Run 'interpositive --help' for the verbs and their options.");
            return ExitCode.Usage;
        }

        var grace = parse.CommandResult.Command.Name == "demo" ? DemoTerminationGrace : TerminationGrace;
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = grace });
    }

    /// <summary>
    /// How long a verb may take to finish after SIGINT or SIGTERM cancels its token before the process is ended with
    /// 130/143. System.CommandLine's default of 2 s cut off <c>post</c>'s last export and report whenever systemd
    /// stopped it on a busy machine (exit 143, nothing printed); a verb that honours its token still exits as soon as
    /// it is done, and this stays well inside systemd's stop timeouts (90 s; 120 s for serve).
    /// </summary>
    public static readonly TimeSpan TerminationGrace = TimeSpan.FromSeconds(30);

    /// <summary>The demo promises to stop within 10 s of a signal: it stops cleanly when it can, and is ended at 10 s.</summary>
    public static readonly TimeSpan DemoTerminationGrace = TimeSpan.FromSeconds(10);

    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("InterPositive Edge: verified card offload, clip metadata, lighting, relight previews and sync to post.");
        GlobalOptions.AddTo(root);
        foreach (var verb in Verbs)
        {
            root.Subcommands.Add(verb());
        }

        return root;
    }

    /// <summary>Every verb of the one executable; each lives in its own file under Verbs/.</summary>
    private static readonly Func<Command>[] Verbs =
    [
        ServeVerb.Create,
        DemoVerb.Create,
        OffloadVerb.Create,
        VerifyVerb.Create,
        SyncVerb.Create,
        PostVerb.Create,
        ClipsVerb.Create,
        RelightVerb.Create,
        PassesVerb.Create,
        MatchVerb.Create,
        AnalyzeVerb.Create,
        FeedVerb.Create,
        TokensVerb.Create,
    ];
}
