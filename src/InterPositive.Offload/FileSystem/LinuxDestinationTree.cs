using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace InterPositive.Offload.FileSystem;

// Every handle opened here is handed to the reader, writer or tree that owns it and disposes it.
#pragma warning disable CA2000

/// <summary>
/// A destination tree resolved by the kernel: the root is held open, and every path beneath it is opened with
/// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) (or, on a kernel without openat2, one O_NOFOLLOW openat per
/// component), the last component then made, opened or renamed relative to its parent folder's descriptor with no
/// link followed. A link anywhere in the way is an error (ELOOP), never a way out of the destination.
/// </summary>
internal sealed partial class LinuxDestinationTree : IDestinationTree
{
    private const int OWrOnly = 0x1;
    private const int OCreat = 0x40;
    private const int OTrunc = 0x200;
    private const int OPath = 0x200000;
    private const int OCloexec = 0x80000;
    private const long ResolveNoSymlinks = 0x04;
    private const long ResolveBeneath = 0x08;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint RenameNoReplace = 1;
    private const long UtimeOmit = (1L << 30) - 2;
    private const int EExist = 17;
    private const int ENoEnt = 2;
    private const int EIsDir = 21;
    private const int EInval = 22;
    private const int ENoSys = 38;

    // openat2 has one number on every architecture (it came after the syscall tables were unified).
    private const long SysOpenat2 = 437;

    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
    private static readonly int ODirectory = Arm ? 0x4000 : 0x10000;
    private static readonly int ONoFollow = Arm ? 0x8000 : 0x20000;
    private static readonly int ODirect = Arm ? 0x10000 : 0x4000;
    private static bool _noOpenat2;

    private readonly SafeFileHandle _root;
    private readonly bool _directReReads;

    public LinuxDestinationTree(string root, bool directReReads)
    {
        Root = root;
        _directReReads = directReReads;
        _root = Handle(Open(root, OPath | ODirectory | ONoFollow | OCloexec), root, "cannot open the destination folder");
    }

    public string Root { get; }

    public FsEntry? Stat(string relative)
    {
        if (relative.Length == 0)
        {
            return LinuxFileSystem.Instance.Stat(Root);
        }

        using var parent = OpenParent(relative, out var name);

        // Through the parent's descriptor: /proc/self/fd/N is the folder itself, and the last component is lstat'ed.
        var entry = LinuxFileSystem.Instance.Stat(ProcPath(parent) + "/" + name);
        return entry is null ? null : entry with { Name = name };
    }

    public void CreateDirectory(string relative)
    {
        var parts = PathDestinationTree.Parts(relative);
        for (var i = 1; i <= parts.Length; i++)
        {
            var prefix = string.Join('/', parts[..i]);
            using var parent = OpenParent(prefix, out var name);
            if (MkdirAt(parent, name, Convert.ToUInt32("777", 8)) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != EExist)
            {
                throw Error(prefix, "cannot create the folder", errno);
            }

            // What is there now must be a folder reached through no link.
            using var made = OpenBeneath(prefix, OPath | ODirectory | OCloexec);
        }
    }

    public IOffloadWriter Create(string relative)
    {
        using var parent = OpenParent(relative, out var name);
        var fd = OpenAt(parent, name, OWrOnly | OCreat | OTrunc | ONoFollow | OCloexec, Convert.ToUInt32("666", 8));
        return new LinuxFileSystem.Writer(Handle(fd, relative, "cannot create"), Path.Combine(Root, relative));
    }

    public IOffloadReader OpenRead(string relative)
    {
        using var parent = OpenParent(relative, out var name);
        return new LinuxFileSystem.Reader(Handle(OpenAt(parent, name, ONoFollow | OCloexec, 0), relative, "cannot open"));
    }

    public IVerificationReader OpenForVerification(string relative, out string reReadMode)
    {
        using var parent = OpenParent(relative, out var name);
        if (LinuxFileSystem.IsMemoryBacked(ProcPath(parent)))
        {
            reReadMode = ReReadModes.PageCache;
            return new LinuxFileSystem.EvictingReader(Handle(OpenAt(parent, name, ONoFollow | OCloexec, 0), relative, "cannot open for the verification re-read"));
        }

        if (_directReReads)
        {
            var direct = OpenAt(parent, name, ODirect | ONoFollow | OCloexec, 0);
            if (direct >= 0)
            {
                reReadMode = ReReadModes.Direct;
                return new LinuxFileSystem.DirectReader(new SafeFileHandle(direct, ownsHandle: true));
            }

            if (Marshal.GetLastPInvokeError() is var errno && errno != EInval)
            {
                throw Error(relative, "cannot open for the verification re-read", errno);
            }
        }

        var reader = new LinuxFileSystem.EvictingReader(Handle(OpenAt(parent, name, ONoFollow | OCloexec, 0), relative, "cannot open for the verification re-read"));
        reReadMode = reader.Evicts ? ReReadModes.Fadvise : ReReadModes.PageCache;
        return reader;
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
            Check(UtimensAt(AtFdCwd, Root, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow), relative, "cannot set the modification time");
            return;
        }

        using var parent = OpenParent(relative, out var name);
        Check(UtimensAt(parent, name, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow), relative, "cannot set the modification time");
    }

    public void Rename(string from, string to, bool replace = false)
    {
        using var fromParent = OpenParent(from, out var fromName);
        using var toParent = OpenParent(to, out var toName);
        Check(RenameAt2(fromParent, fromName, toParent, toName, replace ? 0 : RenameNoReplace), to, $"cannot rename {from} to it");
    }

    public void FlushDirectory(string relative)
    {
        using var folder = OpenBeneath(relative.Length == 0 ? "." : relative, ODirectory | OCloexec);
        if (Fsync(folder) != 0)
        {
            throw Error(relative, "fsync of the folder failed", Marshal.GetLastPInvokeError());
        }
    }

    public void Delete(string relative)
    {
        using var parent = OpenParent(relative, out var name);
        if (UnlinkAt(parent, name, 0) != 0 && Marshal.GetLastPInvokeError() is var errno && errno is not ENoEnt and not EIsDir)
        {
            throw Error(relative, "cannot delete", errno);
        }
    }

    public void CreateSymlink(string relative, string target)
    {
        using var parent = OpenParent(relative, out var name);
        Check(SymlinkAt(target, parent, name), relative, "cannot create the link");
    }

    public void Dispose() => _root.Dispose();

    private static string ProcPath(SafeFileHandle folder) => "/proc/self/fd/" + folder.DangerousGetHandle().ToInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The folder a path's last component is in, opened beneath the root through no link.</summary>
    private SafeFileHandle OpenParent(string relative, out string name)
    {
        var parts = PathDestinationTree.Parts(relative);
        if (parts.Length == 0)
        {
            throw new IOException($"{Root}: the destination root has no parent to work in");
        }

        name = parts[^1];
        return OpenBeneath(parts.Length == 1 ? "." : string.Join('/', parts[..^1]), OPath | ODirectory | OCloexec);
    }

    private SafeFileHandle OpenBeneath(string relative, int flags)
    {
        if (!Volatile.Read(ref _noOpenat2))
        {
            Span<long> how = [flags, 0, ResolveBeneath | ResolveNoSymlinks];
            var fd = (int)Openat2(SysOpenat2, _root, relative, ref MemoryMarshal.GetReference(how), sizeof(long) * 3);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != ENoSys)
            {
                throw Error(relative, "cannot open beneath the destination (a link in the way is never followed)", errno);
            }

            Volatile.Write(ref _noOpenat2, true);
        }

        // No openat2: one component at a time, none of them followed if it is a link.
        var parts = relative == "." ? [] : PathDestinationTree.Parts(relative);
        var current = Handle(OpenAt(_root, ".", OPath | ODirectory | OCloexec, 0), relative, "cannot open the destination");
        for (var i = 0; i < parts.Length; i++)
        {
            var last = i == parts.Length - 1;
            using var previous = current;
            current = Handle(OpenAt(previous, parts[i], (last ? flags : OPath | ODirectory | OCloexec) | ONoFollow, 0), relative, "cannot open beneath the destination (a link in the way is never followed)");
        }

        return current;
    }

    private SafeFileHandle Handle(int fd, string relative, string what) => fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Error(relative, what, Marshal.GetLastPInvokeError());

    private void Check(int result, string relative, string what)
    {
        if (result != 0)
        {
            throw Error(relative, what, Marshal.GetLastPInvokeError());
        }
    }

    private IOException Error(string relative, string what, int errno) =>
        new($"{(relative.Length == 0 ? Root : Path.Combine(Root, relative))}: {what}: {Marshal.GetPInvokeErrorMessage(errno)}");

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Openat2(long number, SafeFileHandle dirfd, string path, ref long how, nuint size);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(SafeFileHandle dirfd, string path, int flags, uint mode);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAt(SafeFileHandle dirfd, string path, uint mode);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(SafeFileHandle dirfd, string path, int flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(SafeFileHandle fromDir, string from, SafeFileHandle toDir, string to, uint flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SymlinkAt(string target, SafeFileHandle dirfd, string path);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UtimensAt(SafeFileHandle dirfd, string path, ref long times, int flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UtimensAt(int dirfd, string path, ref long times, int flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(SafeFileHandle fd);
}
