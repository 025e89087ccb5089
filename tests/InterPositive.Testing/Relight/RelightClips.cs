using System.Diagnostics;
using System.Globalization;

namespace InterPositive.Testing.Relight;

/// <summary>Writes synthetic clips for relight tests: 16-bit frames to a lossless PNG-in-QuickTime clip through /usr/bin/ffmpeg.</summary>
public static class RelightClips
{
    /// <summary>
    /// A static shot: the same planar RGB code-value frame every time, plus independent per-frame noise of
    /// <paramref name="noise"/> (uniform, ± code value), like sensor noise on a locked-off camera.
    /// </summary>
    public static Task<string> StaticClipAsync(string folder, float[] codeFrame, int width, int height, int frames, float noise, int seed, CancellationToken cancellationToken) =>
        ClipAsync(folder, "static.mov", _ => codeFrame, width, height, frames, noise, seed, cancellationToken);

    /// <summary>
    /// A clip of <paramref name="frames"/> frames, frame <c>f</c> being <paramref name="codeFrame"/>(f) (planar RGB code
    /// values) plus per-frame noise as <see cref="StaticClipAsync"/>: cuts, pans and the like.
    /// </summary>
    public static async Task<string> ClipAsync(string folder, string name, Func<int, float[]> codeFrame, int width, int height, int frames, float noise, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var pixels = width * height;
        for (var f = 0; f < frames; f++)
        {
            var bytes = new byte[pixels * 6];
            var frame = codeFrame(f);
            for (var p = 0; p < pixels; p++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var v = frame[(c * pixels) + p] + (noise * ((2 * (float)random.NextDouble()) - 1));
                    var code = (ushort)Math.Clamp(MathF.Round(v * 65535), 0, 65535);
                    bytes[(p * 6) + (c * 2)] = (byte)(code & 0xFF);
                    bytes[(p * 6) + (c * 2) + 1] = (byte)(code >> 8);
                }
            }

            await File.WriteAllBytesAsync(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"raw_{f:000}.rgb")), bytes, cancellationToken);
        }

        var clip = Path.Combine(folder, name);
        var concat = string.Join(" ", Enumerable.Range(0, frames).Select(f => string.Create(CultureInfo.InvariantCulture, $"raw_{f:000}.rgb")));
        await RunAsync("/bin/sh", ["-c", $"cat {concat} | /usr/bin/ffmpeg -v error -y -f rawvideo -pix_fmt rgb48le -s {width}x{height} -r 24 -i pipe:0 -c:v png -pix_fmt rgb48be {name}"], folder, cancellationToken);
        for (var f = 0; f < frames; f++)
        {
            File.Delete(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"raw_{f:000}.rgb")));
        }

        return clip;
    }

    private static async Task RunAsync(string file, string[] arguments, string folder, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = folder, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed: {stderr}");
        }
    }
}
