using System.Text;
using InterPositive.Catalog;
using InterPositive.Formats;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload.Engine;

/// <summary>
/// Before the copy: checks the request, scans the card, loads its history, picks each destination's card folder and
/// makes its folders. Then per file: what each destination needs (write, compare what is there, or nothing because an
/// earlier run verified it: resume).
/// </summary>
internal static class OffloadPlanner
{
    /// <summary>The file in a copy's root <c>ascmhl</c> folder that says which card the folder holds.</summary>
    public const string CardMarker = MhlNames.FolderName + "/" + CardScan.CardMarkerName;

    public static async Task<OffloadRun> PrepareAsync(OffloadRequest request, IOffloadFileSystem fs, TimeProvider time, IProgress<OffloadProgress>? progress, CancellationToken cancellationToken)
    {
        if (request.Destinations.Count == 0)
        {
            throw new OffloadException(OffloadFailureKind.BadInput, "no destination given (--dest DIR)");
        }

        if (request.HashFormats.Count == 0)
        {
            throw new OffloadException(OffloadFailureKind.BadInput, "no hash format given");
        }

        var source = Path.TrimEndingDirectorySeparator(Path.GetFullPath(request.Source));
        var name = request.Name ?? Path.GetFileName(source);
        if (string.IsNullOrWhiteSpace(name) || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new OffloadException(OffloadFailureKind.BadInput, $"'{name}' cannot be a card name (a folder name is needed: --name)");
        }

        var scan = CardScan.Scan(fs, source);
        var cardId = OffloadEngine.CardIdFor(name, scan);
        var roots = new List<(string Parent, string Root)>();
        foreach (var dir in request.Destinations)
        {
            var parent = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
            CheckOutsideCard(source, Path.Combine(parent, name), dir);
            if (roots.Exists(d => d.Parent == parent))
            {
                throw new OffloadException(OffloadFailureKind.BadInput, $"{dir}: the same destination is given twice");
            }

            if (fs.Stat(parent) is not { Kind: EntryKind.Directory })
            {
                throw new OffloadException(OffloadFailureKind.Environment, $"{parent}: destination folder not found (drive not mounted?)");
            }

            var root = await CardFolderAsync(fs, parent, name, cardId, cancellationToken);
            CheckOutsideCard(source, root, dir);
            roots.Add((parent, root));
        }

        // A history that cannot be read does not stop the offload: the media is copied and verified, the card is
        // flagged (not safe to format) and the new generation says why the old one was not carried forward.
        MhlHistory? history = null;
        string? historyError = null;
        try
        {
            history = await HistoryStore.LoadAsync(fs, source, scan.HistoryRoots, null, cancellationToken);
        }
        catch (Exception error) when (error is MalformedInputException or IOException or UnauthorizedAccessException)
        {
            historyError = error.Message;
            scan = scan with { Files = [.. scan.Files.Where(f => !f.IsHistory)], HistoryRoots = [] };
        }

        var formats = request.HashFormats.Distinct().ToList();
        if (history is not null)
        {
            // The card's own history is verified in the same read: add the formats it recorded.
            foreach (var format in history.All().SelectMany(h => h.Generations).SelectMany(g => g.Manifest.Files).SelectMany(f => f.Hashes).Select(h => h.Format).Distinct())
            {
                if (!formats.Contains(format))
                {
                    formats.Add(format);
                }
            }
        }

        var run = new OffloadRun(request, fs, time, progress, cancellationToken)
        {
            Source = source,
            Name = name,
            CardId = cardId,
            JobId = Guid.CreateVersion7(time.GetUtcNow()).ToString("N"),
            Scan = scan,
            Destinations = [.. roots.Select(r => new OffloadDestination(r.Parent, OpenTree(fs, r.Root)))],
            Formats = formats,
            VerifyFormat = formats.FirstOrDefault(f => f is MhlHashFormat.Xxh3 or MhlHashFormat.Xxh64 or MhlHashFormat.Xxh128, formats[0]),
            History = history,
            HistoryError = historyError is null ? null : $"{source}: the card's ASC MHL history cannot be read: {historyError}",
            HistoryCheck = history is not null ? CardStatus.Verified : historyError is not null ? CardStatus.Failed : null,
        };
        if (run.HistoryError is not null)
        {
            run.Fail(OffloadFailureKind.CheckFailed, run.HistoryError);
        }

        foreach (var destination in run.Destinations)
        {
            await MakeFoldersAsync(run, destination);
        }

        return run;
    }

    private static void CheckOutsideCard(string source, string root, string dir)
    {
        if (root == source || root.StartsWith(source + "/", StringComparison.Ordinal) || source.StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw new OffloadException(OffloadFailureKind.BadInput, $"{dir}: a destination cannot be inside the card or contain it");
        }
    }

    /// <summary>
    /// The card's folder in a destination: <c>NAME</c>, unless that already holds another card (its marker names
    /// another card id), then <c>CARD-ID</c>. Two cards of one name are never merged; a folder without a marker is
    /// taken (its files are compared, never overwritten). Nothing at those names is followed if it is a link.
    /// </summary>
    private static async Task<string> CardFolderAsync(IOffloadFileSystem fs, string parent, string name, string cardId, CancellationToken cancellationToken)
    {
        foreach (var candidate in new[] { name, cardId })
        {
            var root = Path.Combine(parent, candidate);
            var entry = fs.Stat(root);
            if (entry is null)
            {
                return root;
            }

            if (entry.Kind == EntryKind.Directory)
            {
                var owner = await ReadMarkerAsync(fs, root, cancellationToken);
                if (owner is null || owner == cardId)
                {
                    return root;
                }
            }
        }

        throw new OffloadException(OffloadFailureKind.BadInput, $"{parent}: both {name} and {cardId} hold something else than this card; move them or give another --name");
    }

    private static async Task<string?> ReadMarkerAsync(IOffloadFileSystem fs, string root, CancellationToken cancellationToken)
    {
        var path = Path.Combine(root, CardMarker);
        var entry = fs.Stat(path);
        if (entry is null)
        {
            return null;
        }

        if (entry.Kind != EntryKind.File || entry.Size > 1024)
        {
            // Not something we wrote: the folder is someone else's.
            return "";
        }

        using var reader = fs.OpenReadNoFollow(path);
        var bytes = await HistoryStore.ReadAllBytesAsync(reader, path, cancellationToken);
        return Encoding.UTF8.GetString(bytes).Trim();
    }

    private static IDestinationTree OpenTree(IOffloadFileSystem fs, string root)
    {
        try
        {
            if (fs.Stat(root) is null)
            {
                fs.CreateDirectory(root);
            }

            return fs.OpenDestination(root);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Broken below, when its folders cannot be made: every use of it fails with this error, nothing is written.
            return new UnreachableDestinationTree(root, error.Message);
        }
    }

    private static async Task MakeFoldersAsync(OffloadRun run, OffloadDestination destination)
    {
        var tree = destination.Tree;
        try
        {
            tree.CreateDirectory(MhlNames.FolderName);
            if (tree.Stat(CardMarker) is null)
            {
                await HistorySealer.WriteDurablyAsync(tree, CardMarker, Encoding.UTF8.GetBytes(run.CardId + "\n"), replace: false, run.CancellationToken);
            }

            foreach (var folder in run.Scan.Folders.Where(f => f.Path.Length > 0))
            {
                tree.CreateDirectory(folder.Path);
            }

            foreach (var historyRoot in run.Scan.HistoryRoots)
            {
                tree.CreateDirectory(Join(historyRoot, MhlNames.FolderName));
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            run.Break(destination, $"{destination.Root}: cannot create the copy's folders: {error.Message}");
        }
    }

    /// <summary>
    /// What each destination needs for one file; a file every destination already has is finished at once. The
    /// copies' temporary files are created here unless <paramref name="openWriters"/> is false (a batch creates its
    /// own when it writes them; <see cref="OpenWriters"/> does it for a file that is not batched after all).
    /// </summary>
    public static PendingFile PlanFile(OffloadRun run, OffloadJournal journal, CardFile file, bool openWriters = true)
    {
        var work = new List<DestinationWork>();
        var records = journal.LoadRecords(file);
        foreach (var destination in run.Destinations)
        {
            if (destination.Broken)
            {
                work.Add(new DestinationWork(destination, CopyPlan.Unavailable, file.Path));
                continue;
            }

            var tree = destination.Tree;
            try
            {
                // A partial copy left by an interrupted run is redone, never trusted.
                tree.Delete(TempName(file.Path));
                var existing = tree.Stat(file.Path);
                if (existing is null)
                {
                    work.Add(new DestinationWork(destination, CopyPlan.Write, file.Path));
                }
                else if (existing.Kind == EntryKind.File
                    && records.TryGetValue(destination.Root, out var record)
                    && record.Status == CardStatus.Verified && record.Size == file.Size && record.LastModified == file.LastModified
                    && existing.Size == file.Size && existing.LastModified == file.LastModified
                    && run.Formats.All(f => record.Hashes.ContainsKey(f.ElementName())))
                {
                    work.Add(new DestinationWork(destination, CopyPlan.Resumed, file.Path));
                }
                else
                {
                    work.Add(new DestinationWork(destination, CopyPlan.CompareExisting, file.Path));
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                run.Break(destination, $"{Path.Combine(destination.Root, file.Path)}: {error.Message}");
                work.Add(new DestinationWork(destination, CopyPlan.Unavailable, file.Path));
            }
        }

        var active = work.Where(w => w.Plan is not CopyPlan.Unavailable).ToList();
        if (active.Count > 0 && active.TrueForAll(w => w.Plan == CopyPlan.Resumed))
        {
            // Verified by an earlier run and unchanged on both sides: nothing to read or write.
            var record = records[active[0].Destination.Root];
            var hashes = run.Formats.ToDictionary(f => f, f => record.Hashes[f.ElementName()]);
            run.CountResumed(file);
            run.Report(file.Path);
            var resumed = new PendingFile(file, work);
            resumed.Finish(hashes, null, OffloadFailureKind.None);
            return resumed;
        }

        var pending = new PendingFile(file, work);
        if (openWriters)
        {
            OpenWriters(run, pending);
        }

        return pending;
    }

    /// <summary>Creates the temporary file of every copy to be written; a destination that refuses it is broken.</summary>
    public static void OpenWriters(OffloadRun run, PendingFile pending)
    {
        var file = pending.File;
        var work = pending.Work;
        for (var i = 0; i < work.Count; i++)
        {
            if (work[i].Plan == CopyPlan.Write)
            {
                try
                {
                    var writer = work[i].Destination.Tree.CreateCopy(work[i].TempRelative, file.Size, out var mode);
                    work[i] = work[i] with { Writer = writer, WriteMode = mode };
                    work[i].Destination.WriteModesUsed.TryAdd(mode, 0);
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    run.Break(work[i].Destination, $"{work[i].FinalPath}: cannot write: {error.Message}");
                    work[i] = work[i] with { Plan = CopyPlan.Unavailable };
                }
            }
        }
    }

    /// <summary>The temporary name a copy is written under, beside its final name, until it is verified.</summary>
    public static string TempName(string relative)
    {
        var slash = relative.LastIndexOf('/');
        return relative[..(slash + 1)] + "." + relative[(slash + 1)..] + CardScan.PartialSuffix;
    }

    public static string Join(string folder, string name) => folder.Length == 0 ? name : folder + "/" + name;
}
