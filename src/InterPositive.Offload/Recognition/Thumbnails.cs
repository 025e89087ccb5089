using InterPositive.Media;

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
public sealed class FfmpegFrameGrabber(MediaTools? media = null, TimeSpan? timeout = null) : IFrameGrabber
{
    private const int MaxJpegBytes = 4 * 1024 * 1024;
    private static readonly string[] Undecodable = [".r3d", ".braw", ".crm", ".ari"];

    private readonly MediaTools _media = media ?? MediaTools.Default;
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(20);

    public bool Available => _media.FfmpegAvailable;

    public async Task<byte[]?> GrabAsync(string file, CancellationToken cancellationToken)
    {
        if (!Available || Undecodable.Contains(Path.GetExtension(file).ToLowerInvariant()))
        {
            return null;
        }

        MediaProcess process;
        try
        {
            process = _media.StartFfmpeg(["-hide_banner", "-loglevel", "error", "-nostdin", "-i", file, "-frames:v", "1", "-vf", "scale=320:-2", "-q:v", "5", "-f", "image2pipe", "-c:v", "mjpeg", "-"], file);
        }
        catch (MediaProcessException)
        {
            return null;
        }

        await using (process)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_timeout);
            try
            {
                using var output = new MemoryStream();
                var buffer = new byte[81920];
                int n;
                while ((n = await process.Stdout.ReadAsync(buffer, timeout.Token)) > 0)
                {
                    if (output.Length + n > MaxJpegBytes)
                    {
                        return null;
                    }

                    await output.WriteAsync(buffer.AsMemory(0, n), timeout.Token);
                }

                var code = await process.WaitForExitAsync(timeout.Token);
                return code == 0 && output.Length > 2 ? output.ToArray() : null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }
}
