using System.Diagnostics;

namespace InterPositive.Offload.Recognition;

/// <summary>Decodes one frame of a clip as a small JPEG for the camera report; null when the clip cannot be decoded.</summary>
public interface IFrameGrabber
{
    Task<byte[]?> GrabAsync(string file, CancellationToken cancellationToken);
}

/// <summary>
/// Grabs a frame with ffmpeg as a child process (<c>-frames:v 1</c>, scaled to 320 wide, MJPEG on stdout). Clips
/// ffmpeg cannot decode (R3D, BRAW, X-OCN, ARRIRAW) give null quickly; a stuck decode is killed after the timeout.
/// </summary>
public sealed class FfmpegFrameGrabber(string executable = "/usr/bin/ffmpeg", TimeSpan? timeout = null) : IFrameGrabber
{
    private const int MaxJpegBytes = 4 * 1024 * 1024;
    private static readonly string[] Undecodable = [".r3d", ".braw", ".crm", ".ari"];

    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(20);

    public bool Available => File.Exists(executable);

    public async Task<byte[]?> GrabAsync(string file, CancellationToken cancellationToken)
    {
        if (!Available || Undecodable.Contains(Path.GetExtension(file).ToLowerInvariant()))
        {
            return null;
        }

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-hide_banner", "-loglevel", "error", "-nostdin", "-i", file, "-frames:v", "1", "-vf", "scale=320:-2", "-q:v", "5", "-f", "image2pipe", "-c:v", "mjpeg", "-" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            if (!process.Start())
            {
                return null;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = await process.StandardOutput.BaseStream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                if (output.Length + n > MaxJpegBytes)
                {
                    Kill(process);
                    return null;
                }

                await output.WriteAsync(buffer.AsMemory(0, n), timeout.Token);
            }

            await process.WaitForExitAsync(timeout.Token);
            await errors;
            return process.ExitCode == 0 && output.Length > 2 ? output.ToArray() : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Kill(process);
            return null;
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
