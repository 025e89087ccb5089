using System.Diagnostics;
using System.Globalization;
using InterPositive.Formats;

namespace InterPositive.Feeds.Sources;

/// <summary>
/// Anything Debian's ffmpeg opens (files, capture devices, SRT/UDP streams, lavfi) decoded to v210 on a pipe by a
/// child <c>/usr/bin/ffmpeg</c>. <c>ffmpeg:INPUT</c> reads INPUT; <c>ffmpeg:-f FMT … -i INPUT</c> passes the
/// input options through. Size and rate come from ffprobe unless given (then ffmpeg scales to them). A container
/// timecode (ffprobe's <c>timecode</c> tag) is carried on, advanced a frame at a time, since ffmpeg passes no VANC.
/// </summary>
public sealed class FfmpegSource : IFrameSource
{
    private readonly string[] _inputArguments;
    private readonly string _feed;
    private readonly TimeProvider _time;
    private readonly int? _width;
    private readonly int? _height;
    private readonly FrameRate? _rate;
    private readonly bool _realTime;

    public FfmpegSource(string input, string feed, TimeProvider time, int? width = null, int? height = null, FrameRate? rate = null, bool realTime = false, string ffmpeg = "/usr/bin/ffmpeg", string ffprobe = "/usr/bin/ffprobe")
    {
        Description = "ffmpeg:" + input;
        _inputArguments = input.StartsWith('-') ? SplitArguments(input) : ["-i", input];
        _feed = feed;
        _time = time;
        _width = width;
        _height = height;
        _rate = rate;
        _realTime = realTime;
        Ffmpeg = ffmpeg;
        Ffprobe = ffprobe;

        // A regular file ends; a device or a network stream is live and is restarted when ffmpeg exits.
        var path = _inputArguments[^1];
        IsLive = !File.Exists(path);
    }

    public string Description { get; }

    public bool IsLive { get; }

    public string Ffmpeg { get; }

    public string Ffprobe { get; }

    public async Task RunAsync(IFrameSink sink, CancellationToken cancellationToken)
    {
        var probe = await ProbeAsync(cancellationToken);
        var width = _width ?? probe.Width ?? throw new InvalidDataException($"{Description}: ffprobe found no picture size; give --width and --height");
        var height = _height ?? probe.Height ?? throw new InvalidDataException($"{Description}: ffprobe found no picture size; give --width and --height");
        var rate = _rate ?? probe.Rate ?? FrameRate.Fps25;
        var format = new VideoFormat(width, height, FramePixelFormat.V210, rate);

        var start = new ProcessStartInfo(Ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["-hide_banner", "-nostdin", "-loglevel", "error"])
        {
            start.ArgumentList.Add(a);
        }

        if (_realTime)
        {
            start.ArgumentList.Add("-re");
        }

        foreach (var a in _inputArguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var a in (string[])["-map", "0:v:0", "-an", "-sn", "-dn", "-vf", FormattableString.Invariant($"scale={width}:{height}:flags=bicubic,format=yuv422p10le"), "-c:v", "v210", "-f", "rawvideo", "pipe:1"])
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new IOException($"{Ffmpeg} did not start");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            sink.OnEvent(FeedEventKind.Connected, FormattableString.Invariant($"{Description} as {format}"));
            var stdout = process.StandardOutput.BaseStream;
            for (long n = 0; ; n++)
            {
                VideoFrame? frame = VideoFrame.Rent(_feed, format, n, _time.GetUtcNow());
                try
                {
                    var read = await stdout.ReadAtLeastAsync(frame.Data, format.FrameBytes, throwOnEndOfStream: false, cancellationToken);
                    if (read < format.FrameBytes)
                    {
                        break;
                    }

                    frame.CaptureTime = _time.GetUtcNow();
                    if (probe.Timecode is { } tc)
                    {
                        frame.Timecode = tc.AddFrames(n);
                    }

                    var delivered = frame;
                    frame = null;
                    await sink.OnFrameAsync(delivered, cancellationToken);
                }
                finally
                {
                    frame?.Dispose();
                }
            }

            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                var errors = (await stderr).Trim();
                throw new IOException(FormattableString.Invariant($"ffmpeg exited with {process.ExitCode}: {LastLine(errors)}"));
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Picture size, rate and start timecode as ffprobe reports them; nulls where it cannot say.</summary>
    public async Task<(int? Width, int? Height, FrameRate? Rate, Timecode? Timecode)> ProbeAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Ffprobe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,r_frame_rate:stream_tags=timecode:format_tags=timecode", "-of", "default=noprint_wrappers=1"])
        {
            start.ArgumentList.Add(a);
        }

        // ffprobe takes the input positionally; input options (-f lavfi …) go before it.
        for (var i = 0; i < _inputArguments.Length; i++)
        {
            if (_inputArguments[i] != "-i")
            {
                start.ArgumentList.Add(_inputArguments[i]);
            }
        }

        using var process = Process.Start(start) ?? throw new IOException($"{Ffprobe} did not start");
        var errorsTask = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var errors = await errorsTask;
        if (process.ExitCode != 0)
        {
            throw new IOException(FormattableString.Invariant($"{Description}: ffprobe could not open the input: {LastLine(errors.Trim())}"));
        }

        return ParseProbe(output);
    }

    /// <summary>Parses ffprobe's <c>key=value</c> lines (width, height, r_frame_rate, TAG:timecode).</summary>
    public static (int? Width, int? Height, FrameRate? Rate, Timecode? Timecode) ParseProbe(string output)
    {
        int? width = null, height = null;
        FrameRate? rate = null;
        string? timecode = null;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                continue;
            }

            var (key, value) = (line[..eq], line[(eq + 1)..]);
            switch (key)
            {
                case "width" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w):
                    width = w;
                    break;
                case "height" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var h):
                    height = h;
                    break;
                case "r_frame_rate":
                    var slash = value.IndexOf('/', StringComparison.Ordinal);
                    if (slash > 0
                        && long.TryParse(value[..slash], NumberStyles.Integer, CultureInfo.InvariantCulture, out var num)
                        && long.TryParse(value[(slash + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var den)
                        && num > 0 && den > 0)
                    {
                        rate = FrameRate.FromRational(num, den);
                    }

                    break;
                case "TAG:timecode":
                    timecode ??= value;
                    break;
            }
        }

        Timecode? tc = null;
        if (timecode is not null && rate is { } r)
        {
            var dropFrame = timecode.Contains(';', StringComparison.Ordinal);
            var labelRate = dropFrame && r.IsFractional && r.Nominal is 30 or 60 ? new FrameRate(r.Numerator, r.Denominator, dropFrame: true) : r;
            if (Timecode.TryParse(timecode.Replace(';', ':'), labelRate, out var parsed))
            {
                tc = parsed;
            }
        }

        return (width, height, rate, tc);
    }

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no message)" : lines[^1];
    }

    private static string[] SplitArguments(string text)
    {
        var result = new List<string>();
        var current = new System.Text.StringBuilder();
        var quote = '\0';
        foreach (var c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    result.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            result.Add(current.ToString());
        }

        return [.. result];
    }
}
