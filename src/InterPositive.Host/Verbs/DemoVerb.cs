using System.CommandLine;
using InterPositive.Host.Cli;
using InterPositive.Host.Demo;

namespace InterPositive.Host.Verbs;

/// <summary><c>interpositive demo [--exit]</c>: the main job on embedded defaults, for a new user.</summary>
internal static class DemoVerb
{
    private static readonly Option<bool> Exit = new("--exit") { Description = "Stop after the run (exit code 0 only if every step succeeded) instead of keeping the dashboard up." };

    private static readonly Option<string?> Folder = new("--folder") { Description = "Where the demo writes its cards, destinations and post store (default: DATA/demo)." };

    public static Command Create() => Verb.Define(
        "demo",
        "Make sample camera cards, offload them to two destinations with ASC MHL, read their metadata, measure the light, make relight previews, sync to an in-process post receiver, and show it all on the dashboard.",
        command =>
        {
            command.Options.Add(Exit);
            command.Options.Add(Folder);
        },
        async context =>
        {
            var folder = Path.GetFullPath(context.Value(Folder) ?? Path.Combine(context.DataDirectory, "demo"));
            var run = new DemoRun(context, folder);
            return await run.RunAsync(keepServing: !context.Value(Exit));
        });
}
