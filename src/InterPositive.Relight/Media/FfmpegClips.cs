using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using InterPositive.Formats;
using InterPositive.Media;

namespace InterPositive.Relight.Media;

/// <summary>A clip's picture as ffprobe reports it.</summary>
public sealed record ClipInfo(int Width, int Height, string FrameRate, long? Frames);

/// <summary>How a relit clip is written.</summary>
public enum ClipOutputKind
{
    /// <summary>ProRes 422 HQ in QuickTime (prores_ks, 10-bit 4:2:2).</summary>
    ProRes,

    /// <summary>H.264 in MP4 (libx264, 8-bit 4:2:0, CRF 18): light enough to send.</summary>
    H264,

    /// <summary>A numbered still sequence (the pattern holds %06d or ######).</summary>
    Sequence,
}

/// <summary>Converts between ffmpeg's rgb48le frames and planar floats (pure, no I/O).</summary>
public static class Rgb48
{
    public static void ToPlanar(ReadOnlySpan<byte> packed, Span<float> planar, int pixels)
    {
        const float scale = 1f / 65535;
        for (var p = 0; p < pixels; p++)
        {
            var o = p * 6;
            planar[p] = BinaryPrimitives.ReadUInt16LittleEndian(packed[o..]) * scale;
            planar[pixels + p] = BinaryPrimitives.ReadUInt16LittleEndian(packed[(o + 2)..]) * scale;
            planar[(2 * pixels) + p] = BinaryPrimitives.ReadUInt16LittleEndian(packed[(o + 4)..]) * scale;
        }
    }

    public static void FromPlanar(ReadOnlySpan<float> planar, Span<byte> packed, int pixels)
    {
        for (var p = 0; p < pixels; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                var v = planar[(c * pixels) + p];
                var code = (ushort)Math.Clamp(MathF.Round(float.IsNaN(v) ? 0 : v * 65535), 0, 65535);
                BinaryPrimitives.WriteUInt16LittleEndian(packed[((p * 6) + (c * 2))..], code);
            }
        }
    }
}

/// <summary>Clips as ffmpeg sees them: which files are clips, and their picture from ffprobe (through <see cref="MediaTools"/>).</summary>
public static class Ffmpeg
{
    private static readonly HashSet<string> ClipExtensions = new(StringComparer.OrdinalIgnoreCase) { ".mov", ".mp4", ".mxf", ".mkv", ".avi", ".m4v" };

    public static bool IsClip(string path) => ClipExtensions.Contains(Path.GetExtension(path));

    public static async Task<ClipInfo> ProbeAsync(string path, CancellationToken cancellationToken, MediaTools? media = null) =>
        Picture(await (media ?? MediaTools.Default).ProbeAsync(path, cancellationToken), path);

    /// <summary>The first video stream's picture; a probe without a sized video stream is malformed input.</summary>
    public static ClipInfo Picture(ProbeResult probe, string source)
    {
        if (probe.Video is not { Width: { } width, Height: { } height } video)
        {
            throw new MalformedInputException("no video stream with a size", source, field: "stream");
        }

        var rate = video.RFrameRate is { Length: > 0 } r && r != "0/0" ? r : "24";
        return new ClipInfo(width, height, rate, video.Frames);
    }
}

/// <summary>Decodes a clip to planar frames through an ffmpeg child process (rgb48le on its stdout).</summary>
public sealed class ClipReader : IAsyncDisposable
{
    private readonly MediaProcess _process;
    private readonly Stream _stdout;
    private readonly byte[] _packed;

    private ClipReader(string path, ClipInfo info, MediaProcess process)
    {
        Path = path;
        Info = info;
        _process = process;
        _stdout = process.Stdout;
        _packed = ArrayPool<byte>.Shared.Rent(info.Width * info.Height * 6);
    }

    public string Path { get; }

    public ClipInfo Info { get; }

    public static async Task<ClipReader> OpenAsync(string path, CancellationToken cancellationToken, int? maxFrames = null, double? startSeconds = null, MediaTools? media = null)
    {
        media ??= MediaTools.Default;
        var info = await Ffmpeg.ProbeAsync(path, cancellationToken, media);
        var arguments = new List<string> { "-v", "error", "-nostdin" };
        if (startSeconds is { } start)
        {
            arguments.AddRange(["-ss", start.ToString("0.###", CultureInfo.InvariantCulture)]);
        }

        arguments.AddRange(["-i", path, "-map", "0:v:0"]);
        if (maxFrames is { } max)
        {
            arguments.AddRange(["-frames:v", max.ToString(CultureInfo.InvariantCulture)]);
        }

        arguments.AddRange(["-f", "rawvideo", "-pix_fmt", "rgb48le", "pipe:1"]);
        return new ClipReader(path, info, media.StartFfmpeg(arguments, path));
    }

    /// <summary>Reads the next frame into <paramref name="planar"/> (3·W·H floats); false at the end of the clip.</summary>
    public async Task<bool> ReadAsync(Memory<float> planar, CancellationToken cancellationToken)
    {
        var size = Info.Width * Info.Height * 6;
        var read = 0;
        while (read < size)
        {
            var n = await _stdout.ReadAsync(_packed.AsMemory(read, size - read), cancellationToken);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        if (read == 0)
        {
            if (await _process.WaitForExitAsync(cancellationToken) != 0)
            {
                throw new MalformedInputException($"ffmpeg could not decode it: {MediaProcess.LastLine(_process.Errors)}", Path);
            }

            return false;
        }

        if (read < size)
        {
            throw new MalformedInputException($"ffmpeg ended mid-frame ({read} of {size} bytes)", Path);
        }

        Rgb48.ToPlanar(_packed.AsSpan(0, size), planar.Span, Info.Width * Info.Height);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        ArrayPool<byte>.Shared.Return(_packed);
    }
}

/// <summary>Encodes planar display-referred frames into a ProRes or H.264 preview through an ffmpeg child process.</summary>
public sealed class ClipWriter : IAsyncDisposable
{
    private readonly MediaProcess _process;
    private readonly Stream _stdin;
    private readonly byte[] _packed;
    private readonly int _width;
    private readonly int _height;
    private readonly string _temporary;
    private bool _completed;

    private ClipWriter(string path, string temporary, int width, int height, MediaProcess process)
    {
        Path = path;
        _temporary = temporary;
        _width = width;
        _height = height;
        _process = process;
        _stdin = process.Stdin;
        _packed = ArrayPool<byte>.Shared.Rent(width * height * 6);
    }

    public string Path { get; }

    public static ClipOutputKind KindFor(string path) =>
        path.Contains('%', StringComparison.Ordinal) || path.Contains('#', StringComparison.Ordinal) ? ClipOutputKind.Sequence
        : System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".mov" => ClipOutputKind.ProRes,
            ".mp4" or ".m4v" => ClipOutputKind.H264,
            _ => throw new ArgumentException($"{path}: write clips as .mov (ProRes), .mp4 (H.264) or a numbered still pattern (name_%06d.png)"),
        };

    public static ClipWriter Start(string path, int width, int height, string frameRate, ClipOutputKind kind, MediaTools? media = null)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var temporary = System.IO.Path.Combine(folder ?? ".", $".{System.IO.Path.GetFileNameWithoutExtension(path)}.partial{System.IO.Path.GetExtension(path)}");
        var arguments = new List<string>
        {
            "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb48le", "-s", $"{width}x{height}", "-r", frameRate, "-i", "pipe:0",
            "-vf", "scale=out_color_matrix=bt709:out_range=tv", "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
        };
        arguments.AddRange(kind == ClipOutputKind.ProRes
            ? ["-c:v", "prores_ks", "-profile:v", "3", "-pix_fmt", "yuv422p10le", "-f", "mov"]
            : ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4"]);
        arguments.Add(temporary);
        return new ClipWriter(path, temporary, width, height, (media ?? MediaTools.Default).StartFfmpeg(arguments, path, writeInput: true));
    }

    public async Task WriteAsync(ReadOnlyMemory<float> planar, CancellationToken cancellationToken)
    {
        var size = _width * _height * 6;
        Rgb48.FromPlanar(planar.Span, _packed.AsSpan(0, size), _width * _height);
        try
        {
            await _stdin.WriteAsync(_packed.AsMemory(0, size), cancellationToken);
        }
        catch (IOException error)
        {
            await _process.WaitForExitAsync(CancellationToken.None);
            throw new IOException($"ffmpeg stopped taking frames for {Path}: {MediaProcess.LastLine(_process.Errors)}", error);
        }
    }

    /// <summary>Closes the stream, waits for ffmpeg and moves the finished file into place.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await _stdin.DisposeAsync();
        if (await _process.WaitForExitAsync(cancellationToken) != 0)
        {
            throw new IOException($"ffmpeg failed to encode {Path}: {MediaProcess.LastLine(_process.Errors)}");
        }

        File.Move(_temporary, Path, overwrite: true);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        ArrayPool<byte>.Shared.Return(_packed);
        if (!_completed && File.Exists(_temporary))
        {
            File.Delete(_temporary);
        }
    }
}

/// <summary>Numbered still sequences: <c>frame_%06d.png</c> or <c>frame_######.dpx</c>, counting from 0.</summary>
public static class SequenceNames
{
    public static string Frame(string pattern, long index)
    {
        var hashes = pattern.LastIndexOf('#');
        if (hashes >= 0)
        {
            var start = hashes;
            while (start > 0 && pattern[start - 1] == '#')
            {
                start--;
            }

            var width = hashes - start + 1;
            return string.Concat(pattern.AsSpan(0, start), index.ToString(new string('0', width), CultureInfo.InvariantCulture), pattern.AsSpan(hashes + 1));
        }

        var builder = new StringBuilder();
        builder.AppendFormat(CultureInfo.InvariantCulture, ToComposite(pattern), index);
        return builder.ToString();
    }

    private static string ToComposite(string pattern)
    {
        var percent = pattern.IndexOf('%', StringComparison.Ordinal);
        var d = pattern.IndexOf('d', percent + 1);
        if (percent < 0 || d < 0)
        {
            throw new ArgumentException($"{pattern}: a sequence pattern needs %0Nd or ###");
        }

        var digits = pattern[(percent + 1)..d].TrimStart('0');
        var width = digits.Length == 0 ? 1 : int.Parse(digits, CultureInfo.InvariantCulture);
        return pattern[..percent].Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal)
            + "{0:" + new string('0', width) + "}"
            + pattern[(d + 1)..].Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal);
    }
}
