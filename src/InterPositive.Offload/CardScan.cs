using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload;

/// <summary>A file on the card, path relative to the card root with '/' separators.</summary>
public sealed record CardFile(string Path, long Size, DateTimeOffset LastModified, bool IsHistory);

/// <summary>A folder on the card ("" is the root).</summary>
public sealed record CardFolder(string Path, DateTimeOffset LastModified);

/// <summary>
/// The card as found: files, folders (empty ones too), links, and the ASC MHL folders (history files are copied
/// like any other but never listed in a manifest, as the reference ignores <c>ascmhl</c> at any depth).
/// </summary>
public sealed record CardScan(IReadOnlyList<CardFile> Files, IReadOnlyList<CardFolder> Folders, IReadOnlyList<OffloadSymlink> Symlinks, IReadOnlyList<string> HistoryRoots)
{
    /// <summary>Suffix of the temporary name a copy is written under until it is verified.</summary>
    public const string PartialSuffix = ".ip-partial";

    /// <summary>The file in a copy's <c>ascmhl</c> folder naming the card the copy belongs to (never a card's file).</summary>
    public const string CardMarkerName = ".interpositive-card";

    public IEnumerable<CardFile> MediaFiles => Files.Where(f => !f.IsHistory);

    public long TotalBytes => Files.Sum(f => f.Size);

    /// <summary>Walks the card without following links; ignores .DS_Store and our own partial files.</summary>
    public static CardScan Scan(IOffloadFileSystem fs, string root)
    {
        var files = new List<CardFile>();
        var folders = new List<CardFolder>();
        var links = new List<OffloadSymlink>();
        var historyRoots = new List<string>();
        var rootEntry = fs.Stat(root) ?? throw new DirectoryNotFoundException($"{root}: source not found");
        if (rootEntry.Kind != EntryKind.Directory)
        {
            throw new DirectoryNotFoundException($"{root}: source is not a folder");
        }

        folders.Add(new CardFolder("", rootEntry.LastModified));
        Walk(fs, root, root, "", inHistory: false, files, folders, links, historyRoots);
        return new CardScan(files, folders, links, historyRoots);
    }

    /// <summary>True for names the ASC MHL ignore list excludes by default.</summary>
    public static bool IsIgnored(string name) => name is ".DS_Store" or CardMarkerName || name.EndsWith(PartialSuffix, StringComparison.Ordinal);

    private static void Walk(IOffloadFileSystem fs, string root, string absolute, string relative, bool inHistory, List<CardFile> files, List<CardFolder> folders, List<OffloadSymlink> links, List<string> historyRoots)
    {
        foreach (var entry in fs.List(absolute))
        {
            if (IsIgnored(entry.Name))
            {
                continue;
            }

            var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            var full = System.IO.Path.Combine(absolute, entry.Name);
            switch (entry.Kind)
            {
                case EntryKind.File:
                    files.Add(new CardFile(path, entry.Size, entry.LastModified, inHistory));
                    break;
                case EntryKind.Directory:
                    var history = inHistory || entry.Name == MhlNames.FolderName;
                    if (!inHistory && entry.Name == MhlNames.FolderName)
                    {
                        historyRoots.Add(relative);
                    }

                    if (!history)
                    {
                        folders.Add(new CardFolder(path, entry.LastModified));
                    }

                    Walk(fs, root, full, path, history, files, folders, links, historyRoots);
                    break;
                case EntryKind.Symlink:
                    links.Add(new OffloadSymlink(path, entry.LinkTarget ?? "", StaysInside(fs, root, relative, entry.LinkTarget)));
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// True when a link's target, resolved against the card's real tree (every link on the way followed, as the
    /// kernel would), stays inside the card. Judged by where it lands, not by its spelling: <c>y → x/..</c> with
    /// <c>x → .</c> is the card's parent. Absolute targets, loops and more than 40 links on the way never stay inside.
    /// </summary>
    internal static bool StaysInside(IOffloadFileSystem fs, string root, string folder, string? target)
    {
        if (string.IsNullOrEmpty(target))
        {
            return false;
        }

        var real = folder.Length == 0 ? new List<string>() : [.. folder.Split('/')];
        var links = 0;
        return Resolve(fs, root, real, target, ref links);
    }

    private static bool Resolve(IOffloadFileSystem fs, string root, List<string> real, string target, ref int links)
    {
        if (target.StartsWith('/'))
        {
            return false;
        }

        var parts = target.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (real.Count == 0)
                {
                    return false;
                }

                real.RemoveAt(real.Count - 1);
                continue;
            }

            var entry = fs.Stat(System.IO.Path.Combine(root, string.Join('/', real.Append(part))));
            if (entry is { Kind: EntryKind.Symlink })
            {
                // Followed from the folder it is in, as the kernel does; the rest of the path goes on from where it lands.
                if (++links > 40 || !Resolve(fs, root, real, entry.LinkTarget ?? "", ref links))
                {
                    return false;
                }
            }
            else if (entry is null && parts.Skip(i + 1).Any(p => p == ".."))
            {
                // Nothing there: the kernel cannot resolve through it; a ".." after it is judged by what it would undo.
                real.Add(part);
            }
            else
            {
                real.Add(part);
            }
        }

        return true;
    }
}
