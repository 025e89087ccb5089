using System.Collections.Concurrent;

namespace InterPositive.Offload.FileSystem;

/// <summary>
/// A destination root that everything of a copy is created beneath: every path is relative to the root and may
/// name no link on the way (a crafted card, or another card's links left in the folder, must never send a write
/// outside it). Paths use '/' separators and have no "." or ".." components.
/// </summary>
public interface IDestinationTree : IDisposable
{
    /// <summary>The root folder, absolute.</summary>
    string Root { get; }

    /// <summary>lstat beneath the root ("" is the root itself); null when nothing is there.</summary>
    FsEntry? Stat(string relative);

    /// <summary>Creates a folder and its missing parents beneath the root; a link in the way is an error.</summary>
    void CreateDirectory(string relative);

    /// <summary>Creates (truncating) a file to write; the parent folder exists.</summary>
    IOffloadWriter Create(string relative);

    /// <summary>Creates (truncating) a copy's temporary file for a card file of that size (see <see cref="IOffloadFileSystem.CreateCopy"/>).</summary>
    IOffloadWriter CreateCopy(string relative, long size, out string writeMode);

    /// <summary>Opens a file of the copy to read (its ASC MHL chain); a link is refused, not followed.</summary>
    IOffloadReader OpenRead(string relative);

    /// <summary>Opens a flushed file for the verification re-read (see <see cref="IOffloadFileSystem.OpenForVerification(string, out string)"/>).</summary>
    IVerificationReader OpenForVerification(string relative, out string reReadMode);

    /// <summary>The same, with O_DIRECT when <paramref name="direct"/> (a copy written with it).</summary>
    IVerificationReader OpenForVerification(string relative, bool direct, out string reReadMode);

    void SetLastModified(string relative, DateTimeOffset time);

    /// <summary>Renames within the tree; fails if the target exists unless <paramref name="replace"/>.</summary>
    void Rename(string from, string to, bool replace = false);

    /// <summary>fsync of a folder beneath the root ("" is the root).</summary>
    void FlushDirectory(string relative);

    /// <summary>Removes a file or link (never a folder); nothing when absent.</summary>
    void Delete(string relative);

    /// <summary>Creates a symbolic link; <see cref="LinksUnsupportedException"/> where the file system holds none.</summary>
    void CreateSymlink(string relative, string target);
}

/// <summary>
/// The destination's file system cannot hold a symbolic link (exFAT and FAT shuttle drives): the link is left out of
/// that copy and said so, while the copy's files stay verified.
/// </summary>
public sealed class LinksUnsupportedException(string message) : IOException(message);

/// <summary>
/// A destination tree over any <see cref="IOffloadFileSystem"/> by joining paths, with every existing component
/// checked (lstat) not to be a link before it is used, and the last component opened with O_NOFOLLOW where it is
/// read. The real file system has <see cref="LinuxDestinationTree"/>, which the kernel keeps beneath its root with no
/// window between check and use; this one serves a test's fault-injecting file system, so its faults still apply.
/// A folder on the way once seen to be a real folder is not checked again: the run only ever adds files and links
/// beside its folders, never in place of one. The last component is checked on every use.
/// </summary>
public sealed class PathDestinationTree(IOffloadFileSystem fs, string root) : IDestinationTree
{
    private readonly ConcurrentDictionary<string, byte> _folders = new(StringComparer.Ordinal);

    public string Root { get; } = root;

    public FsEntry? Stat(string relative) => fs.Stat(Resolve(relative, leafMayBeLink: true));

    public void CreateDirectory(string relative)
    {
        var path = Root;
        foreach (var part in Parts(relative))
        {
            path = Path.Combine(path, part);
            if (_folders.ContainsKey(path))
            {
                continue;
            }

            var entry = fs.Stat(path);
            if (entry is null)
            {
                fs.CreateDirectory(path);
                if (fs.Stat(path) is not { Kind: EntryKind.Directory })
                {
                    throw new IOException($"{path}: not a folder once created");
                }
            }
            else if (entry.Kind != EntryKind.Directory)
            {
                throw new IOException($"{path}: in the way of a folder of the copy (a {entry.Kind.ToString().ToLowerInvariant()})");
            }

            _folders.TryAdd(path, 0);
        }
    }

    public IOffloadWriter Create(string relative) => fs.Create(Resolve(relative, leafMayBeLink: false));

    public IOffloadWriter CreateCopy(string relative, long size, out string writeMode) => fs.CreateCopy(Resolve(relative, leafMayBeLink: false), size, out writeMode);

    public IVerificationReader OpenForVerification(string relative, bool direct, out string reReadMode) => fs.OpenForVerification(Resolve(relative, leafMayBeLink: false), direct, out reReadMode);

    public IOffloadReader OpenRead(string relative) => fs.OpenReadNoFollow(Resolve(relative, leafMayBeLink: false));

    public IVerificationReader OpenForVerification(string relative, out string reReadMode) => fs.OpenForVerification(Resolve(relative, leafMayBeLink: false), out reReadMode);

    public void SetLastModified(string relative, DateTimeOffset time) => fs.SetLastModified(Resolve(relative, leafMayBeLink: false), time);

    public void Rename(string from, string to, bool replace = false) => fs.Rename(Resolve(from, leafMayBeLink: false), Resolve(to, leafMayBeLink: false), replace);

    public void FlushDirectory(string relative) => fs.FlushDirectory(Resolve(relative, leafMayBeLink: false));

    public void Delete(string relative) => fs.Delete(Resolve(relative, leafMayBeLink: true));

    public void CreateSymlink(string relative, string target) => fs.CreateSymlink(Resolve(relative, leafMayBeLink: false), target);

    public void Dispose()
    {
        // Nothing held: every call goes through the file system by path.
    }

    /// <summary>Splits a relative path, refusing anything that could leave the root by its spelling.</summary>
    internal static string[] Parts(string relative)
    {
        if (relative.Length == 0)
        {
            return [];
        }

        var parts = relative.Split('/');
        if (relative.StartsWith('/') || parts.Any(p => p is "" or "." or ".." || p.Contains('\0', StringComparison.Ordinal)))
        {
            throw new IOException($"{relative}: not a plain path beneath the destination");
        }

        return parts;
    }

    private string Resolve(string relative, bool leafMayBeLink)
    {
        var parts = Parts(relative);
        var path = Root;
        for (var i = 0; i < parts.Length; i++)
        {
            path = Path.Combine(path, parts[i]);
            var last = i == parts.Length - 1;
            if (last ? leafMayBeLink : _folders.ContainsKey(path))
            {
                continue;
            }

            var entry = fs.Stat(path);
            if (entry is { Kind: EntryKind.Symlink })
            {
                throw new IOException($"{path}: a link in the destination is never followed");
            }

            if (!last && entry is { Kind: EntryKind.Directory })
            {
                _folders.TryAdd(path, 0);
            }
        }

        return path;
    }
}

/// <summary>
/// A destination whose card folder could not be made or opened (a pulled drive, no permission, a link put in its
/// place): every use fails with why, so the run marks the destination broken and nothing is written through it.
/// </summary>
public sealed class UnreachableDestinationTree(string root, string why) : IDestinationTree
{
    public string Root { get; } = root;

    public FsEntry? Stat(string relative) => throw Refused();

    public void CreateDirectory(string relative) => throw Refused();

    public IOffloadWriter Create(string relative) => throw Refused();

    public IOffloadWriter CreateCopy(string relative, long size, out string writeMode) => throw Refused();

    public IOffloadReader OpenRead(string relative) => throw Refused();

    public IVerificationReader OpenForVerification(string relative, out string reReadMode) => throw Refused();

    public IVerificationReader OpenForVerification(string relative, bool direct, out string reReadMode) => throw Refused();

    public void SetLastModified(string relative, DateTimeOffset time) => throw Refused();

    public void Rename(string from, string to, bool replace = false) => throw Refused();

    public void FlushDirectory(string relative) => throw Refused();

    public void Delete(string relative) => throw Refused();

    public void CreateSymlink(string relative, string target) => throw Refused();

    public void Dispose()
    {
        // Nothing was opened.
    }

    private IOException Refused() => new(why);
}
