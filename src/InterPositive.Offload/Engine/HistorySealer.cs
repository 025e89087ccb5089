using InterPositive.Formats;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload.Engine;

/// <summary>
/// After the copy: checks the card against everything its history listed, then seals each fully verified copy: its
/// folders flushed, the card's links recreated (only those that resolve inside the card), a new ASC MHL generation
/// (carrying the card's history forward) written durably, and the folders' times restored.
/// </summary>
internal sealed class HistorySealer(OffloadRun run)
{
    private static string ToolVersion => typeof(OffloadEngine).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

    /// <summary>Files the card's history lists that are no longer on the card fail the history check.</summary>
    public void CheckCompleteness()
    {
        if (run.History is null)
        {
            return;
        }

        var present = run.Scan.MediaFiles.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var history in run.History.All())
        {
            foreach (var path in history.FilePaths())
            {
                var full = history.RootPath.Length == 0 ? path : history.RootPath + "/" + path;
                if (!present.Contains(full))
                {
                    missing.Add(full);
                }
            }
        }

        if (missing.Count > 0)
        {
            run.HistoryMissing.AddRange(missing);
            run.HistoryCheck = Catalog.CardStatus.Failed;
            run.Fail(OffloadFailureKind.CheckFailed, $"{Path.Combine(run.Source, missing.Min!)}: listed in the card's ASC MHL history but missing from the card ({missing.Count} missing)");
        }
    }

    public async Task SealAsync()
    {
        var created = run.Time.GetUtcNow();
        created = new DateTimeOffset(created.Ticks - (created.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        foreach (var destination in run.Destinations.Where(d => !d.Broken))
        {
            try
            {
                foreach (var folder in run.Scan.Folders.Select(f => f.Path).Concat(run.Scan.HistoryRoots.Select(r => OffloadPlanner.Join(r, MhlNames.FolderName))).Append(MhlNames.FolderName).Distinct(StringComparer.Ordinal))
                {
                    destination.Tree.FlushDirectory(folder);
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                run.Break(destination, $"{destination.Root}: flushing the copy's folders failed: {error.Message}");
            }
        }

        foreach (var destination in run.Destinations.Where(d => !d.Broken && d.FileFailures == 0))
        {
            try
            {
                LinkSymlinks(destination);
                await WriteHistoryAsync(destination, created);
                RestoreFolderTimes(destination);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                run.Break(destination, $"{destination.Root}: writing the ASC MHL history failed: {error.Message}");
            }
        }
    }

    /// <summary>Writes a small file under a temporary name, flushes it and renames it into place.</summary>
    public static async Task WriteDurablyAsync(IDestinationTree tree, string relative, byte[] bytes, bool replace, CancellationToken cancellationToken)
    {
        var temp = OffloadPlanner.TempName(relative);
        using (var writer = tree.Create(temp))
        {
            await writer.WriteAsync(bytes, 0, cancellationToken);
            writer.FlushToDisk();
        }

        tree.Rename(temp, relative, replace);
    }

    private void LinkSymlinks(OffloadDestination destination)
    {
        foreach (var link in run.Scan.Symlinks.Where(l => l.InsideCard))
        {
            var existing = destination.Tree.Stat(link.Path);
            if (existing is null)
            {
                try
                {
                    destination.Tree.CreateSymlink(link.Path, link.Target);
                }
                catch (LinksUnsupportedException)
                {
                    // A link is not media: its target is copied and verified like every file; the copy just cannot
                    // hold the link itself. Recorded with the card in the catalog either way.
                    destination.LeaveOut(link.Path);
                }
            }
            else if (existing.Kind != EntryKind.Symlink || existing.LinkTarget != link.Target)
            {
                throw new IOException($"{Path.Combine(destination.Root, link.Path)}: already present and not the card's link to {link.Target}");
            }
        }
    }

    /// <summary>
    /// The card's links in a generation's comment: ASC MHL v2 hashes files and has no element for a link, and a link
    /// listed as an ignore pattern would hide a real file put at its path later. Names what this copy did with each.
    /// </summary>
    private static string? LinksNote(IReadOnlyList<OffloadSymlink> links, IReadOnlyCollection<string> leftOut)
    {
        const int Shown = 20;
        if (links.Count == 0)
        {
            return null;
        }

        var named = links.Take(Shown).Select(l => $"{OneLineText.Escape(l.Path)} -> {OneLineText.Escape(l.Target)}{(!l.InsideCard ? " (leaves the card: not made)" : leftOut.Contains(l.Path) ? " (not made: this drive holds no links)" : "")}");
        return "links on the card, not media and not hashed: " + string.Join(", ", named) + (links.Count > Shown ? $", and {links.Count - Shown} more (in the catalog)" : "");
    }

    private async Task WriteHistoryAsync(OffloadDestination destination, DateTimeOffset created)
    {
        var historyNote = run.HistoryError is null ? null : "the card's own ASC MHL history could not be read and was not carried forward: " + run.HistoryError;
        var parts = new[] { run.Request.Comment, historyNote, LinksNote(run.Scan.Symlinks, destination.LinksLeftOut) }.Where(c => !string.IsNullOrEmpty(c)).ToList();
        var comment = parts.Count == 0 ? null : string.Join(" — ", parts);
        var creator = new MhlCreatorInfo(created, run.Request.HostName, GenerationBuilder.ToolName, ToolVersion, run.Request.Author, run.Request.Location, comment);
        var mediaHashes = run.Scan.MediaFiles.ToDictionary(f => f.Path, f => run.Hashes[f.Path], StringComparer.Ordinal);
        var chains = new Dictionary<string, IReadOnlyList<MhlChainEntry>>(StringComparer.Ordinal);
        foreach (var root in run.Scan.HistoryRoots.Append(""))
        {
            chains[root] = await ReadDestinationChainAsync(destination, root);
        }

        var generations = GenerationBuilder.Build(run.Scan, mediaHashes, run.HashDates, run.History, root => chains.GetValueOrDefault(root) ?? [], run.Name, creator, MhlProcesses.Transfer);
        foreach (var generation in generations.OrderByDescending(g => g.HistoryRoot.Length))
        {
            var folder = OffloadPlanner.Join(generation.HistoryRoot, MhlNames.FolderName);
            destination.Tree.CreateDirectory(folder);
            await WriteDurablyAsync(destination.Tree, folder + "/" + generation.ManifestName, generation.Manifest, replace: false, run.CancellationToken);
            await WriteDurablyAsync(destination.Tree, folder + "/" + MhlNames.ChainFileName, generation.Chain, replace: true, run.CancellationToken);
            destination.Tree.FlushDirectory(folder);
            if (generation.HistoryRoot.Length == 0)
            {
                destination.Mhl = MhlNames.FolderName + "/" + generation.ManifestName;
                run.MhlGeneration = generation.Generation;
            }
        }
    }

    private async Task<IReadOnlyList<MhlChainEntry>> ReadDestinationChainAsync(OffloadDestination destination, string historyRoot)
    {
        var relative = OffloadPlanner.Join(OffloadPlanner.Join(historyRoot, MhlNames.FolderName), MhlNames.ChainFileName);
        if (destination.Tree.Stat(relative) is not { Kind: EntryKind.File })
        {
            return [];
        }

        var path = Path.Combine(destination.Root, relative);
        try
        {
            using var reader = destination.Tree.OpenRead(relative);
            using var stream = new MemoryStream(await HistoryStore.ReadAllBytesAsync(reader, path, run.CancellationToken), writable: false);
            return MhlReader.ReadChain(stream, path);
        }
        catch (MalformedInputException)
        {
            // A damaged chain in the copy is rebuilt from the card's history.
            return [];
        }
    }

    private void RestoreFolderTimes(OffloadDestination destination)
    {
        // Deepest first: setting a folder's time must come after everything inside it was written.
        foreach (var folder in run.Scan.Folders.OrderByDescending(f => f.Path.Length))
        {
            destination.Tree.SetLastModified(folder.Path, folder.LastModified);
        }
    }
}
