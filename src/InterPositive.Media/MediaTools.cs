using InterPositive.Formats;

namespace InterPositive.Media;

/// <summary>
/// The appliance's one door to ffmpeg and ffprobe, with their paths from <see cref="MediaToolsOptions"/>. Every
/// decode, encode, frame grab and probe goes through here, so a configured path holds everywhere.
/// </summary>
public sealed class MediaTools(MediaToolsOptions options)
{
    /// <summary>ffmpeg's probe of a camera clip fits well within this.</summary>
    private const int MaxProbeBytes = FfprobeJson.MaxBytes;

    /// <summary>ffmpeg and ffprobe from PATH (immutable; configured paths make their own instance).</summary>
    public static MediaTools Default { get; } = new(new MediaToolsOptions());

    public MediaToolsOptions Options { get; } = options;

    public string Ffmpeg => Options.Ffmpeg;

    public string Ffprobe => Options.Ffprobe;

    /// <summary>True when the configured ffmpeg exists (a bare name on PATH, a path as it is).</summary>
    public bool FfmpegAvailable => Locate(Options.Ffmpeg) is not null;

    public bool FfprobeAvailable => Locate(Options.Ffprobe) is not null;

    /// <summary>The full path a tool name resolves to, or null when it is not there.</summary>
    public static string? Locate(string tool)
    {
        if (tool.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(tool) ? Path.GetFullPath(tool) : null;
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts ffmpeg for a streaming job (frames on stdout, or on stdin when <paramref name="writeInput"/>).</summary>
    public MediaProcess StartFfmpeg(IReadOnlyList<string> arguments, string input, bool writeInput = false) =>
        MediaProcess.Start(Options.Ffmpeg, arguments, input, writeInput);

    /// <summary>Runs ffmpeg to the end (a still written to a file, a fixture); a non-zero exit throws naming the input.</summary>
    public async Task RunFfmpegAsync(IReadOnlyList<string> arguments, string input, CancellationToken cancellationToken)
    {
        var run = await MediaProcess.RunAsync(Options.Ffmpeg, arguments, input, 1024 * 1024, cancellationToken);
        if (run.ExitCode != 0)
        {
            throw new MediaProcessException(Options.Ffmpeg, input, run.ExitCode, run.LastError);
        }
    }

    /// <summary>Probes a file.</summary>
    public Task<ProbeResult> ProbeAsync(string path, CancellationToken cancellationToken) => ProbeAsync([path], path, cancellationToken);

    /// <summary>
    /// Probes an input given as ffprobe arguments (input options such as <c>-f lavfi</c> before the input itself).
    /// An input ffprobe cannot read is <see cref="MalformedInputException"/>; a missing ffprobe is <see cref="MediaProcessException"/>.
    /// </summary>
    public async Task<ProbeResult> ProbeAsync(IReadOnlyList<string> inputArguments, string input, CancellationToken cancellationToken)
    {
        List<string> arguments = ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", .. inputArguments];
        var run = await MediaProcess.RunAsync(Options.Ffprobe, arguments, input, MaxProbeBytes, cancellationToken);
        if (run.ExitCode != 0)
        {
            throw new MalformedInputException($"ffprobe could not read it (exit {run.ExitCode}): {run.LastError}", input);
        }

        return FfprobeJson.Parse(run.Output, input);
    }
}
