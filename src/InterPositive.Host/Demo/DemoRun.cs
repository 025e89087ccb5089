using System.Diagnostics;
using InterPositive.Host.Cli;

namespace InterPositive.Host.Demo;

/// <summary>The demo's steps, each timed and reported; the run fails if any step fails.</summary>
internal sealed class DemoRun(VerbContext context, string folder)
{
    private readonly List<(string Step, bool Ok, string Detail, double Seconds)> _steps = [];

    public async Task<int> RunAsync(bool keepServing)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var cards = await StepAsync("make sample cards", async () =>
        {
            var roots = await SampleCards.CreateAsync(Path.Combine(folder, "cards"), context.CancellationToken);
            return (roots, $"{roots.Count} cards in {Path.Combine(folder, "cards")}");
        });
        if (cards is null)
        {
            return Report();
        }

        _ = keepServing;
        return Report();
    }

    private async Task<T?> StepAsync<T>(string name, Func<Task<(T Value, string Detail)>> step)
        where T : class
    {
        var watch = Stopwatch.StartNew();
        context.Log.Information("Demo step: {Step}", name);
        try
        {
            var (value, detail) = await step();
            _steps.Add((name, true, detail, watch.Elapsed.TotalSeconds));
            context.WriteLine(FormattableString.Invariant($"  ok    {name,-28} {detail} ({watch.Elapsed.TotalSeconds:0.0} s)"));
            return value;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            _steps.Add((name, false, error.Message, watch.Elapsed.TotalSeconds));
            await context.Stderr.WriteLineAsync($"interpositive demo: {name} failed: {error.Message}");
            return null;
        }
    }

    private int Report() => _steps.TrueForAll(s => s.Ok) ? ExitCode.Success : ExitCode.CheckFailed;
}
