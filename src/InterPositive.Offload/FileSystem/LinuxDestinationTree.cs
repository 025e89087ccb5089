using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace InterPositive.Offload.FileSystem;

// Every handle opened here is handed to the reader, writer or folder cache that owns it and disposes it.
#pragma warning disable CA2000

/// <summary>
/// A destination tree the kernel keeps beneath its root: the root is held open, each folder is opened once, relative
/// to its parent's descriptor with O_NOFOLLOW, and every file is then created, opened, stat'ed, renamed or removed
/// relative to its folder's descriptor with no link followed. A link anywhere in the way is an error, never a way out
/// of the destination, and there is no window between a check and its use: what was checked is the descriptor used.
/// A file costs one openat where a joined path cost a walk of lstat calls.
/// </summary>
internal sealed partial class LinuxDestinationTree : IDestinationTree
{
    /// <summary>Folders kept open per tree; a card with more opens the rest per use, from the nearest one kept open.</summary>
    internal const int MaxOpenFolders = 1024;

    private const int OPath = 0x200000;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasic = 0x7ff;
    private const uint RenameNoReplace = 1;
    private const long UtimeOmit = (1L << 30) - 2;
    private const int EPerm = 1;
    private const int ENoSys = 38;
    private const int EOpNotSupp = 95;
    private const int ENotDir = 20;
    private const int EIsDir = 21;
    private const int EExist = 17;
    private const int FolderMode777 = 0x1FF;

    private static readonly int FolderFlags = OPath | LinuxFileSystem.ODirectory | LinuxFileSystem.ONoFollow | LinuxFileSystem.OCloexec;

    private readonly LinuxFileSystem _fs;
    private readonly ConcurrentDictionary<string, Folder> _folders = new(StringComparer.Ordinal);

    public LinuxDestinationTree(LinuxFileSystem fs, string root)
    {
        _fs = fs;
        Root = root;

        // The drive's own path may pass through links (a mount point's alias); the card's folder itself may not.
        var handle = LinuxFileSystem.Handle(LinuxFileSystem.OpenAt(LinuxFileSystem.WorkingDirectory, root, FolderFlags, 0), root, "cannot open the destination folder");
        _folders[""] = new Folder(handle, LinuxFileSystem.IsMemoryBacked(handle));
    }

    public string Root { get; }

    public FsEntry? Stat(string relative)
    {
        if (relative.Length == 0)
        {
            return StatAt(_folders[""].Handle, "", Path.GetFileName(Root), AtEmptyPath | AtSymlinkNoFollow);
        }

        if (!TryParent(relative, out var name, out var parent))
        {
            return null;
        }

        using (parent)
        {
            return StatAt(parent.Handle, name, name, AtSymlinkNoFollow);
        }
    }

    public void CreateDirectory(string relative)
    {
        if (relative.Length == 0)
        {
            return;
        }

        if (!TryOpenFolder(relative, create: true, out var folder))
        {
            throw LinuxFileSystem.Failure(Shown(relative), "cannot create the folder", LinuxFileSystem.ENoEnt);
        }

        folder.Dispose();
    }

    public IOffloadWriter Create(string relative)
    {
        using var parent = Parent(relative, out var name);
        return LinuxFileSystem.CreateAt(parent.Handle, name, Shown(relative), LinuxFileSystem.ONoFollow);
    }

    public IOffloadWriter CreateCopy(string relative, long size, out string writeMode)
    {
        using var parent = Parent(relative, out var name);
        return _fs.CreateCopyAt(parent.Handle, name, Shown(relative), size, parent.MemoryBacked, LinuxFileSystem.ONoFollow, out writeMode);
    }

    public IOffloadReader OpenRead(string relative)
    {
        using var parent = Parent(relative, out var name);
        return LinuxFileSystem.OpenReadAt(parent.Handle, name, Shown(relative), LinuxFileSystem.ONoFollow);
    }

    public IVerificationReader OpenForVerification(string relative, out string reReadMode) => OpenForVerification(relative, direct: false, out reReadMode);

    public IVerificationReader OpenForVerification(string relative, bool direct, out string reReadMode)
    {
        using var parent = Parent(relative, out var name);
        return _fs.OpenForVerificationAt(parent.Handle, name, Shown(relative), direct, parent.MemoryBacked, LinuxFileSystem.ONoFollow, out reReadMode);
    }

    public void SetLastModified(string relative, DateTimeOffset time)
    {
        // struct timespec[2]: the access time left alone, the modification time to the tick.
        var seconds = Math.DivRem(time.UtcTicks - DateTime.UnixEpoch.Ticks, TimeSpan.TicksPerSecond, out var ticks);
        if (ticks < 0)
        {
            seconds--;
            ticks += TimeSpan.TicksPerSecond;
        }

        Span<long> times = [0, UtimeOmit, seconds, ticks * 100];
        if (relative.Length == 0)
        {
            Check(UtimensAt(LinuxFileSystem.WorkingDirectory, Root, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow), relative, "cannot set the modification time");
            return;
        }

        using var parent = Parent(relative, out var name);
        Check(UtimensAt(parent.Handle, name, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow), relative, "cannot set the modification time");
    }

    public void Rename(string from, string to, bool replace = false)
    {
        using var fromParent = Parent(from, out var fromName);
        using var toParent = Parent(to, out var toName);
        if (RenameAt2(fromParent.Handle, fromName, toParent.Handle, toName, replace ? 0 : RenameNoReplace) == 0)
        {
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == LinuxFileSystem.EInval && !replace)
        {
            // A file system without RENAME_NOREPLACE (some FUSE drivers): check, then rename. Nothing else writes here.
            if (StatAt(toParent.Handle, toName, toName, AtSymlinkNoFollow) is not null)
            {
                throw LinuxFileSystem.Failure(Shown(to), $"cannot rename {from} to it", EExist);
            }

            errno = RenameAt2(fromParent.Handle, fromName, toParent.Handle, toName, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }

        if (errno != 0)
        {
            throw LinuxFileSystem.Failure(Shown(to), $"cannot rename {from} to it", errno);
        }
    }

    public void FlushDirectory(string relative)
    {
        using var folder = relative.Length == 0 ? new FolderLease(_folders[""], owned: false) : OpenFolder(relative);

        // The cached descriptor is O_PATH, which fsync refuses: "." of it opens the same folder, no link on the way.
        using var readable = LinuxFileSystem.Handle(LinuxFileSystem.OpenAt(folder.Handle, ".", LinuxFileSystem.ORdOnly | LinuxFileSystem.ODirectory | LinuxFileSystem.OCloexec, 0), Shown(relative), "cannot open the folder to flush it");
        if (Fsync(readable) != 0)
        {
            throw LinuxFileSystem.Failure(Shown(relative), "fsync of the folder failed", Marshal.GetLastPInvokeError());
        }
    }

    public void Delete(string relative)
    {
        if (!TryParent(relative, out var name, out var parent))
        {
            return;
        }

        using (parent)
        {
            if (UnlinkAt(parent.Handle, name, 0) != 0 && Marshal.GetLastPInvokeError() is var errno && errno is not LinuxFileSystem.ENoEnt and not EIsDir)
            {
                throw LinuxFileSystem.Failure(Shown(relative), "cannot delete", errno);
            }
        }
    }

    public void CreateSymlink(string relative, string target)
    {
        using var parent = Parent(relative, out var name);
        if (SymlinkAt(target, parent.Handle, name) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno is EPerm or ENoSys or EOpNotSupp
                ? new LinksUnsupportedException($"{Shown(relative)}: not made, the destination's file system holds no links ({Marshal.GetPInvokeErrorMessage(errno)})")
                : LinuxFileSystem.Failure(Shown(relative), "cannot create the link", errno);
        }
    }

    public void Dispose()
    {
        foreach (var folder in _folders.Values)
        {
            folder.Handle.Dispose();
        }

        _folders.Clear();
    }

    /// <summary>The last component of a plain relative path, and the folder it is in ("" for the root).</summary>
    private static string Split(string relative, out string parent)
    {
        var parts = PathDestinationTree.Parts(relative);
        if (parts.Length == 0)
        {
            throw new IOException("the destination root has no parent to work in");
        }

        var slash = relative.LastIndexOf('/');
        parent = slash < 0 ? "" : relative[..slash];
        return parts[^1];
    }

    private FolderLease Parent(string relative, out string name)
    {
        name = Split(relative, out var parent);
        return OpenFolder(parent);
    }

    /// <summary>The folder a path's last component is in; false when that folder is not there (nor anything under it).</summary>
    private bool TryParent(string relative, out string name, out FolderLease parent)
    {
        name = Split(relative, out var parentPath);
        return TryOpenFolder(parentPath, create: false, out parent);
    }

    private FolderLease OpenFolder(string relative)
    {
        if (!TryOpenFolder(relative, create: false, out var folder))
        {
            throw LinuxFileSystem.Failure(Shown(relative), "cannot open the folder", LinuxFileSystem.ENoEnt);
        }

        return folder;
    }

    /// <summary>
    /// A folder of the tree by its relative path, opened through its parent with O_NOFOLLOW (and made first when
    /// <paramref name="create"/>); false when it is not there, or something other than a folder or a link is.
    /// A link in the way is always an error.
    /// </summary>
    private bool TryOpenFolder(string relative, bool create, out FolderLease folder)
    {
        if (_folders.TryGetValue(relative, out var cached))
        {
            folder = new FolderLease(cached, owned: false);
            return true;
        }

        var name = Split(relative, out var parentPath);
        if (!TryOpenFolder(parentPath, create, out var parent))
        {
            folder = default;
            return false;
        }

        using (parent)
        {
            var fd = LinuxFileSystem.OpenAt(parent.Handle, name, FolderFlags, 0);
            var errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (errno == LinuxFileSystem.ENoEnt && create)
            {
                if (MkdirAt(parent.Handle, name, FolderMode777) != 0 && Marshal.GetLastPInvokeError() is var made && made != EExist)
                {
                    throw LinuxFileSystem.Failure(Shown(relative), "cannot create the folder", made);
                }

                fd = LinuxFileSystem.OpenAt(parent.Handle, name, FolderFlags, 0);
                errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            }

            if (fd < 0)
            {
                // O_PATH | O_NOFOLLOW opens a link itself, so O_DIRECTORY then answers ENOTDIR: say which it was.
                var there = errno is ENotDir or LinuxFileSystem.ELoop ? StatAt(parent.Handle, name, name, AtSymlinkNoFollow) : null;
                if (there is { Kind: EntryKind.Symlink })
                {
                    throw new IOException($"{Shown(relative)}: a link in the destination is never followed");
                }

                if (create && there is not null)
                {
                    throw new IOException($"{Shown(relative)}: in the way of a folder of the copy (a {there.Kind.ToString().ToLowerInvariant()})");
                }

                folder = default;
                return errno is LinuxFileSystem.ENoEnt or ENotDir ? false : throw LinuxFileSystem.Failure(Shown(relative), "cannot open the folder", errno);
            }

            var handle = new SafeFileHandle(fd, ownsHandle: true);
            var opened = new Folder(handle, LinuxFileSystem.IsMemoryBacked(handle));
            if (_folders.Count >= MaxOpenFolders)
            {
                folder = new FolderLease(opened, owned: true);
                return true;
            }

            if (!_folders.TryAdd(relative, opened))
            {
                handle.Dispose();
                opened = _folders[relative];
            }

            folder = new FolderLease(opened, owned: false);
            return true;
        }
    }

    /// <summary>statx of a name in a folder, links not followed: a fixed layout on every architecture, unlike stat.</summary>
    private FsEntry? StatAt(SafeFileHandle folder, string name, string shownName, int flags)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(folder, name, flags, StatxBasic, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is LinuxFileSystem.ENoEnt or ENotDir ? null : throw LinuxFileSystem.Failure(Shown(name), "cannot stat", errno);
        }

        var mode = BitConverter.ToUInt16(buffer[28..]) & 0xF000;
        var size = BitConverter.ToInt64(buffer[40..]);
        var modified = DateTimeOffset.FromUnixTimeSeconds(BitConverter.ToInt64(buffer[112..])).AddTicks(BitConverter.ToUInt32(buffer[120..]) / 100);
        return mode switch
        {
            0x8000 => new FsEntry(shownName, EntryKind.File, size, modified),
            0x4000 => new FsEntry(shownName, EntryKind.Directory, 0, modified),
            0xA000 => new FsEntry(shownName, EntryKind.Symlink, 0, modified, ReadLink(folder, name)),
            _ => new FsEntry(shownName, EntryKind.Other, size, modified),
        };
    }

    private string ReadLink(SafeFileHandle folder, string name)
    {
        var buffer = new byte[4096];
        var length = ReadLinkAt(folder, name, ref buffer[0], (nuint)buffer.Length);
        return length >= 0 ? Encoding.UTF8.GetString(buffer, 0, (int)length) : throw LinuxFileSystem.Failure(Shown(name), "cannot read the link", Marshal.GetLastPInvokeError());
    }

    private string Shown(string relative) => relative.Length == 0 ? Root : Path.Combine(Root, relative);

    private void Check(int result, string relative, string what)
    {
        if (result != 0)
        {
            throw LinuxFileSystem.Failure(Shown(relative), what, Marshal.GetLastPInvokeError());
        }
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(SafeFileHandle folder, string name, int flags, uint mask, ref byte buffer);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ReadLinkAt(SafeFileHandle folder, string name, ref byte buffer, nuint size);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAt(SafeFileHandle folder, string name, int mode);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(SafeFileHandle folder, string name, int flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(SafeFileHandle fromFolder, string from, SafeFileHandle toFolder, string to, uint flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SymlinkAt(string target, SafeFileHandle folder, string name);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UtimensAt(SafeFileHandle folder, string name, ref long times, int flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(SafeFileHandle fd);

    /// <summary>An open folder of the tree (O_PATH) and whether its file system is memory.</summary>
    private sealed record Folder(SafeFileHandle Handle, bool MemoryBacked);

    /// <summary>A folder for one call: a cached one is left open, one opened past the cache's bound is closed after.</summary>
    private readonly struct FolderLease(Folder folder, bool owned) : IDisposable
    {
        public SafeFileHandle Handle => folder.Handle;

        public bool MemoryBacked => folder.MemoryBacked;

        public void Dispose()
        {
            if (owned)
            {
                folder.Handle.Dispose();
            }
        }
    }
}
