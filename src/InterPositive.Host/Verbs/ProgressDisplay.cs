using System.Text.Json;
using InterPositive.Host.Cli;
using InterPositive.Offload;
using Spectre.Console;

namespace InterPositive.Host.Verbs;

/// <summary>
/// Progress of the offload and verify verbs on stderr: a live bar for the card's bytes (MB/s, ETA, current file)
/// and one per destination for its verification re-read, or, with <c>--progress json</c>, one JSON line per update.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>How often a JSON progress line is written at most (the first and the last are always written).</summary>
    private static readonly TimeSpan JsonEvery = TimeSpan.FromMilliseconds(250);

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
                var reporter = new Reporter(progress, progress.AddTask(Markup.Escape(title), maxValue: 1), title);
                result = await work(reporter);
                reporter.Finish();
            });
        return result;
    }

    /// <summary>Runs the work with JSON progress lines on stderr (for scripts and the <c>--json</c> callers that want them).</summary>
    public static async Task<T> RunJsonAsync<T>(VerbContext ctx, Func<IProgress<OffloadProgress>, Task<T>> work)
    {
        var reporter = new JsonReporter(ctx.Stderr, ctx.Time);
        var result = await work(reporter);
        reporter.Flush();
        return result;
    }

    /// <summary>Updates the tasks directly (no synchronisation context to post to in a console host).</summary>
    private sealed class Reporter(ProgressContext context, ProgressTask card, string title) : IProgress<OffloadProgress>
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, ProgressTask> _verify = new(StringComparer.Ordinal);

        public void Report(OffloadProgress value)
        {
            lock (_gate)
            {
                // The card's bytes, once, whatever the number of destinations: the speed is the card's.
                card.MaxValue = Math.Max(1, value.BytesTotal);
                card.Value = Math.Min(value.BytesDone, card.MaxValue);
                var current = value.CurrentFile is null ? "" : " " + (value.CurrentFile.Length > 40 ? "…" + value.CurrentFile[^39..] : value.CurrentFile);
                card.Description = Markup.Escape($"{title} {value.FilesDone}/{value.FilesTotal}{current}");
                foreach (var destination in value.Verify)
                {
                    if (!_verify.TryGetValue(destination.Path, out var task))
                    {
                        task = context.AddTask(Markup.Escape("  verify " + Shorten(destination.Path)), maxValue: 1);
                        _verify[destination.Path] = task;
                    }

                    task.MaxValue = Math.Max(1, destination.BytesTotal);
                    task.Value = Math.Min(destination.BytesReRead, task.MaxValue);
                }
            }
        }

        public void Finish()
        {
            lock (_gate)
            {
                foreach (var task in _verify.Values.Append(card))
                {
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            }
        }

        private static string Shorten(string path) => path.Length > 40 ? "…" + path[^39..] : path;
    }

    /// <summary>One compact JSON object per line, at most every <see cref="JsonEvery"/>, the last one always.</summary>
    private sealed class JsonReporter(TextWriter stderr, TimeProvider time) : IProgress<OffloadProgress>
    {
        private readonly Lock _gate = new();
        private long _written;
        private OffloadProgress? _unwritten;

        public void Report(OffloadProgress value)
        {
            lock (_gate)
            {
                if (_written != 0 && time.GetElapsedTime(_written) < JsonEvery)
                {
                    _unwritten = value;
                    return;
                }

                Write(value);
            }
        }

        public void Flush()
        {
            lock (_gate)
            {
                if (_unwritten is not null)
                {
                    Write(_unwritten);
                }
            }
        }

        private void Write(OffloadProgress value)
        {
            _unwritten = null;
            _written = time.GetTimestamp();
            stderr.WriteLine(JsonSerializer.Serialize(value, OffloadProgressJsonContext.Default.OffloadProgress));
            stderr.Flush();
        }
    }
}
