namespace InterPositive.Sync.Brokers;

/// <summary>
/// A read-side pass-through over a client's socket stream that follows MQTT framing (fixed header byte, variable-length
/// remaining length, body) and ends the connection as soon as a fixed header declares more than
/// <see cref="MaxPacketBytes"/>. MQTTnet's channel adapter allocates the whole body from the declared remaining length
/// before reading it, so the check must happen here, on the header bytes, before the adapter sees them: the oversized
/// body is never buffered. The adapter asks for at most one packet's bytes per read, so a refusal never swallows the
/// tail of an earlier, valid packet.
/// </summary>
public sealed class PacketSizeGuardStream : Stream
{
    private readonly Stream _inner;
    private readonly Action<long> _oversized;
    private State _state = State.Header;
    private long _remaining;
    private int _shift;
    private bool _closed;

    /// <param name="inner">The client's stream (owned: disposed with this one).</param>
    /// <param name="maxPacketBytes">Largest remaining length (everything after the fixed header) accepted.</param>
    /// <param name="oversized">Called once with the declared length when a packet is refused.</param>
    public PacketSizeGuardStream(Stream inner, int maxPacketBytes, Action<long> oversized)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPacketBytes);
        _inner = inner;
        MaxPacketBytes = maxPacketBytes;
        _oversized = oversized;
    }

    private enum State
    {
        Header,
        Length,
        Body,
    }

    public int MaxPacketBytes { get; }

    /// <summary>Whether the connection was cut for an oversized (or malformed) fixed header.</summary>
    public bool Refused => _closed;

    public override bool CanRead => _inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_closed)
        {
            return 0;
        }

        var read = _inner.Read(buffer);
        return Inspect(buffer[..read]) ? read : 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_closed)
        {
            return 0;
        }

        var read = await _inner.ReadAsync(buffer, cancellationToken);
        return Inspect(buffer.Span[..read]) ? read : 0;
    }

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Follows the framing over <paramref name="bytes"/>; false once a header is refused (the read then ends the stream).</summary>
    private bool Inspect(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_state)
            {
                case State.Header:
                    i++;
                    _state = State.Length;
                    _remaining = 0;
                    _shift = 0;
                    break;
                case State.Length:
                    var b = bytes[i++];
                    _remaining |= (long)(b & 0x7F) << _shift;
                    _shift += 7;
                    if ((b & 0x80) == 0)
                    {
                        if (_remaining > MaxPacketBytes)
                        {
                            return Refuse(_remaining);
                        }

                        _state = _remaining == 0 ? State.Header : State.Body;
                    }
                    else if (_shift >= 28)
                    {
                        // MQTT allows four length bytes at most: a fifth is a malformed header.
                        return Refuse(-1);
                    }

                    break;
                default:
                    var take = (int)Math.Min(_remaining, bytes.Length - i);
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = State.Header;
                    }

                    break;
            }
        }

        return true;
    }

    private bool Refuse(long declared)
    {
        _closed = true;
        _oversized(declared);
        return false;
    }
}
