using System.Globalization;
using System.Net;
using InterPositive.Feeds.Sources;
using InterPositive.Formats;
using InterPositive.Media;

namespace InterPositive.Feeds;

/// <summary>How to read a source when its bytes do not say (raw v210/UYVY) or to override what they say.</summary>
public sealed record FeedSourceOptions
{
    public FramePixelFormat Pixel { get; init; } = FramePixelFormat.V210;

    public int? Width { get; init; }

    public int? Height { get; init; }

    public FrameRate? Rate { get; init; }

    /// <summary>VANC lines ahead of the active picture in each raw frame.</summary>
    public int VancLines { get; init; }

    /// <summary>Pace file-like inputs in real time (ffmpeg -re; the pattern).</summary>
    public bool RealTime { get; init; } = true;

    /// <summary>Stop the pattern after this many frames.</summary>
    public long? FrameLimit { get; init; }

    /// <summary>ffmpeg and ffprobe for <c>ffmpeg:</c> sources (default: from PATH).</summary>
    public MediaTools? Media { get; init; }
}

/// <summary>
/// Turns a SOURCE as the CLI and configuration write it into a frame source:
/// <list type="bullet">
/// <item><c>pattern</c> — the moving test pattern with ATC and RDD 18 in VANC (default without hardware);</item>
/// <item><c>-</c> — raw frames on stdin; <c>PATH</c> — raw frames from a file; <c>tcp://HOST:PORT</c> — raw frames from a TCP sender (reconnects);</item>
/// <item><c>ffmpeg:INPUT</c> — anything ffmpeg opens, decoded to v210;</item>
/// <item><c>st2110://GROUP-OR-HOST:PORT[?anc=PORT&amp;ancgroup=IP&amp;interface=IP&amp;path=auto|batched|socket]</c> — ST 2110-20
/// video; ST 2110-40 ANC on <c>anc</c> (default PORT+2; <c>anc=none</c> for none); <c>path</c> picks the receive path
/// (default auto: recvmmsg with UDP_GRO where Linux has it).</item>
/// </list>
/// </summary>
public static class FeedSources
{
    public static IFrameSource Open(string source, FeedSourceOptions options, string feed, TimeProvider time)
    {
        if (source.Equals("pattern", StringComparison.OrdinalIgnoreCase))
        {
            return new PatternSource(
                new PatternOptions
                {
                    Width = options.Width ?? 1920,
                    Height = options.Height ?? 1080,
                    Rate = options.Rate ?? FrameRate.Fps23_976,
                    VancLines = options.VancLines > 0 ? options.VancLines : 10,
                    RealTime = options.RealTime,
                    FrameLimit = options.FrameLimit,
                },
                feed,
                time);
        }

        if (source.StartsWith("ffmpeg:", StringComparison.OrdinalIgnoreCase))
        {
            return new FfmpegSource(source["ffmpeg:".Length..], feed, time, options.Width, options.Height, options.Rate, options.RealTime, options.Media);
        }

        if (source.StartsWith("st2110://", StringComparison.OrdinalIgnoreCase))
        {
            return new St2110Source(ParseSt2110(source, options), feed, time);
        }

        var format = new VideoFormat(options.Width ?? 1920, options.Height ?? 1080, options.Pixel, options.Rate ?? FrameRate.Fps25, options.VancLines);
        if (source.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            var uri = new Uri(source);
            if (uri.Port <= 0)
            {
                throw new ArgumentException($"{source}: give a port (tcp://host:port)");
            }

            return RawStreamSource.Tcp(uri.Host, uri.Port, format, feed, time);
        }

        if (source == "-")
        {
            return RawStreamSource.StandardInput(format, feed, time);
        }

        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"{source}: not found (a feed is a file, -, tcp://, ffmpeg:, st2110:// or pattern)", source);
        }

        return RawStreamSource.File(source, format, feed, time);
    }

    public static St2110Options ParseSt2110(string source, FeedSourceOptions options)
    {
        var uri = new Uri(source);
        if (uri.Port <= 0)
        {
            throw new ArgumentException($"{source}: give a port (st2110://group:port)");
        }

        var address = IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip)
            ? ip
            : Dns.GetHostAddresses(uri.Host).FirstOrDefault() ?? throw new ArgumentException($"{source}: cannot resolve {uri.Host}");
        var query = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0].ToLowerInvariant(), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty, StringComparer.Ordinal);
        int? ancPort = uri.Port + 2;
        if (query.TryGetValue("anc", out var anc))
        {
            ancPort = anc is "none" or "" ? null : int.Parse(anc, NumberStyles.Integer, CultureInfo.InvariantCulture);
        }

        return new St2110Options
        {
            Address = address,
            VideoPort = uri.Port,
            AncPort = ancPort,
            AncAddress = query.TryGetValue("ancgroup", out var g) ? IPAddress.Parse(g) : null,
            Interface = query.TryGetValue("interface", out var i) ? IPAddress.Parse(i) : null,
            Path = query.TryGetValue("path", out var path)
                ? Enum.TryParse<St2110ReceivePath>(path, ignoreCase: true, out var p) && Enum.IsDefined(p) && !char.IsAsciiDigit(path[0]) ? p : throw new ArgumentException($"{source}: path={path}: use auto, batched or socket")
                : St2110ReceivePath.Auto,
            Width = options.Width ?? 1920,
            Height = options.Height ?? 1080,
            Rate = options.Rate,
        };
    }
}
