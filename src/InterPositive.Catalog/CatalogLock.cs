using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace InterPositive.Catalog;

/// <summary>
/// An exclusive operating-system lock on a catalog (and so on its data folder): <c>flock(LOCK_EX|LOCK_NB)</c> on
/// <c>CATALOG.lock</c>, held for as long as the process has the catalog open and released by the kernel when the
/// process ends, however it ends. LiteDB's own file sharing does not keep a second process out: in direct mode it opens
/// the file with <c>FileShare.Read</c>, which .NET maps to a shared <c>flock</c>, so two processes writing one file both
/// succeed and lose each other's pages.
/// </summary>
/// <remarks>
/// The lock file is opened with <c>open(2)</c> rather than <see cref="FileStream"/>: .NET takes its own <c>flock</c> on
/// every <see cref="FileStream"/> (shared, or exclusive for <see cref="FileShare.None"/>) unless
/// <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> is set, which would silently turn this lock off, and would stop a second
/// process from reading who holds it. The holder writes one line saying who it is, for the refusal message.
/// </remarks>
public sealed partial class CatalogLock : IDisposable
{
    private const int OpenReadWrite = 2;
    private const int OpenCreate = 0x40;
    private const int OpenCloseOnExec = 0x80000;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int WouldBlock = 11;
    private const int OwnerOnly = 0x180; // 0600

    private readonly SafeFileHandle _handle;

    private CatalogLock(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The lock file: the catalog's path with <c>.lock</c> appended.</summary>
    public string Path { get; }

    /// <summary>The lock file that guards <paramref name="catalogPath"/>.</summary>
    public static string PathFor(string catalogPath) => System.IO.Path.GetFullPath(catalogPath) + ".lock";

    /// <summary>
    /// Takes the lock without waiting. <paramref name="holder"/> describes this process for whoever is refused
    /// ("interpositive serve, API http://…"). Throws <see cref="CatalogLockedException"/> when another open file
    /// (another process, or another open in this one) holds it.
    /// </summary>
    public static CatalogLock Acquire(string catalogPath, string holder)
    {
        var path = PathFor(catalogPath);
        var folder = System.IO.Path.GetDirectoryName(path)!;
        CatalogFiles.CreateFolder(folder);
        var fd = OpenFile(path, OpenReadWrite | OpenCreate | OpenCloseOnExec, OwnerOnly);
        if (fd < 0)
        {
            throw new IOException($"{path}: cannot open the catalog's lock file ({Marshal.GetLastPInvokeErrorMessage()})");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (Flock(handle, LockExclusive | LockNonBlocking) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == WouldBlock)
                {
                    throw new CatalogLockedException(folder, ReadHolder(handle));
                }

                throw new IOException($"{path}: cannot lock the catalog ({Marshal.GetPInvokeErrorMessage(errno)})");
            }

            var line = Encoding.UTF8.GetBytes($"{holder} (pid {Environment.ProcessId})\n");
            RandomAccess.SetLength(handle, 0);
            RandomAccess.Write(handle, line, 0);
            return new CatalogLock(handle, path);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Releases the lock (closing the file releases the <c>flock</c>). The file stays: deleting it would race.</summary>
    public void Dispose() => _handle.Dispose();

    private static string? ReadHolder(SafeFileHandle handle)
    {
        var buffer = new byte[512];
        var read = RandomAccess.Read(handle, buffer, 0);
        var text = Encoding.UTF8.GetString(buffer, 0, read).Trim();
        return text.Length == 0 ? null : text;
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags, int mode);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);
}

/// <summary>Another process (or another open in this one) holds the catalog: its folder and, when known, who.</summary>
public sealed class CatalogLockedException(string folder, string? holder) : IOException(
    $"{folder}: the data folder is in use by {holder ?? "another interpositive process"}; stop it first, or while the service runs go through its API (/api/v1) with an operator token")
{
    public string Folder { get; } = folder;

    public string? Holder { get; } = holder;
}

/// <summary>What we create in the data folder is ours alone: folders 0700, files 0600.</summary>
public static class CatalogFiles
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="folder"/> and its missing parents 0700; existing folders keep their mode.</summary>
    public static void CreateFolder(string folder)
    {
        // Directory.CreateDirectory(path, mode) gives the mode to the last folder only; the parents it makes get 0755.
        var missing = new Stack<string>();
        for (var current = Path.GetFullPath(folder); !string.IsNullOrEmpty(current) && !Directory.Exists(current); current = Path.GetDirectoryName(current))
        {
            missing.Push(current);
        }

        while (missing.TryPop(out var next))
        {
            Directory.CreateDirectory(next, FolderMode);
        }
    }

    /// <summary>
    /// Creates <paramref name="path"/> empty and 0600 when absent, so that a library that later opens it (LiteDB does
    /// with the process umask, 0644 by default) finds it already private; an existing file is made 0600.
    /// </summary>
    public static void CreatePrivateFile(string path)
    {
        try
        {
            using var created = new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.ReadWrite, UnixCreateMode = FileMode });
        }
        catch (IOException) when (File.Exists(path))
        {
            File.SetUnixFileMode(path, FileMode);
        }
    }
}
