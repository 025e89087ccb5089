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

    public ConcurrentDictionary<string, byte> ReReadModes { get; } = new(StringComparer.Ordinal);

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
