using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace InterPositive.Offload.FileSystem;

/// <summary>The real file system on Linux: fsync through FileStream, page-cache eviction with posix_fadvise.</summary>
public sealed partial class LinuxFileSystem : IOffloadFileSystem
{
    private const int PosixFadvDontNeed = 4;
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000;

    public static LinuxFileSystem Instance { get; } = new();

    public FsEntry? Stat(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target)
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

    public IOffloadReader OpenRead(string path) => new Reader(path, FileShare.ReadWrite | FileShare.Delete);

    public IOffloadWriter Create(string path) => new Writer(path);

    public IOffloadReader OpenForVerification(string path, out string reReadMode)
    {
        var reader = new Reader(path, FileShare.Read);
        try
        {
            // The data was fsynced, so its pages are clean and DONTNEED evicts them: the next read goes to the drive.
            // On a memory file system (tmpfs, ramfs) the pages are the storage: nothing to evict, say so.
            var evicted = PosixFadvise(reader.Handle, 0, 0, PosixFadvDontNeed) == 0;
            reReadMode = evicted && !IsMemoryBacked(path) ? ReReadModes.Fadvise : ReReadModes.PageCache;
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public void SetLastModified(string path, DateTimeOffset time) => File.SetLastWriteTimeUtc(path, time.UtcDateTime);

    public void Rename(string from, string to, bool replace = false) => File.Move(from, to, overwrite: replace);

    public void FlushDirectory(string directory)
    {
        var fd = Open(directory, ORdOnly | ODirectory);
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

    /// <summary>True on tmpfs and ramfs (statfs f_type), where a re-read can only come from memory.</summary>
    internal static bool IsMemoryBacked(string path)
    {
        const long TmpfsMagic = 0x01021994;
        const long RamfsMagic = unchecked((long)0x858458f6);
        Span<long> buffer = stackalloc long[32];
        if (StatFs(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return false;
        }

        // struct statfs on 64-bit Linux starts with f_type as a long.
        return buffer[0] is TmpfsMagic or RamfsMagic;
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatFs(string path, ref long buffer);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "posix_fadvise", SetLastError = false)]
    private static partial int PosixFadvise(SafeFileHandle fd, long offset, long length, int advice);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    private sealed class Reader(string path, FileShare share) : IOffloadReader
    {
        public SafeFileHandle Handle { get; } = File.OpenHandle(path, FileMode.Open, FileAccess.Read, share, FileOptions.SequentialScan | FileOptions.Asynchronous);

        public long Length => RandomAccess.GetLength(Handle);

        public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
            RandomAccess.ReadAsync(Handle, buffer, offset, cancellationToken);

        public void Dispose() => Handle.Dispose();
    }

    private sealed class Writer(string path) : IOffloadWriter
    {
        private readonly FileStream stream = new(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0, Options = FileOptions.Asynchronous });

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken) =>
            RandomAccess.WriteAsync(stream.SafeFileHandle, data, offset, cancellationToken);

        public void FlushToDisk() => stream.Flush(flushToDisk: true);

        public void Dispose() => stream.Dispose();
    }
}
