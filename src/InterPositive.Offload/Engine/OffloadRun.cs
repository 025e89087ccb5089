using InterPositive.Catalog;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload.Engine;

/// <summary>
/// What one run knows and counts: the plan's facts (card, destinations, formats, history) fixed by
/// <see cref="OffloadPlanner"/>, then the tallies every stage adds to, and the result made of them at the end.
/// </summary>
internal sealed class OffloadRun(OffloadRequest request, IOffloadFileSystem fs, TimeProvider time, IProgress<OffloadProgress>? progress, CancellationToken cancellationToken)
{
    private readonly Lock _gate = new();
    private readonly List<OffloadFileResult> _results = [];
    private readonly Dictionary<string, IReadOnlyDictionary<MhlHashFormat, string>> _hashes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _hashDates = new(StringComparer.Ordinal);
    private readonly long _started = time.GetTimestamp();
    private long _bytesDone;
    private long _bytesRead;
    private int _filesDone;
    private int _filesCopied;
    private int _filesResumed;
    private OffloadFailureKind _failure;
    private string? _firstError;

    public OffloadRequest Request { get; } = request;

    public IOffloadFileSystem Fs { get; } = fs;

    public TimeProvider Time { get; } = time;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public StageClock Clock { get; } = new(time);

    // ---- the plan ----
    public required string Source { get; init; }

    public required string Name { get; init; }

    public required string CardId { get; init; }

    public required string JobId { get; init; }

    public required CardScan Scan { get; init; }

    public required IReadOnlyList<OffloadDestination> Destinations { get; init; }

    public required IReadOnlyList<MhlHashFormat> Formats { get; init; }

    /// <summary>The format each copy is re-read in: the fastest one asked for.</summary>
    public required MhlHashFormat VerifyFormat { get; init; }

    /// <summary>The card's own ASC MHL history, carried forward; null when it has none or it could not be read.</summary>
    public required MhlHistory? History { get; init; }

    /// <summary>Why the card's history could not be read (the media is copied all the same; the card is flagged).</summary>
    public string? HistoryError { get; init; }

    // ---- the tallies ----

    /// <summary>"verified" or "failed" once the card's history was checked; null when it has none.</summary>
    public string? HistoryCheck { get; set; }

    public List<string> HistoryMissing { get; } = [];

    public int? MhlGeneration { get; set; }

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public int FilesCopied => Volatile.Read(ref _filesCopied);

    public int FilesResumed => Volatile.Read(ref _filesResumed);

    public OffloadFailureKind Failure
    {
        get
        {
            lock (_gate)
            {
                return _failure;
            }
        }
    }

    public string? FirstError
    {
        get
        {
            lock (_gate)
            {
                return _firstError;
            }
        }
    }

    public double Seconds { get; private set; }

    /// <summary>Called when a destination breaks (the journal records it at once, for the dashboard).</summary>
    public Action? DestinationBroken { get; set; }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<MhlHashFormat, string>> Hashes => _hashes;

    public IReadOnlyDictionary<string, DateTimeOffset> HashDates => _hashDates;

    public void Fail(OffloadFailureKind kind, string? error)
    {
        lock (_gate)
        {
            _failure = OffloadEngine.Worse(_failure, kind);
            _firstError ??= error;
        }
    }

    /// <summary>Takes a destination out of the run; the first reason is kept.</summary>
    public void Break(OffloadDestination destination, string reason)
    {
        lock (_gate)
        {
            if (destination.Broken)
            {
                return;
            }

            destination.BrokenBy = reason;
            _failure = OffloadEngine.Worse(_failure, OffloadFailureKind.Environment);
            _firstError ??= reason;
        }

        DestinationBroken?.Invoke();
    }

    /// <summary>Card bytes read (once, for every destination).</summary>
    public void CountRead(int bytes)
    {
        Interlocked.Add(ref _bytesRead, bytes);
        Interlocked.Add(ref _bytesDone, bytes);
    }

    /// <summary>A file verified by an earlier run: its bytes count as done, on the card and on every destination.</summary>
    public void CountResumed(CardFile file)
    {
        Interlocked.Add(ref _bytesDone, file.Size);
        foreach (var destination in Destinations)
        {
            destination.CountReRead(file.Size);
        }
    }

    public void Report(string? current)
    {
        if (progress is null)
        {
            return;
        }

        var total = Scan.TotalBytes;
        var done = Math.Min(Interlocked.Read(ref _bytesDone), total);
        var elapsed = Time.GetElapsedTime(_started).TotalSeconds;
        var verify = Destinations.Select(d => new OffloadDestinationProgress(d.Root, Math.Min(d.BytesReRead, total), total)).ToList();

        // Rate and ETA over the whole run so far, from the first report on: the slowest destination's re-read is the
        // last thing that finishes, so the remaining work is what it has left.
        var reReadDone = verify.Count == 0 ? done : verify.Min(v => v.BytesReRead);
        var rate = elapsed > 0 ? done / elapsed : 0;
        var work = total * 2.0;
        var finished = done + (double)reReadDone;
        double? eta = finished > 0 && elapsed > 0 ? Math.Max(0, (work - finished) * elapsed / finished) : null;
        progress.Report(new OffloadProgress(done, total, Volatile.Read(ref _filesDone), Scan.Files.Count, current)
        {
            Verify = verify,
            BytesPerSecond = Math.Round(rate),
            EtaSeconds = eta is null ? null : Math.Round(eta.Value, 1),
            ElapsedSeconds = Math.Round(elapsed, 3),
        });
    }

    /// <summary>Tallies one file's outcomes on every destination, checks it against the card's history and keeps its result.</summary>
    public void Complete(PendingFile file, IReadOnlyList<FileOutcome> outcomes, DateTimeOffset now)
    {
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        var error = file.SourceError;
        var kind = file.SourceFailure;
        foreach (var outcome in outcomes)
        {
            statuses[outcome.Work.Destination.Root] = outcome.Outcome.Name();
            if (outcome.Failed)
            {
                outcome.Work.Destination.CountFailure();
                error ??= outcome.Error;
                kind = OffloadEngine.Worse(kind, outcome.Failure);
            }
            else if (!file.File.IsHistory)
            {
                outcome.Work.Destination.CountVerified(file.File.Size);
            }
        }

        if (outcomes.Any(o => o.Work.Plan == CopyPlan.Write && o.Outcome == CopyOutcome.Verified))
        {
            Interlocked.Increment(ref _filesCopied);
        }
        else if (outcomes.Count > 0 && outcomes.All(o => o.Outcome == CopyOutcome.Resumed))
        {
            Interlocked.Increment(ref _filesResumed);
        }

        var historyCheck = CheckAgainstHistory(file, ref kind, ref error);
        lock (_gate)
        {
            if (file.Hashes is not null)
            {
                _hashes[file.File.Path] = file.Hashes;
                _hashDates[file.File.Path] = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), now.Offset);
            }

            if (kind != OffloadFailureKind.None)
            {
                _failure = OffloadEngine.Worse(_failure, kind);
                _firstError ??= error;
            }

            _results.Add(new OffloadFileResult(
                file.File.Path,
                file.File.Size,
                file.Hashes?.OrderBy(h => h.Key).ToDictionary(h => h.Key.ElementName(), h => h.Value, StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal),
                outcomes.All(o => !o.Failed) && historyCheck != CardStatus.Failed ? CardStatus.Verified : CardStatus.Failed,
                statuses,
                historyCheck,
                kind == OffloadFailureKind.None ? null : error));
        }

        Interlocked.Increment(ref _filesDone);
        Report(file.File.Path);
    }

    private string? CheckAgainstHistory(PendingFile file, ref OffloadFailureKind kind, ref string? error)
    {
        if (file.Hashes is null || file.File.IsHistory || History is null)
        {
            return null;
        }

        var originals = GenerationBuilder.OriginalsFor(History, file.File.Path);
        if (originals is not { Count: > 0 })
        {
            return "new";
        }

        if (file.Hashes.All(h => GenerationBuilder.ActionFor(originals, h.Key, h.Value) != MhlActions.Failed))
        {
            return CardStatus.Verified;
        }

        HistoryCheck = CardStatus.Failed;
        kind = OffloadEngine.Worse(kind, OffloadFailureKind.CheckFailed);
        error ??= $"{Path.Combine(Source, file.File.Path)}: the card no longer matches its ASC MHL history (hash differs from the recorded original)";
        return CardStatus.Failed;
    }

    /// <summary>The run's status once everything is sealed; a failure without a reason gets one.</summary>
    public string Finish()
    {
        Seconds = Time.GetElapsedTime(_started).TotalSeconds;
        var verified = Failure == OffloadFailureKind.None && Destinations.All(d => d.Status == CardStatus.Verified);
        if (!verified && Failure == OffloadFailureKind.None)
        {
            Fail(OffloadFailureKind.Environment, "not every destination was verified");
        }

        return verified ? CardStatus.Verified : CardStatus.Failed;
    }

    public string OverallReReadMode()
    {
        var modes = Destinations.SelectMany(d => d.ReReadModes.Keys).Distinct(StringComparer.Ordinal).ToList();
        return modes.Count == 0 ? ReReadModes.None
            : modes.Contains(ReReadModes.PageCache) ? ReReadModes.PageCache
            : modes.Contains(ReReadModes.Fadvise) ? ReReadModes.Fadvise
            : modes[0];
    }

    public OffloadResult ToResult(string status, bool safe)
    {
        lock (_gate)
        {
            return new OffloadResult(
                CardId,
                Name,
                Source,
                status,
                safe,
                Scan.MediaFiles.Count(),
                Scan.MediaFiles.Sum(f => f.Size),
                BytesRead,
                FilesCopied,
                FilesResumed,
                Math.Round(Seconds, 3),
                OverallReReadMode(),
                [.. Formats.Select(f => f.ElementName())],
                MhlGeneration,
                HistoryCheck,
                HistoryMissing,
                [.. Destinations.Select(d => new OffloadDestinationResult(d.Root, d.Status, d.FilesVerified, d.BytesVerified, d.Mhl, d.ReReadModes.IsEmpty ? null : d.ReReadMode, d.BrokenBy) { WriteMode = d.WriteMode, LinksLeftOut = d.LinksLeftOut })],
                [.. _results.OrderBy(r => r.Path, StringComparer.Ordinal)],
                Scan.Symlinks,
                _failure,
                _firstError)
            {
                Stages = Clock.Snapshot(),
                HistoryError = HistoryError,
            };
        }
    }
}
