using System.CommandLine;
using InterPositive.Host.Cli;
using InterPositive.Host.Service;
using Microsoft.AspNetCore.Builder;

namespace InterPositive.Host.Verbs;

internal static class ServeVerb
{
    private static readonly Option<string?> Config = new("--config")
    {
        Description = "Configuration file (JSON with comments; see appliance/interpositive.json). Without it the defaults apply.",
    };

    public static Command Create() => Verb.Define(
        "serve",
        "Run the appliance service: card watcher, offload queue, metadata, lighting, previews, feeds, sensors, sync, broker, API and dashboard.",
        command => command.Options.Add(Config),
        async context =>
        {
            var dataOverride = context.Value(GlobalOptions.Data);
            await using var app = ApplianceHost.Build(context.Value(Config), dataOverride, context.Stdout);
            await app.RunAsync(context.CancellationToken);
            return ExitCode.Success;
        });
}
