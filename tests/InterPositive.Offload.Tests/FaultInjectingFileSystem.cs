using System.Collections.Concurrent;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload.Tests;

/// <summary>
/// The real file system with faults on cue: a read error at an offset, a full or read-only drive, a corrupting
/// write, a source that changes under the reader, a stop (cancellation) after some files. Counts every open so
/// tests can prove what was and was not read again, and checks the durability order: a verification read may only
/// reach bytes a flush covered, and a copy is renamed to its final name only once it was flushed whole.
/// </summary>
public sealed class FaultInjectingFileSystem(IOffloadFileSystem? inner = null) : IOffloadFileSystem
{
    private readonly IOffloadFileSystem _inner = inner ?? LinuxFileSystem.Instance;

    /// <summary>Called before each source read (path, offset): return an exception to fail it.</summary>
    public Func<string, long, Exception?>? ReadFault { get; set; }

    /// <summary>Called after each source read (path, offset, bytes read): used to change the file under the reader.</summary>
    public Action<string, long, int>? AfterRead { get; set; }

    /// <summary>Called before each write (path, offset): return an exception to fail it (a full drive, a pulled cable).</summary>
    public Func<string, long, Exception?>? WriteFault { get; set; }

    /// <summary>Called on file creation: return an exception to fail it (read-only drive).</summary>
    public Func<string, Exception?>? CreateFault { get; set; }

    /// <summary>Called on link creation: return an exception to fail it (a drive whose file system holds no links).</summary>
    public Func<string, Exception?>? LinkFault { get; set; }

    /// <summary>Files whose written bytes get one bit flipped (bad cable, bad RAM): the re-read must catch it.</summary>
    public Func<string, bool>? CorruptWrites { get; set; }

    /// <summary>Called after each successful rename to a final name.</summary>
    public Action<string>? AfterRename { get; set; }

    public ConcurrentDictionary<string, int> Reads { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Verifications { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Creates { get; } = new(StringComparer.Ordinal);

    /// <summary>Flushes (fdatasync) per temporary file.</summary>
    public ConcurrentDictionary<string, int> Flushes { get; } = new(StringComparer.Ordinal);

    /// <summary>Ranges written out to the drive (sync_file_range) per temporary file.</summary>
    public ConcurrentDictionary<string, int> WriteOuts { get; } = new(StringComparer.Ordinal);

    /// <summary>Every break of the durability order seen (must stay empty).</summary>
    public ConcurrentQueue<string> OrderViolations { get; } = new();

    /// <summary>Per file being written: bytes written so far, how many reached the drive, and how many a flush made durable.</summary>
    private readonly ConcurrentDictionary<string, (long Written, long OnDrive, long Durable)> _durability = new(StringComparer.Ordinal);

    public FsEntry? Stat(string path) => _inner.Stat(path);

    public IReadOnlyList<FsEntry> List(string directory) => _inner.List(directory);

    public IOffloadReader OpenRead(string path)
    {
        Reads.AddOrUpdate(path, 1, (_, n) => n + 1);
        return new Reader(this, path, _inner.OpenRead(path));
    }

    public IOffloadWriter Create(string path)
    {
        Creates.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (CreateFault?.Invoke(path) is { } error)
        {
            throw error;
        }

        return new Writer(this, path, _inner.Create(path));
    }

    public IOffloadWriter CreateCopy(string path, long size, out string writeMode)
    {
        Creates.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (CreateFault?.Invoke(path) is { } error)
        {
            throw error;
        }

        return new Writer(this, path, _inner.CreateCopy(path, size, out writeMode));
    }

    public IVerificationReader OpenForVerification(string path, bool direct, out string reReadMode)
    {
        Verifications.AddOrUpdate(path, 1, (_, n) => n + 1);
        var inner = _inner.OpenForVerification(path, direct, out reReadMode);
        return _durability.ContainsKey(path) ? new VerificationReader(this, path, inner) : inner;
    }

    public IVerificationReader OpenForVerification(string path, out string reReadMode)
    {
        Verifications.AddOrUpdate(path, 1, (_, n) => n + 1);
        var inner = _inner.OpenForVerification(path, out reReadMode);
        return _durability.ContainsKey(path) ? new VerificationReader(this, path, inner) : inner;
    }

    public void SetLastModified(string path, DateTimeOffset time) => _inner.SetLastModified(path, time);

    public void Rename(string from, string to, bool replace = false)
    {
        if (_durability.TryGetValue(from, out var state) && (state.Durable < state.Written || state.Durable != new FileInfo(from).Length))
        {
            OrderViolations.Enqueue($"{from} renamed with {state.Durable} of {state.Written} bytes flushed");
        }

        _inner.Rename(from, to, replace);
        AfterRename?.Invoke(to);
    }

    public void FlushDirectory(string directory) => _inner.FlushDirectory(directory);

    public void CreateDirectory(string path)
    {
        if (CreateFault?.Invoke(path) is { } error)
        {
            throw error;
        }

        _inner.CreateDirectory(path);
    }

    public void Delete(string path) => _inner.Delete(path);

    public void CreateSymlink(string path, string target)
    {
        if (LinkFault?.Invoke(path) is { } error)
        {
            throw error;
        }

        _inner.CreateSymlink(path, target);
    }

    private sealed class Reader(FaultInjectingFileSystem owner, string path, IOffloadReader inner) : IOffloadReader
    {
        public long Length => inner.Length;

        public async ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            Before(offset);
            return After(offset, await inner.ReadAsync(buffer, offset, cancellationToken));
        }

        public int Read(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            Before(offset);
            return After(offset, inner.Read(buffer, offset, cancellationToken));
        }

        private void Before(long offset)
        {
            if (owner.ReadFault?.Invoke(path, offset) is { } error)
            {
                throw error;
            }
        }

        private int After(long offset, int read)
        {
            owner.AfterRead?.Invoke(path, offset, read);
            return read;
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>A verification read of a file being written: may only return bytes a flush covered.</summary>
    private sealed class VerificationReader(FaultInjectingFileSystem owner, string path, IVerificationReader inner) : IVerificationReader
    {
        public long Length => inner.Length;

        public int ReadsInFlight => inner.ReadsInFlight;

        public void DropCached(long offset, long length) => inner.DropCached(offset, length);

        public async ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            var onDrive = OnDrive();
            return Check(offset, onDrive, await inner.ReadAsync(buffer, offset, cancellationToken));
        }

        public int Read(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            var onDrive = OnDrive();
            return Check(offset, onDrive, inner.Read(buffer, offset, cancellationToken));
        }

        private long OnDrive() => owner._durability.TryGetValue(path, out var state) ? state.OnDrive : 0;

        private int Check(long offset, long onDrive, int read)
        {
            if (read > 0 && offset + read > onDrive)
            {
                owner.OrderViolations.Enqueue($"{path}: read back [{offset}, {offset + read}) with only {onDrive} bytes on the drive");
            }

            return read;
        }

        public void Dispose() => inner.Dispose();
    }

    private sealed class Writer(FaultInjectingFileSystem owner, string path, IOffloadWriter inner) : IOffloadWriter
    {
        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken)
        {
            data = Before(data, offset);
            await inner.WriteAsync(data, offset, cancellationToken);
            After(offset + data.Length);
        }

        public void Write(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken)
        {
            data = Before(data, offset);
            inner.Write(data, offset, cancellationToken);
            After(offset + data.Length);
        }

        private ReadOnlyMemory<byte> Before(ReadOnlyMemory<byte> data, long offset)
        {
            if (owner.WriteFault?.Invoke(path, offset) is { } error)
            {
                throw error;
            }

            if (owner.CorruptWrites?.Invoke(path) == true && data.Length > 0)
            {
                var copy = data.ToArray();
                copy[copy.Length / 2] ^= 0x10;
                return copy;
            }

            return data;
        }

        private void After(long end) =>
            owner._durability.AddOrUpdate(path, (end, 0, 0), (_, s) => (Math.Max(s.Written, end), s.OnDrive, s.Durable));

        public void WriteOut(long offset, long length)
        {
            // Bytes count as on the drive only from the start of the file up: a gap would be a hole in the check.
            var state = owner._durability.GetOrAdd(path, (0, 0, 0));
            if (offset > state.OnDrive || offset + length > state.Written)
            {
                owner.OrderViolations.Enqueue($"{path}: wrote out [{offset}, {offset + length}) with {state.OnDrive} on the drive and {state.Written} written");
            }

            inner.WriteOut(offset, length);
            owner._durability.AddOrUpdate(path, (0, 0, 0), (_, s) => (s.Written, Math.Max(s.OnDrive, Math.Min(offset + length, s.Written)), s.Durable));
            owner.WriteOuts.AddOrUpdate(path, 1, (_, n) => n + 1);
        }

        public void FlushToDisk()
        {
            // Only what was written before the flush began is covered by it.
            var written = owner._durability.GetOrAdd(path, (0, 0, 0)).Written;
            inner.FlushToDisk();
            owner._durability.AddOrUpdate(path, (written, written, written), (_, s) => (s.Written, Math.Max(s.OnDrive, written), Math.Max(s.Durable, written)));
            owner.Flushes.AddOrUpdate(path, 1, (_, n) => n + 1);
        }

        public void Dispose() => inner.Dispose();
    }
}
