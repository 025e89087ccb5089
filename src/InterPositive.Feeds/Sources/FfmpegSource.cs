using System.Globalization;
using InterPositive.Formats;
using InterPositive.Media;

namespace InterPositive.Feeds.Sources;

/// <summary>
/// Anything Debian's ffmpeg opens (files, capture devices, SRT/UDP streams, lavfi) decoded to v210 on a pipe by a
/// child ffmpeg (through <see cref="MediaTools"/>). <c>ffmpeg:INPUT</c> reads INPUT; <c>ffmpeg:-f FMT … -i INPUT</c> passes the
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
    private readonly MediaTools _media;

    public FfmpegSource(string input, string feed, TimeProvider time, int? width = null, int? height = null, FrameRate? rate = null, bool realTime = false, MediaTools? media = null)
    {
        _media = media ?? MediaTools.Default;
        Description = "ffmpeg:" + input;
        _inputArguments = input.StartsWith('-') ? SplitArguments(input) : ["-i", input];
        _feed = feed;
        _time = time;
        _width = width;
        _height = height;
        _rate = rate;
        _realTime = realTime;

        // A regular file ends; a device or a network stream is live and is restarted when ffmpeg exits.
        var path = _inputArguments[^1];
        IsLive = !File.Exists(path);
    }

    public string Description { get; }

    public bool IsLive { get; }

    public string Ffmpeg => _media.Ffmpeg;

    public string Ffprobe => _media.Ffprobe;

    public async Task RunAsync(IFrameSink sink, CancellationToken cancellationToken)
    {
        var probe = await ProbeAsync(cancellationToken);
        var width = _width ?? probe.Width ?? throw new InvalidDataException($"{Description}: ffprobe found no picture size; give --width and --height");
        var height = _height ?? probe.Height ?? throw new InvalidDataException($"{Description}: ffprobe found no picture size; give --width and --height");
        var rate = _rate ?? probe.Rate ?? FrameRate.Fps25;
        var format = new VideoFormat(width, height, FramePixelFormat.V210, rate);

        List<string> arguments = ["-hide_banner", "-nostdin", "-loglevel", "error"];
        if (_realTime)
        {
            arguments.Add("-re");
        }

        arguments.AddRange(_inputArguments);
        arguments.AddRange(["-map", "0:v:0", "-an", "-sn", "-dn", "-vf", FormattableString.Invariant($"scale={width}:{height}:flags=bicubic,format=yuv422p10le"), "-c:v", "v210", "-f", "rawvideo", "pipe:1"]);
        await using var process = _media.StartFfmpeg(arguments, Description);
        try
        {
            sink.OnEvent(FeedEventKind.Connected, FormattableString.Invariant($"{Description} as {format}"));
            var stdout = process.Stdout;
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

            await process.EnsureSuccessAsync(cancellationToken);
        }
        finally
        {
            process.Kill();
        }
    }

    /// <summary>Picture size, rate and start timecode as ffprobe reports them; nulls where it cannot say.</summary>
    public async Task<(int? Width, int? Height, FrameRate? Rate, Timecode? Timecode)> ProbeAsync(CancellationToken cancellationToken)
    {
        // ffprobe takes the input positionally; input options (-f lavfi …) go before it.
        var arguments = _inputArguments.Where(a => a != "-i").ToList();
        ProbeResult probe;
        try
        {
            probe = await _media.ProbeAsync(arguments, Description, cancellationToken);
        }
        catch (MalformedInputException e)
        {
            // A feed that cannot be opened is an environment problem (a device, a stream), not a bad file.
            throw new IOException($"{Description}: ffprobe could not open the input: {e.Cause}", e);
        }

        return Summary(probe);
    }

    /// <summary>Size, rate and start timecode of a probe's first video stream.</summary>
    public static (int? Width, int? Height, FrameRate? Rate, Timecode? Timecode) Summary(ProbeResult probe) =>
        (probe.Video?.Width, probe.Video?.Height, probe.Video?.Rate, probe.StartTimecode);

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
