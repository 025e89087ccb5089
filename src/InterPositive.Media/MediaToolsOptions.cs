namespace InterPositive.Media;

/// <summary>
/// Where ffmpeg and ffprobe are: a bare name is looked up on PATH (the default), a path is used as it is.
/// Bound from the <c>Media</c> section of the appliance configuration; the CLI reads
/// the same keys from <c>INTERPOSITIVE_MEDIA__FFMPEG</c> and <c>INTERPOSITIVE_MEDIA__FFPROBE</c>.
/// </summary>
public sealed record MediaToolsOptions
{
    public const string FfmpegVariable = "INTERPOSITIVE_MEDIA__FFMPEG";
    public const string FfprobeVariable = "INTERPOSITIVE_MEDIA__FFPROBE";

    public string Ffmpeg { get; init; } = "ffmpeg";

    public string Ffprobe { get; init; } = "ffprobe";

    /// <summary>The defaults with any path the environment gives.</summary>
    public static MediaToolsOptions FromEnvironment() => new()
    {
        Ffmpeg = NonEmpty(Environment.GetEnvironmentVariable(FfmpegVariable)) ?? "ffmpeg",
        Ffprobe = NonEmpty(Environment.GetEnvironmentVariable(FfprobeVariable)) ?? "ffprobe",
    };

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
