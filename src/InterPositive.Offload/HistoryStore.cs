using InterPositive.Formats;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload;

/// <summary>A generation file whose bytes no longer match the C4 id the chain recorded for it.</summary>
public sealed record ChainMismatch(string Path, string Expected, string Actual);

/// <summary>Loads ASC MHL histories (outermost and nested) from a folder through the offload file system.</summary>
public static class HistoryStore
{
    /// <summary>
    /// The history of <paramref name="root"/> with the nested histories in <paramref name="historyRoots"/>
    /// (relative folder paths that hold an <c>ascmhl</c> folder; "" is the root itself). Null when there is none.
    /// </summary>
    public static async Task<MhlHistory?> LoadAsync(IOffloadFileSystem fs, string root, IReadOnlyList<string> historyRoots, List<ChainMismatch>? chainMismatches, CancellationToken cancellationToken)
    {
        if (historyRoots.Count == 0)
        {
            return null;
        }

        var loaded = new Dictionary<string, (IReadOnlyList<MhlChainEntry> Chain, List<(MhlChainEntry, MhlManifest)> Generations)>(StringComparer.Ordinal);
        foreach (var historyRoot in historyRoots.Distinct(StringComparer.Ordinal).OrderBy(r => r.Length).ThenBy(r => r, StringComparer.Ordinal))
        {
            loaded[historyRoot] = await LoadOneAsync(fs, root, historyRoot, chainMismatches, cancellationToken);
        }

        if (!loaded.ContainsKey(""))
        {
            loaded[""] = ([], []);
        }

        return Build("", loaded);
    }

    /// <summary>Reads a whole ASC MHL file (a manifest or a chain), refusing implausible sizes.</summary>
    public static async Task<byte[]> ReadAllBytesAsync(IOffloadReader reader, string path, CancellationToken cancellationToken)
    {
        var length = reader.Length;
        if (length > 256L << 20)
        {
            throw new MalformedInputException("an ASC MHL file over 256 MiB is not plausible", path);
        }

        var buffer = new byte[length];
        var done = 0;
        while (done < buffer.Length)
        {
            var n = await reader.ReadAsync(buffer.AsMemory(done), done, cancellationToken);
            if (n == 0)
            {
                break;
            }

            done += n;
        }

        return done == buffer.Length ? buffer : buffer[..done];
    }

    /// <summary>
    /// A chain entry must name a generation file inside its <c>ascmhl</c> folder: a plain file name, no folders, no
    /// "..", no absolute path. A crafted card must not make us open (or report on) anything else.
    /// </summary>
    public static bool IsPlainFileName(string name) =>
        name.Length is > 0 and <= 255 && name is not "." and not ".." && name.IndexOfAny(['/', '\\', '\0']) < 0;

    private static async Task<byte[]> ReadNoFollowAsync(IOffloadFileSystem fs, string path, CancellationToken cancellationToken)
    {
        using var reader = fs.OpenReadNoFollow(path);
        return await ReadAllBytesAsync(reader, path, cancellationToken);
    }

    private static MhlHistory Build(string rootPath, Dictionary<string, (IReadOnlyList<MhlChainEntry> Chain, List<(MhlChainEntry, MhlManifest)> Generations)> all)
    {
        var children = all.Keys
            .Where(k => k.Length > 0 && IsBelow(k, rootPath) && !all.Keys.Any(mid => mid != k && mid != rootPath && mid.Length > 0 && IsBelow(mid, rootPath) && IsBelow(k, mid)))
            .Select(k => Build(k, all))
            .ToList();
        var (chain, generations) = all[rootPath];
        return new MhlHistory(rootPath, chain, generations, children);
    }

    private static bool IsBelow(string path, string ancestor) =>
        ancestor.Length == 0 ? path.Length > 0 : path.StartsWith(ancestor + "/", StringComparison.Ordinal);

    private static async Task<(IReadOnlyList<MhlChainEntry> Chain, List<(MhlChainEntry, MhlManifest)> Generations)> LoadOneAsync(IOffloadFileSystem fs, string root, string relative, List<ChainMismatch>? chainMismatches, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(root, relative, MhlNames.FolderName);
        var chainPath = Path.Combine(folder, MhlNames.ChainFileName);
        IReadOnlyList<MhlChainEntry> chain;
        if (fs.Stat(chainPath) is { Kind: EntryKind.File })
        {
            using var stream = new MemoryStream(await ReadNoFollowAsync(fs, chainPath, cancellationToken), writable: false);
            chain = MhlReader.ReadChain(stream, chainPath);
        }
        else
        {
            // No chain (some tools never wrote one): take the generations in file-name order.
            chain = fs.List(folder)
                .Where(e => e.Kind == EntryKind.File && e.Name.EndsWith(".mhl", StringComparison.OrdinalIgnoreCase))
                .Select((e, i) => new MhlChainEntry(MhlNames.GenerationOf(e.Name) ?? i + 1, e.Name, ""))
                .ToList();
        }

        var generations = new List<(MhlChainEntry, MhlManifest)>();
        foreach (var entry in chain)
        {
            if (!IsPlainFileName(entry.Path))
            {
                throw new MalformedInputException($"generation {entry.Generation} of the chain is not a file name inside {MhlNames.FolderName}/", chainPath);
            }

            var path = Path.Combine(folder, entry.Path);
            if (fs.Stat(path) is not { Kind: EntryKind.File })
            {
                throw new MalformedInputException($"generation {entry.Generation} listed in the chain is missing (or not a plain file)", path);
            }

            var bytes = await ReadNoFollowAsync(fs, path, cancellationToken);
            if (entry.C4.Length > 0)
            {
                var actual = C4Id.Of(bytes);
                if (!string.Equals(actual, entry.C4, StringComparison.Ordinal))
                {
                    chainMismatches?.Add(new ChainMismatch(Path.Combine(relative, MhlNames.FolderName, entry.Path).Replace('\\', '/'), entry.C4, actual));
                }
            }

            generations.Add((entry, MhlReader.Read(bytes, path)));
        }

        return (chain, generations);
    }
}
