namespace InterPositive.Formats.AscMhl;

/// <summary>
/// An ASC MHL history: the generations in one <c>ascmhl</c> folder, in chain order, and the histories of
/// sub-folders that carry their own (a "Reels" folder holding card folders). Paths in a history are relative to
/// its own root; <see cref="RootPath"/> places that root inside the outermost history ("" for the outermost).
/// </summary>
public sealed class MhlHistory
{
    public MhlHistory(string rootPath, IReadOnlyList<MhlChainEntry> chain, IReadOnlyList<(MhlChainEntry Entry, MhlManifest Manifest)> generations, IReadOnlyList<MhlHistory> children)
    {
        RootPath = rootPath;
        Chain = chain;
        Generations = generations.OrderBy(g => g.Entry.Generation).ToList();
        Children = children;
    }

    /// <summary>Where this history's root is, relative to the outermost root ("" for the outermost).</summary>
    public string RootPath { get; }

    public IReadOnlyList<MhlChainEntry> Chain { get; }

    public IReadOnlyList<(MhlChainEntry Entry, MhlManifest Manifest)> Generations { get; }

    public IReadOnlyList<MhlHistory> Children { get; }

    public int LatestGeneration => Generations.Count == 0 ? 0 : Generations[^1].Entry.Generation;

    /// <summary>This history and every nested one, outermost first.</summary>
    public IEnumerable<MhlHistory> All()
    {
        yield return this;
        foreach (var child in Children.SelectMany(c => c.All()))
        {
            yield return child;
        }
    }

    /// <summary>The innermost history that owns <paramref name="path"/> (relative to the outermost root), and the path relative to it.</summary>
    public (MhlHistory History, string RelativePath) Owner(string path)
    {
        foreach (var child in Children)
        {
            var prefix = child.RootPath + "/";
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                var (owner, rest) = child.Owner(path);
                return (owner, rest);
            }
        }

        return (this, RelativeTo(path));
    }

    /// <summary>The first (original) recorded hashes of a file, one per format, by path relative to this history.</summary>
    public IReadOnlyDictionary<MhlHashFormat, string> OriginalHashes(string relativePath)
    {
        var result = new Dictionary<MhlHashFormat, string>();
        foreach (var (_, manifest) in Generations)
        {
            foreach (var file in manifest.Files)
            {
                if (!string.Equals(file.Path, relativePath, StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var hash in file.Hashes)
                {
                    if (hash.Action != MhlActions.Failed)
                    {
                        result.TryAdd(hash.Format, hash.Value);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Every file path recorded in any generation of this history (relative to this history).</summary>
    public IReadOnlySet<string> FilePaths() =>
        Generations.SelectMany(g => g.Manifest.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);

    /// <summary>The ignore patterns of the latest generation (the reference carries them forward).</summary>
    public IReadOnlyList<string> IgnorePatterns =>
        Generations.Count == 0 ? MhlManifest.DefaultIgnorePatterns : Generations[^1].Manifest.Process.IgnorePatterns;

    private string RelativeTo(string path)
    {
        if (RootPath.Length == 0)
        {
            return path;
        }

        return path.StartsWith(RootPath + "/", StringComparison.Ordinal) ? path[(RootPath.Length + 1)..] : path;
    }
}
