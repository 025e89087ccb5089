using InterPositive.Host.Cli;
using InterPositive.Offload;
using Spectre.Console;

namespace InterPositive.Host.Verbs;

/// <summary>A live progress bar on stderr (bytes, MB/s, ETA, current file) for the offload and verify verbs.</summary>
internal static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(VerbContext ctx, string title, Func<IProgress<OffloadProgress>, Task<T>> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(ctx.Stderr) });
        T result = default!;
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(title), maxValue: 1);
                var reporter = new Reporter(task, title);
                result = await work(reporter);
                task.Value = task.MaxValue;
                task.StopTask();
            });
        return result;
    }

    /// <summary>Updates the task directly (no synchronisation context to post to in a console host).</summary>
    private sealed class Reporter(ProgressTask task, string title) : IProgress<OffloadProgress>
    {
        public void Report(OffloadProgress value)
        {
            // Copying and the verification re-read are both on the bar: the speed is what the drives are doing.
            task.MaxValue = Math.Max(1, value.BytesTotal + value.ReReadTotal);
            task.Value = Math.Min(value.BytesDone + value.BytesReRead, task.MaxValue);
            var current = value.CurrentFile is null ? "" : " " + (value.CurrentFile.Length > 40 ? "…" + value.CurrentFile[^39..] : value.CurrentFile);
            task.Description = Markup.Escape($"{title} {value.FilesDone}/{value.FilesTotal}{current}");
        }
    }
}
