using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using InterPositive.Formats;

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

/// <summary>ffprobe and ffmpeg child processes for clips: decode to rgb48le, encode previews.</summary>
public static class Ffmpeg
{
    public static string FfmpegPath { get; set; } = "/usr/bin/ffmpeg";

    public static string FfprobePath { get; set; } = "/usr/bin/ffprobe";

    private static readonly HashSet<string> ClipExtensions = new(StringComparer.OrdinalIgnoreCase) { ".mov", ".mp4", ".mxf", ".mkv", ".avi", ".m4v" };

    public static bool IsClip(string path) => ClipExtensions.Contains(Path.GetExtension(path));

    public static async Task<ClipInfo> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var (code, stdout, stderr) = await RunAsync(FfprobePath, ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,r_frame_rate,nb_frames", "-of", "default=noprint_wrappers=1", path], cancellationToken);
        if (code != 0)
        {
            throw new MalformedInputException($"ffprobe could not read it: {LastLine(stderr)}", path);
        }

        return ParseProbe(stdout, path);
    }

    /// <summary>Parses ffprobe's key=value lines.</summary>
    public static ClipInfo ParseProbe(string text, string source)
    {
        var values = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
        if (!values.TryGetValue("width", out var w) || !int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out var width) || width <= 0
            || !values.TryGetValue("height", out var h) || !int.TryParse(h, NumberStyles.None, CultureInfo.InvariantCulture, out var height) || height <= 0)
        {
            throw new MalformedInputException("no video stream with a size", source, field: "stream");
        }

        var rate = values.GetValueOrDefault("r_frame_rate") is { Length: > 0 } r && r != "0/0" ? r : "24";
        long? frames = values.TryGetValue("nb_frames", out var n) && long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : null;
        return new ClipInfo(width, height, rate, frames);
    }

    internal static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        using var process = Start(file, arguments, redirectInput: false);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    internal static Process Start(string file, IReadOnlyList<string> arguments, bool redirectInput)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            return Process.Start(info) ?? throw new IOException($"{file} did not start");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new IOException($"{file} could not be started: {error.Message}", error);
        }
    }

    internal static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";
}

/// <summary>Decodes a clip to planar frames through an ffmpeg child process (rgb48le on its stdout).</summary>
public sealed class ClipReader : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly Task<string> _stderr;
    private readonly byte[] _packed;

    private ClipReader(string path, ClipInfo info, Process process)
    {
        Path = path;
        Info = info;
        _process = process;
        _stdout = process.StandardOutput.BaseStream;
        _stderr = process.StandardError.ReadToEndAsync();
        _packed = ArrayPool<byte>.Shared.Rent(info.Width * info.Height * 6);
    }

    public string Path { get; }

    public ClipInfo Info { get; }

    public static async Task<ClipReader> OpenAsync(string path, CancellationToken cancellationToken, int? maxFrames = null, double? startSeconds = null)
    {
        var info = await Ffmpeg.ProbeAsync(path, cancellationToken);
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
        return new ClipReader(path, info, Ffmpeg.Start(Ffmpeg.FfmpegPath, arguments, redirectInput: false));
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
            await _process.WaitForExitAsync(cancellationToken);
            if (_process.ExitCode != 0)
            {
                throw new MalformedInputException($"ffmpeg could not decode it: {Ffmpeg.LastLine(await _stderr)}", Path);
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
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        ArrayPool<byte>.Shared.Return(_packed);
    }
}

/// <summary>Encodes planar display-referred frames into a ProRes or H.264 preview through an ffmpeg child process.</summary>
public sealed class ClipWriter : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly Task<string> _stderr;
    private readonly byte[] _packed;
    private readonly int _width;
    private readonly int _height;
    private readonly string _temporary;
    private bool _completed;

    private ClipWriter(string path, string temporary, int width, int height, Process process)
    {
        Path = path;
        _temporary = temporary;
        _width = width;
        _height = height;
        _process = process;
        _stdin = process.StandardInput.BaseStream;
        _stderr = process.StandardError.ReadToEndAsync();
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

    public static ClipWriter Start(string path, int width, int height, string frameRate, ClipOutputKind kind)
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
        return new ClipWriter(path, temporary, width, height, Ffmpeg.Start(Ffmpeg.FfmpegPath, arguments, redirectInput: true));
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
            throw new IOException($"ffmpeg stopped taking frames for {Path}: {Ffmpeg.LastLine(await _stderr)}", error);
        }
    }

    /// <summary>Closes the stream, waits for ffmpeg and moves the finished file into place.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await _stdin.DisposeAsync();
        await _process.WaitForExitAsync(cancellationToken);
        if (_process.ExitCode != 0)
        {
            throw new IOException($"ffmpeg failed to encode {Path}: {Ffmpeg.LastLine(await _stderr)}");
        }

        File.Move(_temporary, Path, overwrite: true);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
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
