using System.Collections.Concurrent;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload.Tests;

/// <summary>
/// The real file system with faults on cue: a read error at an offset, a full or read-only drive, a corrupting
/// write, a source that changes under the reader, a stop (cancellation) after some files. Counts every open so
/// tests can prove what was and was not read again.
/// </summary>
public sealed class FaultInjectingFileSystem : IOffloadFileSystem
{
    private readonly IOffloadFileSystem _inner = LinuxFileSystem.Instance;

    /// <summary>Called before each source read (path, offset): return an exception to fail it.</summary>
    public Func<string, long, Exception?>? ReadFault { get; set; }

    /// <summary>Called after each source read (path, offset, bytes read): used to change the file under the reader.</summary>
    public Action<string, long, int>? AfterRead { get; set; }

    /// <summary>Called before each write (path, offset): return an exception to fail it (a full drive, a pulled cable).</summary>
    public Func<string, long, Exception?>? WriteFault { get; set; }

    /// <summary>Called on file creation: return an exception to fail it (read-only drive).</summary>
    public Func<string, Exception?>? CreateFault { get; set; }

    /// <summary>Files whose written bytes get one bit flipped (bad cable, bad RAM): the re-read must catch it.</summary>
    public Func<string, bool>? CorruptWrites { get; set; }

    /// <summary>Called after each successful rename to a final name.</summary>
    public Action<string>? AfterRename { get; set; }

    public ConcurrentDictionary<string, int> Reads { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Verifications { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Creates { get; } = new(StringComparer.Ordinal);

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

    public IOffloadReader OpenForVerification(string path, out string reReadMode)
    {
        Verifications.AddOrUpdate(path, 1, (_, n) => n + 1);
        return _inner.OpenForVerification(path, out reReadMode);
    }

    public void SetLastModified(string path, DateTimeOffset time) => _inner.SetLastModified(path, time);

    public void Rename(string from, string to, bool replace = false)
    {
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

    public void CreateSymlink(string path, string target) => _inner.CreateSymlink(path, target);

    private sealed class Reader(FaultInjectingFileSystem owner, string path, IOffloadReader inner) : IOffloadReader
    {
        public long Length => inner.Length;

        public async ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            if (owner.ReadFault?.Invoke(path, offset) is { } error)
            {
                throw error;
            }

            var read = await inner.ReadAsync(buffer, offset, cancellationToken);
            owner.AfterRead?.Invoke(path, offset, read);
            return read;
        }

        public void Dispose() => inner.Dispose();
    }

    private sealed class Writer(FaultInjectingFileSystem owner, string path, IOffloadWriter inner) : IOffloadWriter
    {
        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken)
        {
            if (owner.WriteFault?.Invoke(path, offset) is { } error)
            {
                throw error;
            }

            if (owner.CorruptWrites?.Invoke(path) == true && data.Length > 0)
            {
                var copy = data.ToArray();
                copy[copy.Length / 2] ^= 0x10;
                data = copy;
            }

            await inner.WriteAsync(data, offset, cancellationToken);
        }

        public void FlushToDisk() => inner.FlushToDisk();

        public void Dispose() => inner.Dispose();
    }
}
