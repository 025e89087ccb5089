namespace InterPositive.Offload.FileSystem;

/// <summary>What kind of thing a directory entry is; links are never followed.</summary>
public enum EntryKind
{
    File,
    Directory,
    Symlink,
    Other,
}

/// <summary>An lstat of a path: kind, size, modification time and, for links, the target as written.</summary>
public sealed record FsEntry(string Name, EntryKind Kind, long Size, DateTimeOffset LastModified, string? LinkTarget = null);

/// <summary>How the verification re-read reached the drive.</summary>
public static class ReReadModes
{
    /// <summary>posix_fadvise(POSIX_FADV_DONTNEED) dropped the file's clean pages after fsync: the re-read came from the drive.</summary>
    public const string Fadvise = "fadvise";

    /// <summary>The file was re-read with O_DIRECT, bypassing the page cache.</summary>
    public const string Direct = "o_direct";

    /// <summary>Neither was possible: the re-read may have been served from the page cache.</summary>
    public const string PageCache = "page-cache";

    /// <summary>Nothing was re-read (for example, every file had been verified by an earlier run).</summary>
    public const string None = "none";
}

/// <summary>How a copy was written to its destination.</summary>
public static class WriteModes
{
    /// <summary>With O_DIRECT, straight from the card's aligned chunk to the drive (files from 4 MiB up).</summary>
    public const string Direct = "o_direct";

    /// <summary>Through the page cache by choice (small files, a memory file system), written out and fdatasync'd.</summary>
    public const string Buffered = "buffered";

    /// <summary>The file system refused O_DIRECT: through the page cache, fdatasync'd, pages dropped (fadvise) before the re-read.</summary>
    public const string BufferedFallback = "buffered-fallback";
}

/// <summary>A file being read: positional reads so one reader can stream it once.</summary>
public interface IOffloadReader : IDisposable
{
    long Length { get; }

    ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken);

    /// <summary>
    /// A read on the caller's thread, for small files read one after another on a thread of their own (an async read
    /// costs a hop through the thread pool per call, which for a few KiB is most of the work).
    /// </summary>
    int Read(Memory<byte> buffer, long offset, CancellationToken cancellationToken);
}

/// <summary>A copy opened for its verification re-read, which must reach the drive.</summary>
public interface IVerificationReader : IOffloadReader
{
    /// <summary>
    /// Called once a range has reached the drive and before it is read back: drops its cached pages where the reader
    /// goes through the page cache (fadvise), so the reads come from the drive; nothing to do for O_DIRECT.
    /// </summary>
    void DropCached(long offset, long length);

    /// <summary>
    /// Reads worth keeping in flight: several for O_DIRECT (the drive sees a queue); one through the page cache, where
    /// the kernel's readahead already queues ahead and concurrent reads of one file would only confuse it.
    /// </summary>
    int ReadsInFlight { get; }
}

/// <summary>A temporary file in a destination being written.</summary>
public interface IOffloadWriter : IDisposable
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken);

    /// <summary>A write on the caller's thread (see <see cref="IOffloadReader.Read"/>).</summary>
    void Write(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a range of the file out to the drive and waits until the drive has it, so it can be read back from the
    /// drive; cheaper than <see cref="FlushToDisk"/> (no journal commit), which must still follow before the rename.
    /// </summary>
    void WriteOut(long offset, long length);

    /// <summary>Flushes the data and the size to the drive (fdatasync); the copy is durable once this returns.</summary>
    void FlushToDisk();
}

/// <summary>
/// The operating-system side of an offload, kept small so the engine can be driven against a fault-injecting
/// implementation in tests (a read error at an offset, a full drive, a pulled drive, a file changing).
/// </summary>
public interface IOffloadFileSystem
{
    /// <summary>lstat of a path; null when nothing is there.</summary>
    FsEntry? Stat(string path);

    /// <summary>The entries of a directory, links not followed, sorted ordinally by name.</summary>
    IReadOnlyList<FsEntry> List(string directory);

    IOffloadReader OpenRead(string path);

    /// <summary>Opens a file to read without following a link in its last component (O_NOFOLLOW): a link is an error.</summary>
    IOffloadReader OpenReadNoFollow(string path) => Stat(path) is { Kind: EntryKind.File } ? OpenRead(path) : throw new IOException($"{path}: not a plain file (links are not followed)");

    /// <summary>Creates (truncating) a file to write; the parent folder exists.</summary>
    IOffloadWriter Create(string path);

    /// <summary>
    /// Creates (truncating) the temporary file of a copy of a <paramref name="size"/>-byte card file, written the
    /// fastest way the file system allows that still reaches the drive; <paramref name="writeMode"/> says how
    /// (see <see cref="WriteModes"/>).
    /// </summary>
    IOffloadWriter CreateCopy(string path, long size, out string writeMode)
    {
        writeMode = WriteModes.Buffered;
        return Create(path);
    }

    /// <summary>
    /// Opens a file that was flushed to disk for the verification re-read, making sure the bytes come from the
    /// drive where the OS allows it; <paramref name="reReadMode"/> says how (see <see cref="ReReadModes"/>).
    /// </summary>
    IVerificationReader OpenForVerification(string path, out string reReadMode);

    /// <summary>As <see cref="OpenForVerification(string, out string)"/>, with O_DIRECT when <paramref name="direct"/> (a copy written with it).</summary>
    IVerificationReader OpenForVerification(string path, bool direct, out string reReadMode) => OpenForVerification(path, out reReadMode);

    /// <summary>Sets the file's modification time.</summary>
    void SetLastModified(string path, DateTimeOffset time);

    /// <summary>Renames within one folder; fails if the target exists unless <paramref name="replace"/> (only the chain file is ever replaced).</summary>
    void Rename(string from, string to, bool replace = false);

    /// <summary>Makes the folder's entries (renames) durable (fsync of the directory).</summary>
    void FlushDirectory(string directory);

    void CreateDirectory(string path);

    void Delete(string path);

    void CreateSymlink(string path, string target);

    /// <summary>The tree a copy is created in, beneath <paramref name="root"/> and through no link.</summary>
    IDestinationTree OpenDestination(string root) => new PathDestinationTree(this, root);
}
