using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace InterPositive.Offload.FileSystem;

// Every handle opened here is handed to the reader, writer or tree that owns it and disposes it.
#pragma warning disable CA2000

/// <summary>
/// The real file system on Linux: fdatasync for durability, and a verification re-read that reaches the drive with
/// O_DIRECT (aligned reads that bypass the page cache) or, where a file system refuses O_DIRECT, with
/// posix_fadvise(POSIX_FADV_DONTNEED) of each range just before it is read.
/// </summary>
public sealed partial class LinuxFileSystem : IOffloadFileSystem
{
    private const int PosixFadvDontNeed = 4;
    internal const int ORdOnly = 0;
    internal const int OCloexec = 0x80000;
    internal const int EInval = 22;
    internal const int ENoEnt = 2;
    internal const int ELoop = 40;
    private const int PosixFadvSequential = 2;
    private const int FileMode666 = 0x1B6;

    // The flag values differ between x86-64 and the arm64 boards the appliance also runs on.
    internal static readonly int ODirectory = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;
    private static readonly int ODirect = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;
    internal static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    /// <summary>AT_FDCWD: a name given to the "at" calls with it is a plain path, resolved as open(2) would.</summary>
    internal static readonly SafeFileHandle WorkingDirectory = new(-100, ownsHandle: false);

    public static LinuxFileSystem Instance { get; } = new();

    /// <summary>
    /// Whether the verification re-read tries O_DIRECT first; where the file system refuses it, the fadvise path is
    /// taken. Off by default: the engine re-reads a large copy step by step while its writer is still appending to it,
    /// and on ext4 every direct read then takes the inode lock that each buffered write holds, so writer and re-reader
    /// queue behind each other (measured 3-4× slower than the fadvise path; see the offload benchmark).
    /// </summary>
    public bool DirectReReads { get; init; }

    /// <summary>O_DIRECT re-reads (for checks of finished files, the benchmark's read-back baseline and tests).</summary>
    public static LinuxFileSystem Direct { get; } = new() { DirectReReads = true };

    public FsEntry? Stat(string path)
    {
        // readlink only where lstat says link (or nothing is there): most entries are plain files and folders.
        var info = new FileInfo(path);
        if ((info.Attributes & FileAttributes.ReparsePoint) != 0 && info.LinkTarget is { } target)
        {
            return new FsEntry(info.Name, EntryKind.Symlink, 0, info.LastWriteTimeUtc, target);
        }

        if (info.Exists)
        {
            return new FsEntry(info.Name, (info.Attributes & (FileAttributes.Device | FileAttributes.ReparsePoint)) != 0 ? EntryKind.Other : EntryKind.File, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero));
        }

        var directory = new DirectoryInfo(path);
        return directory.Exists ? new FsEntry(directory.Name, EntryKind.Directory, 0, new DateTimeOffset(directory.LastWriteTimeUtc, TimeSpan.Zero)) : null;
    }

    public IReadOnlyList<FsEntry> List(string directory)
    {
        var entries = new List<FsEntry>();
        foreach (var info in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false, ReturnSpecialDirectories = false }))
        {
            var modified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
            if (info.LinkTarget is { } target)
            {
                entries.Add(new FsEntry(info.Name, EntryKind.Symlink, 0, modified, target));
            }
            else if (info is DirectoryInfo)
            {
                entries.Add(new FsEntry(info.Name, EntryKind.Directory, 0, modified));
            }
            else if (info is FileInfo file)
            {
                var special = (file.Attributes & FileAttributes.Device) != 0;
                entries.Add(new FsEntry(info.Name, special ? EntryKind.Other : EntryKind.File, file.Length, modified));
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    public IOffloadReader OpenRead(string path) => new Reader(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan | FileOptions.Asynchronous));

    public IOffloadReader OpenReadNoFollow(string path) => OpenReadAt(WorkingDirectory, path, path, ONoFollow);

    public IOffloadWriter Create(string path) => CreateAt(WorkingDirectory, path, path, 0);

    public IVerificationReader OpenForVerification(string path, out string reReadMode) =>
        OpenForVerificationAt(WorkingDirectory, path, path, direct: false, IsMemoryBacked(path), 0, out reReadMode);

    /// <summary>Opens a file to read, <paramref name="name"/> resolved in <paramref name="folder"/> (AT_FDCWD: a plain path).</summary>
    internal static IOffloadReader OpenReadAt(SafeFileHandle folder, string name, string shown, int flags) =>
        new Reader(Handle(OpenAt(folder, name, ORdOnly | OCloexec | flags, 0), shown, "cannot open"));

    /// <summary>Creates (truncating) a file to write with the permissions the umask leaves of rw-rw-rw-.</summary>
    internal static IOffloadWriter CreateAt(SafeFileHandle folder, string name, string shown, int flags) =>
        new Writer(Handle(OpenAt(folder, name, OWrOnly | OCreat | OTrunc | OCloexec | flags, FileMode666), shown, "cannot create"), shown);

    /// <summary>
    /// The verification re-read: from memory on a memory file system (nothing to bypass or evict, and it says so),
    /// with O_DIRECT where asked for and the file system takes it, else through the page cache with each range's clean
    /// pages dropped before it is read.
    /// </summary>
    internal IVerificationReader OpenForVerificationAt(SafeFileHandle folder, string name, string shown, bool direct, bool memoryBacked, int flags, out string reReadMode)
    {
        if (memoryBacked)
        {
            reReadMode = ReReadModes.PageCache;
            return new EvictingReader(Handle(OpenAt(folder, name, ORdOnly | OCloexec | flags, 0), shown, "cannot open for the verification re-read"), evict: false);
        }

        if ((direct || DirectReReads) && TryOpenDirectAt(folder, name, shown, flags, out var reader))
        {
            reReadMode = ReReadModes.Direct;
            return reader;
        }

        var evicting = new EvictingReader(OpenEvicting(folder, name, shown, flags));
        reReadMode = evicting.Evicts ? ReReadModes.Fadvise : ReReadModes.PageCache;
        return evicting;
    }

    private static SafeFileHandle OpenEvicting(SafeFileHandle folder, string name, string shown, int flags)
    {
        var handle = Handle(OpenAt(folder, name, ORdOnly | OCloexec | flags, 0), shown, "cannot open for the verification re-read");

        // A sequential read: the kernel doubles its readahead.
        _ = PosixFadvise(handle, 0, 0, PosixFadvSequential);
        return handle;
    }

    /// <summary>Opens a file with O_DIRECT; false when the file system refuses it (EINVAL).</summary>
    internal static bool TryOpenDirect(string path, [NotNullWhen(true)] out IVerificationReader? reader) => TryOpenDirectAt(WorkingDirectory, path, path, 0, out reader);

    private static bool TryOpenDirectAt(SafeFileHandle folder, string name, string shown, int flags, [NotNullWhen(true)] out IVerificationReader? reader)
    {
        var fd = OpenAt(folder, name, ORdOnly | ODirect | OCloexec | flags, 0);
        if (fd >= 0)
        {
            reader = new DirectReader(new SafeFileHandle(fd, ownsHandle: true));
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        reader = null;
        return errno == EInval ? false : throw Failure(shown, "cannot open for the verification re-read", errno);
    }

    /// <summary>The descriptor, or the error that kept it from being opened, naming the file and the cause.</summary>
    internal static SafeFileHandle Handle(int fd, string shown, string what) =>
        fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Failure(shown, what, Marshal.GetLastPInvokeError());

    internal static IOException Failure(string shown, string what, int errno) => errno switch
    {
        ELoop => new IOException($"{shown}: {what}: a link in the way is never followed"),
        ENoEnt => new FileNotFoundException($"{shown}: {what}: {Marshal.GetPInvokeErrorMessage(errno)}", shown),
        _ => new IOException($"{shown}: {what}: {Marshal.GetPInvokeErrorMessage(errno)}"),
    };

    public void SetLastModified(string path, DateTimeOffset time) => File.SetLastWriteTimeUtc(path, time.UtcDateTime);

    public void Rename(string from, string to, bool replace = false) => File.Move(from, to, overwrite: replace);

    public void FlushDirectory(string directory)
    {
        var fd = Open(directory, ORdOnly | ODirectory | OCloexec);
        if (fd < 0)
        {
            throw new IOException($"{directory}: cannot open folder to flush it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"{directory}: fsync of the folder failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public void Delete(string path)
    {
        if (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            File.Delete(path);
        }
    }

    public void CreateSymlink(string path, string target) => File.CreateSymbolicLink(path, target);

    /// <summary>A tree the kernel keeps beneath its root (descriptors, O_NOFOLLOW), not a joined path checked first.</summary>
    public IDestinationTree OpenDestination(string root) => new LinuxDestinationTree(this, root);

    /// <summary>True on tmpfs and ramfs (statfs f_type), where a re-read can only come from memory.</summary>
    internal static bool IsMemoryBacked(string path)
    {
        // struct statfs on 64-bit Linux starts with f_type as a long.
        Span<long> buffer = stackalloc long[32];
        return StatFs(path, ref MemoryMarshal.GetReference(buffer)) == 0 && IsMemoryFileSystem(buffer[0]);
    }

    /// <summary>The same for an open folder (an O_PATH descriptor will do).</summary>
    internal static bool IsMemoryBacked(SafeFileHandle folder)
    {
        Span<long> buffer = stackalloc long[32];
        return FStatFs(folder, ref MemoryMarshal.GetReference(buffer)) == 0 && IsMemoryFileSystem(buffer[0]);
    }

    private static bool IsMemoryFileSystem(long type)
    {
        const long TmpfsMagic = 0x01021994;
        const long RamfsMagic = unchecked((long)0x858458f6);
        return type is TmpfsMagic or RamfsMagic;
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatFs(string path, ref long buffer);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "posix_fadvise", SetLastError = false)]
    private static partial int PosixFadvise(SafeFileHandle fd, long offset, long length, int advice);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = false)]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long length, int flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenAt(SafeFileHandle folder, string name, int flags, int mode);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    private static partial int FStatFs(SafeFileHandle fd, ref long buffer);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(SafeFileHandle fd);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    internal sealed class Reader(SafeFileHandle handle) : IOffloadReader
    {
        public SafeFileHandle Handle { get; } = handle;

        public long Length => RandomAccess.GetLength(Handle);

        public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
            RandomAccess.ReadAsync(Handle, buffer, offset, cancellationToken);

        public int Read(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return RandomAccess.Read(Handle, buffer.Span, offset);
        }

        public void Dispose() => Handle.Dispose();
    }

    /// <summary>
    /// Reads a written-out file from the drive through the page cache: each range's clean pages are dropped
    /// (POSIX_FADV_DONTNEED) once it reached the drive and before it is read, so what the writer left in the cache (or
    /// readahead ran into before the range was written out) is never what gets hashed. Once per range, not per read:
    /// dropping per read would throw away the readahead of the next block.
    /// </summary>
    internal sealed class EvictingReader : IVerificationReader
    {
        private readonly SafeFileHandle _handle;

        /// <param name="handle">The copy, opened to read.</param>
        /// <param name="evict">False on a memory file system, where the pages are the storage: no advice to give.</param>
        public EvictingReader(SafeFileHandle handle, bool evict = true)
        {
            _handle = handle;
            Evicts = evict && PosixFadvise(_handle, 0, 0, PosixFadvDontNeed) == 0;
        }

        /// <summary>False when the OS refused the advice: the re-read may then come from the page cache.</summary>
        public bool Evicts { get; }

        public long Length => RandomAccess.GetLength(_handle);

        public int ReadsInFlight => 1;

        public void DropCached(long offset, long length)
        {
            if (Evicts)
            {
                _ = PosixFadvise(_handle, offset, length, PosixFadvDontNeed);
            }
        }

        public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
            RandomAccess.ReadAsync(_handle, buffer, offset, cancellationToken);

        public int Read(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return RandomAccess.Read(_handle, buffer.Span, offset);
        }

        public void Dispose() => _handle.Dispose();
    }

    /// <summary>
    /// Reads with O_DIRECT: straight from the drive into aligned memory. A caller's unaligned buffer or offset goes
    /// through an aligned bounce buffer, so any caller is served; the engine passes aligned ones and reads in place.
    /// </summary>
    internal sealed class DirectReader(SafeFileHandle handle) : IVerificationReader
    {
        private AlignedBuffer? _bounce;

        public long Length => RandomAccess.GetLength(handle);

        public int ReadsInFlight => 4;

        public void DropCached(long offset, long length)
        {
            // O_DIRECT reads never come from the cache.
        }

        public async ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (InPlace(buffer, offset) is var whole and > 0)
            {
                return await RandomAccess.ReadAsync(handle, buffer[..whole], offset, cancellationToken);
            }

            var (start, skip, span) = Bounce(offset, buffer.Length);
            return Unbounce(await RandomAccess.ReadAsync(handle, _bounce!.Memory[..span], start, cancellationToken), skip, buffer);
        }

        public int Read(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (InPlace(buffer, offset) is var whole and > 0)
            {
                return RandomAccess.Read(handle, buffer.Span[..whole], offset);
            }

            var (start, skip, span) = Bounce(offset, buffer.Length);
            return Unbounce(RandomAccess.Read(handle, _bounce!.Memory.Span[..span], start), skip, buffer);
        }

        /// <summary>
        /// The part of a read that can go straight into the caller's buffer: all of it, in whole blocks, when it starts
        /// aligned in aligned memory (the last, short block of the file still reads whole); 0 when it needs the bounce.
        /// </summary>
        private static int InPlace(Memory<byte> buffer, long offset) =>
            offset % AlignedBuffer.Alignment == 0 && AlignedBuffer.IsAligned(buffer) && buffer.Length >= AlignedBuffer.Alignment
                ? buffer.Length & ~(AlignedBuffer.Alignment - 1)
                : 0;

        /// <summary>The aligned range around an unaligned read, with a bounce buffer large enough for it.</summary>
        private (long Start, int Skip, int Span) Bounce(long offset, int length)
        {
            var start = AlignedBuffer.RoundDown(offset);
            var skip = (int)(offset - start);
            var span = AlignedBuffer.RoundUp(skip + length);
            if (_bounce is null || _bounce.Length < span)
            {
                ((IDisposable?)_bounce)?.Dispose();
                _bounce = new AlignedBuffer(span);
            }

            return (start, skip, span);
        }

        private int Unbounce(int read, int skip, Memory<byte> buffer)
        {
            var useful = Math.Clamp(read - skip, 0, buffer.Length);
            _bounce!.Memory.Slice(skip, useful).CopyTo(buffer);
            return useful;
        }

        public void Dispose()
        {
            ((IDisposable?)_bounce)?.Dispose();
            handle.Dispose();
        }
    }

    internal sealed class Writer(SafeFileHandle handle, string path) : IOffloadWriter
    {
        private const int SyncFileRangeWaitBefore = 1;
        private const int SyncFileRangeWrite = 2;
        private const int SyncFileRangeWaitAfter = 4;

        // Writeback is started by the verifier's write-out of each step, on its thread: submitting it here would block
        // the writer whenever the drive's queue is full, and the card read behind it.
        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken) =>
            RandomAccess.WriteAsync(handle, data, offset, cancellationToken);

        public void Write(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RandomAccess.Write(handle, data.Span, offset);
        }

        public void WriteOut(long offset, long length)
        {
            if (SyncFileRange(handle, offset, length, SyncFileRangeWaitBefore | SyncFileRangeWrite | SyncFileRangeWaitAfter) != 0)
            {
                // Not every file system has sync_file_range: fall back to a full flush, which covers the range too.
                FlushToDisk();
            }
        }

        /// <summary>fdatasync: the data and the size needed to read it back are durable; mtime is set later anyway.</summary>
        public void FlushToDisk()
        {
            if (Fdatasync(handle) != 0)
            {
                throw new IOException($"{path}: flushing the copy to the drive failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }

        public void Dispose() => handle.Dispose();
    }
}
