using System.Net.Sockets;

namespace InterPositive.Feeds.Sources;

/// <summary>
/// Headerless raw frames (v210 or UYVY, optional VANC lines ahead of the picture) from a file, a pipe or a TCP
/// connection, the form SDI capture tools write. The format cannot be read from the bytes: it is configured.
/// </summary>
public sealed class RawStreamSource(string description, Func<CancellationToken, Task<Stream>> open, VideoFormat format, bool isLive, string feed, TimeProvider time) : IFrameSource
{
    public string Description { get; } = description;

    public bool IsLive { get; } = isLive;

    public VideoFormat Format { get; } = format;

    public static RawStreamSource File(string path, VideoFormat format, string feed, TimeProvider time) =>
        new(path, _ => Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.SequentialScan)), format, isLive: false, feed, time);

    public static RawStreamSource StandardInput(VideoFormat format, string feed, TimeProvider time) =>
        new("-", _ => Task.FromResult(Console.OpenStandardInput(1 << 20)), format, isLive: false, feed, time);

    /// <summary>A TCP client that reconnects: the sender (a capture box, <c>ffmpeg -f rawvideo tcp://…?listen</c>) listens.</summary>
    public static RawStreamSource Tcp(string host, int port, VideoFormat format, string feed, TimeProvider time) =>
        new(FormattableString.Invariant($"tcp://{host}:{port}"), async ct =>
        {
            var client = new TcpClient { ReceiveBufferSize = 8 << 20, NoDelay = true };
            try
            {
                await client.ConnectAsync(host, port, ct);
                return new OwningStream(client.GetStream(), client);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }, format, isLive: true, feed, time);

    public async Task RunAsync(IFrameSink sink, CancellationToken cancellationToken)
    {
        var stream = await open(cancellationToken);
        await using (stream)
        {
            sink.OnEvent(FeedEventKind.Connected, Description);
            for (long sequence = 0; ; sequence++)
            {
                VideoFrame? frame = VideoFrame.Rent(feed, Format, sequence, time.GetUtcNow());
                try
                {
                    var read = await stream.ReadAtLeastAsync(frame.Data, Format.FrameBytes, throwOnEndOfStream: false, cancellationToken);
                    if (read < Format.FrameBytes)
                    {
                        if (read > 0)
                        {
                            sink.OnEvent(FeedEventKind.Malformed, FormattableString.Invariant(
                                $"{Description}: last frame cut short at {read} of {Format.FrameBytes} bytes (offset {(sequence * Format.FrameBytes) + read}); is the format {Format} right?"));
                        }

                        return;
                    }

                    frame.CaptureTime = time.GetUtcNow();
                    var delivered = frame;
                    frame = null;
                    await sink.OnFrameAsync(delivered, cancellationToken);
                }
                finally
                {
                    frame?.Dispose();
                }
            }
        }
    }

    /// <summary>A network stream that also disposes the client it came from.</summary>
    private sealed class OwningStream(NetworkStream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
