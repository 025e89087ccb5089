using InterPositive.Media;
using InterPositive.Testing;

namespace InterPositive.Media.Tests;

/// <summary>The runner with a real child process (/bin/sh stands in for ffmpeg where the tool itself does not matter).</summary>
[Trait("Category", "Integration")]
public sealed class MediaProcessTests
{
    [Fact]
    public async Task A_failing_run_names_the_input_the_tool_and_its_last_words()
    {
        var run = await MediaProcess.RunAsync("/bin/sh", ["-c", "echo partial; echo 'first line' >&2; echo 'Invalid data found' >&2; exit 3"], "card/A001.mov", 1024, CancellationToken.None);
        Assert.Equal(3, run.ExitCode);
        Assert.Equal("partial\n", System.Text.Encoding.UTF8.GetString(run.Output));
        Assert.Equal("Invalid data found", run.LastError);

        await using var process = MediaProcess.Start("/bin/sh", ["-c", "echo 'broken header' >&2; exit 1"], "card/A002.mxf");
        var error = await Assert.ThrowsAsync<MediaProcessException>(() => process.EnsureSuccessAsync(CancellationToken.None));
        Assert.Equal("card/A002.mxf: sh exited with 1: broken header", error.Message);
        Assert.Equal(1, error.ExitCode);
    }

    [Fact]
    public async Task A_missing_tool_is_an_environment_error_naming_the_input()
    {
        var error = Assert.Throws<MediaProcessException>(() => MediaProcess.Start("/nonexistent/ffmpeg", ["-version"], "clip.mov"));
        Assert.Null(error.ExitCode);
        Assert.StartsWith("clip.mov: ffmpeg could not be started", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(error);

        var tools = new MediaTools(new MediaToolsOptions { Ffmpeg = "/nonexistent/ffmpeg", Ffprobe = "no-such-ffprobe-on-path" });
        Assert.False(tools.FfmpegAvailable);
        Assert.False(tools.FfprobeAvailable);
        await Assert.ThrowsAsync<MediaProcessException>(() => tools.ProbeAsync("clip.mov", CancellationToken.None));
    }

    [Fact]
    public async Task Stderr_is_kept_to_its_tail_however_much_is_written()
    {
        // About 2 MB of stderr: the runner keeps the last 16 K characters, ending with the final line.
        var run = await MediaProcess.RunAsync("/bin/sh", ["-c", "i=0; while [ $i -lt 20000 ]; do echo 'frame 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123' >&2; i=$((i+1)); done; echo 'the end' >&2"], "noisy", 1024, CancellationToken.None);
        Assert.Equal(0, run.ExitCode);
        Assert.True(run.Errors.Length <= MediaProcess.ErrorTailChars);
        Assert.Equal("the end", run.LastError);
    }

    [Fact]
    public async Task Stdout_beyond_the_bound_stops_the_run()
    {
        var error = await Assert.ThrowsAsync<MediaProcessException>(() => MediaProcess.RunAsync("/bin/sh", ["-c", "head -c 100000 /dev/zero"], "flood", 4096, CancellationToken.None));
        Assert.Contains("more than 4096 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_kills_the_child_and_its_children()
    {
        using var folder = new TempFolder("media-cancel");
        var pidFile = folder.Combine("pid");
        await using var process = MediaProcess.Start("/bin/sh", ["-c", $"sleep 300 & echo $! > {pidFile}; wait"], "slow");
        while (!File.Exists(pidFile) || (await File.ReadAllTextAsync(pidFile)).Trim().Length == 0)
        {
            await Task.Delay(5);
        }

        var child = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var cancel = new CancellationTokenSource();
        var waiting = process.WaitForExitAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await process.DisposeAsync();
        Assert.True(process.HasExited);

        // The grandchild went with the tree: SIGKILL lands asynchronously, so look until it is dead or a zombie (bounded).
        var state = "alive";
        for (var i = 0; i < 1000 && state is not ("gone" or "Z" or "X"); i++)
        {
            state = ProcessState(child);
            await Task.Delay(5);
        }

        Assert.Contains(state, new[] { "gone", "Z", "X" });
    }

    [Fact]
    public async Task Disposing_a_child_blocked_on_unread_output_stops_it()
    {
        // The relight clip path opens a decoder and may refuse the job before reading a frame: the decoder then sits
        // on a full pipe, and disposal must kill it rather than wait for an exit that never comes.
        var process = MediaProcess.Start("/bin/sh", ["-c", "exec cat /dev/zero"], "decoder");
        var disposal = process.DisposeAsync().AsTask();
        var finished = await Task.WhenAny(disposal, Task.Delay(TimeSpan.FromMinutes(1)));
        Assert.Same(disposal, finished);
        await disposal;
        Assert.True(process.HasExited);
    }

    private static string ProcessState(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
        }
        catch (IOException)
        {
            return "gone";
        }
    }

    [Fact]
    public void Tool_names_are_found_on_path_and_paths_are_taken_as_they_are()
    {
        Assert.Equal("/bin/sh", new FileInfo(MediaTools.Locate("/bin/sh")!).FullName);
        Assert.NotNull(MediaTools.Locate("sh"));
        Assert.Null(MediaTools.Locate("/bin/no-such-tool"));
        Assert.Equal(("ffmpeg", "ffprobe"), (MediaTools.Default.Ffmpeg, MediaTools.Default.Ffprobe));
    }
}
