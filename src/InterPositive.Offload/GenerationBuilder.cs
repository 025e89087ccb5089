using InterPositive.Formats.AscMhl;

namespace InterPositive.Offload;

/// <summary>A generation to put in one history folder of a copy: the manifest bytes and the new chain.</summary>
public sealed record GenerationFile(string HistoryRoot, int Generation, string ManifestName, byte[] Manifest, string C4, byte[] Chain);

/// <summary>
/// Builds the new ASC MHL generation(s) of a copy from the hashes of its files, as the reference implementation
/// lays them out: entries in post-order (a folder's files, then the folder's directory hash), directory content and
/// structure hashes per format, the root hash in processinfo; each nested history gets its own generation, which the
/// enclosing one lists as a directory hash and references by C4.
/// </summary>
public static class GenerationBuilder
{
    public const string ToolName = "interpositive";

    public static IReadOnlyList<GenerationFile> Build(
        CardScan scan,
        IReadOnlyDictionary<string, IReadOnlyDictionary<MhlHashFormat, string>> hashes,
        IReadOnlyDictionary<string, DateTimeOffset> hashDates,
        MhlHistory? history,
        Func<string, IReadOnlyList<MhlChainEntry>> existingChain,
        string folderName,
        MhlCreatorInfo creator,
        string process)
    {
        var formats = hashes.Values.SelectMany(h => h.Keys).Distinct().Order().ToList();
        var historyRoots = new SortedSet<string>(scan.HistoryRoots, StringComparer.Ordinal) { "" };
        var entries = historyRoots.ToDictionary(r => r, _ => new List<MhlEntry>(), StringComparer.Ordinal);
        var rootHashes = new Dictionary<string, IReadOnlyList<MhlDirectoryHashValue>>(StringComparer.Ordinal);
        var filesByFolder = scan.MediaFiles.ToLookup(f => Parent(f.Path), StringComparer.Ordinal);
        var foldersByParent = scan.Folders.Where(f => f.Path.Length > 0).ToLookup(f => Parent(f.Path), StringComparer.Ordinal);
        var now = creator.CreationDate;

        // Post-order over folders: returns the folder's content/structure hash per format.
        Dictionary<MhlHashFormat, (string Content, string Structure)> Visit(CardFolder folder)
        {
            var contexts = formats.ToDictionary(f => f, f => new DirectoryHashContext(f));
            foreach (var child in foldersByParent[folder.Path].OrderBy(f => f.Path, StringComparer.Ordinal))
            {
                var childHashes = Visit(child);
                foreach (var (format, (content, structure)) in childHashes)
                {
                    contexts[format].AddDirectory(Name(child.Path), content, structure);
                }
            }

            var owner = OwnerRoot(historyRoots, folder.Path);
            foreach (var file in filesByFolder[folder.Path].OrderBy(f => f.Path, StringComparer.Ordinal))
            {
                var fileHashes = hashes[file.Path];
                foreach (var (format, value) in fileHashes)
                {
                    contexts[format].AddFile(Name(file.Path), value);
                }

                var fileOwner = OwnerRoot(historyRoots, file.Path);
                var relative = Relative(fileOwner, file.Path);
                var originals = OriginalsFor(history, file.Path);
                var date = hashDates.TryGetValue(file.Path, out var d) ? d : now;
                var values = fileHashes.OrderBy(h => h.Key)
                    .Select(h => new MhlHashValue(h.Key, h.Value, ActionFor(originals, h.Key, h.Value), date))
                    .ToList();
                entries[fileOwner].Add(new MhlFileHash(relative, file.Size, file.LastModified, values));
            }

            var result = contexts.ToDictionary(c => c.Key, c => (c.Value.ContentHash(), c.Value.StructureHash()));
            var directoryValues = result.OrderBy(r => r.Key).Select(r => new MhlDirectoryHashValue(r.Key, r.Value.Item1, r.Value.Item2, now)).ToList();
            if (historyRoots.Contains(folder.Path))
            {
                rootHashes[folder.Path] = directoryValues;
            }

            if (folder.Path.Length > 0)
            {
                // A history root is listed in the enclosing history; any other folder in its own.
                var listedIn = historyRoots.Contains(folder.Path) ? OwnerRoot(historyRoots, Parent(folder.Path)) : owner;
                entries[listedIn].Add(new MhlDirectoryHash(Relative(listedIn, folder.Path), folder.LastModified, directoryValues));
            }

            return result;
        }

        Visit(scan.Folders.First(f => f.Path.Length == 0));

        // Innermost histories first, so the enclosing ones can reference them by C4.
        var written = new Dictionary<string, GenerationFile>(StringComparer.Ordinal);
        foreach (var root in historyRoots.OrderByDescending(r => r.Count(c => c == '/') + (r.Length > 0 ? 1 : 0)).ThenBy(r => r, StringComparer.Ordinal))
        {
            var existing = ExistingHistory(history, root);
            var chain = MergeChains(existing?.Chain ?? [], existingChain(root));
            var generation = chain.Count == 0 ? 1 : chain.Max(c => c.Generation) + 1;
            var references = written.Values
                .Where(w => w.HistoryRoot.Length > 0 && OwnerRoot(historyRoots, Parent(w.HistoryRoot)) == root)
                .OrderBy(w => w.HistoryRoot, StringComparer.Ordinal)
                .Select(w => new MhlReference(Relative(root, w.HistoryRoot) + "/" + MhlNames.FolderName + "/" + w.ManifestName, w.C4))
                .ToList();
            var manifest = new MhlManifest(
                creator,
                new MhlProcessInfo(process, rootHashes.TryGetValue(root, out var rh) ? rh : [], existing?.IgnorePatterns ?? MhlManifest.DefaultIgnorePatterns),
                entries[root],
                references);
            var bytes = MhlWriter.ToBytes(manifest);
            var name = MhlNames.GenerationFileName(generation, root.Length == 0 ? folderName : Name(root), creator.CreationDate);
            var c4 = C4Id.Of(bytes);
            var newChain = chain.Append(new MhlChainEntry(generation, name, c4)).ToList();
            written[root] = new GenerationFile(root, generation, name, bytes, c4, MhlWriter.ChainToBytes(newChain));
        }

        return [.. written.Values.OrderBy(w => w.HistoryRoot, StringComparer.Ordinal)];
    }

    /// <summary>The action of a hash in this generation, given the history's original hashes of the file.</summary>
    public static string ActionFor(IReadOnlyDictionary<MhlHashFormat, string>? originals, MhlHashFormat format, string value)
    {
        if (originals is null || originals.Count == 0)
        {
            return MhlActions.Original;
        }

        if (!originals.TryGetValue(format, out var original))
        {
            // A new format for a file the history knows: the reference records it as verified.
            return MhlActions.Verified;
        }

        return string.Equals(original, value, StringComparison.Ordinal) ? MhlActions.Verified : MhlActions.Failed;
    }

    public static IReadOnlyDictionary<MhlHashFormat, string>? OriginalsFor(MhlHistory? history, string path)
    {
        if (history is null)
        {
            return null;
        }

        var (owner, relative) = history.Owner(path);
        return owner.OriginalHashes(relative);
    }

    private static MhlHistory? ExistingHistory(MhlHistory? history, string root) =>
        history?.All().FirstOrDefault(h => h.RootPath == root && h.Generations.Count > 0);

    private static List<MhlChainEntry> MergeChains(IReadOnlyList<MhlChainEntry> source, IReadOnlyList<MhlChainEntry> destination)
    {
        var merged = new SortedDictionary<int, MhlChainEntry>();
        foreach (var entry in source.Concat(destination))
        {
            merged.TryAdd(entry.Generation, entry);
        }

        return [.. merged.Values];
    }

    private static string OwnerRoot(SortedSet<string> roots, string path)
    {
        var best = "";
        foreach (var root in roots)
        {
            if (root.Length > best.Length && (path == root || path.StartsWith(root + "/", StringComparison.Ordinal)))
            {
                best = root;
            }
        }

        return best;
    }

    private static string Relative(string root, string path) => root.Length == 0 ? path : path == root ? "" : path[(root.Length + 1)..];

    private static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "" : path[..slash];
    }

    private static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];
}
