using System.Collections.Concurrent;
using InterPositive.Catalog;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload.Engine;

/// <summary>One destination copy of the card during a run: where it goes, how far it is verified, and what broke it.</summary>
internal sealed class OffloadDestination(string parent, IDestinationTree tree) : IDisposable
{
    private int _filesVerified;
    private long _bytesVerified;
    private long _bytesReRead;
    private int _fileFailures;

    /// <summary>The folder given on the command line (the drive).</summary>
    public string Parent { get; } = parent;

    /// <summary>The card's own folder in it (<c>DIR/NAME</c>, or <c>DIR/CARD-ID</c> when NAME holds another card).</summary>
    public string Root => Tree.Root;

    /// <summary>Everything of the copy is created through this, beneath <see cref="Root"/> and through no link.</summary>
    public IDestinationTree Tree { get; } = tree;

    /// <summary>Why this destination stopped taking files (a full or pulled drive); null while it works.</summary>
    public string? BrokenBy { get; set; }

    public string? Mhl { get; set; }

    private readonly ConcurrentQueue<string> _linksLeftOut = new();

    /// <summary>The card's links this copy could not hold (its file system has none), in path order, for the MHL, the result and the catalog.</summary>
    public IReadOnlyList<string> LinksLeftOut => [.. _linksLeftOut.Order(StringComparer.Ordinal)];

    public void LeaveOut(string link) => _linksLeftOut.Enqueue(link);

    public ConcurrentDictionary<string, byte> ReReadModes { get; } = new(StringComparer.Ordinal);

    /// <summary>How this run's copies were written here (<see cref="FileSystem.WriteModes"/>).</summary>
    public ConcurrentDictionary<string, byte> WriteModesUsed { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The write path in one word: a refused O_DIRECT says so; o_direct when the large files went with it (small files
    /// always take the page cache); buffered otherwise.
    /// </summary>
    public string WriteMode =>
        WriteModesUsed.ContainsKey(FileSystem.WriteModes.BufferedFallback) ? FileSystem.WriteModes.BufferedFallback
        : WriteModesUsed.ContainsKey(FileSystem.WriteModes.Direct) ? FileSystem.WriteModes.Direct
        : WriteModesUsed.IsEmpty ? FileSystem.ReReadModes.None : FileSystem.WriteModes.Buffered;

    /// <summary>The weakest re-read this destination had (the page cache, then fadvise, then O_DIRECT).</summary>
    public string ReReadMode =>
        ReReadModes.ContainsKey(FileSystem.ReReadModes.PageCache) ? FileSystem.ReReadModes.PageCache
        : ReReadModes.ContainsKey(FileSystem.ReReadModes.Fadvise) ? FileSystem.ReReadModes.Fadvise
        : ReReadModes.ContainsKey(FileSystem.ReReadModes.Direct) ? FileSystem.ReReadModes.Direct
        : FileSystem.ReReadModes.None;

    public bool Broken => BrokenBy is not null;

    public int FilesVerified => Volatile.Read(ref _filesVerified);

    public long BytesVerified => Interlocked.Read(ref _bytesVerified);

    /// <summary>Bytes of this copy read back from the drive so far (its own verification progress).</summary>
    public long BytesReRead => Interlocked.Read(ref _bytesReRead);

    public int FileFailures => Volatile.Read(ref _fileFailures);

    public string Status => Broken || FileFailures > 0 ? CardStatus.Failed : CardStatus.Verified;

    public void CountVerified(long bytes)
    {
        Interlocked.Increment(ref _filesVerified);
        Interlocked.Add(ref _bytesVerified, bytes);
    }

    public void CountFailure() => Interlocked.Increment(ref _fileFailures);

    public void CountReRead(long bytes) => Interlocked.Add(ref _bytesReRead, bytes);

    public void Dispose() => Tree.Dispose();
}
