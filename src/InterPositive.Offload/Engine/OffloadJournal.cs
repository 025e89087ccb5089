using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Cards;
using InterPositive.Catalog.Offload;
using InterPositive.Catalog.Shots;
using InterPositive.Formats.AscMhl;

namespace InterPositive.Offload.Engine;

/// <summary>
/// Everything a run writes to (and reads back from) the catalog: the job, the card with its destinations, every file
/// per destination, and the events post receives, each state change with its outbox message in one transaction.
/// Does nothing without a catalog (the benchmark).
/// </summary>
internal sealed class OffloadJournal(CatalogDatabase? catalog, OffloadRun run)
{
    /// <summary>
    /// File records are written in batches: one catalog transaction (and its flush) per batch of this many files or
    /// this long, not per file; a crash loses at most that much of the record, never a guarantee.
    /// </summary>
    private const int RecordBatch = 64;

    private const string Stopped = "interrupted before the offload finished; run it again to resume";

    private static readonly TimeSpan RecordEvery = TimeSpan.FromMilliseconds(500);

    private readonly List<OffloadFileRecord> _unrecorded = [];
    private long _recordedAt;

    /// <summary>The records of one file on every destination, by destination root.</summary>
    public Dictionary<string, OffloadFileRecord> LoadRecords(CardFile file)
    {
        if (catalog is null)
        {
            return [];
        }

        var ids = run.Destinations.Select(d => OffloadFileRecord.MakeId(run.CardId, d.Root, file.Path)).ToList();
        return OffloadStore.FileRecords(catalog, ids).ToDictionary(r => r.Destination, StringComparer.Ordinal);
    }

    public void RecordStart() => catalog?.Write(tx =>
    {
        OffloadStore.InsertJob(tx, new OffloadJobDocument
        {
            Id = run.JobId,
            CardId = run.CardId,
            Source = run.Source,
            Destinations = [.. run.Destinations.Select(d => d.Root)],
            HashFormats = [.. run.Formats.Select(f => f.ElementName())],
            Status = "running",
            StartedAt = tx.Now,
        });
        WriteCard(tx, CardStatus.Copying, null);
    });

    /// <summary>The card as it stands now (a destination broke): the dashboard shows it at once.</summary>
    public void RecordCard() => catalog?.Write(tx => WriteCard(tx, CardStatus.Copying, null));

    /// <summary>Buffers one file's records; written with the next batch.</summary>
    public void RecordFile(PendingFile file, IReadOnlyList<FileOutcome> outcomes, DateTimeOffset now)
    {
        if (catalog is null || outcomes.Count == 0)
        {
            return;
        }

        // A verified copy whose record is still in this buffer when the process dies is found under its final
        // name on the next run with no record: it is re-read and matched (CompareExisting), never trusted blindly.
        var hashes = file.Hashes?.ToDictionary(h => h.Key.ElementName(), h => h.Value, StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal);
        bool full;
        lock (_unrecorded)
        {
            foreach (var outcome in outcomes)
            {
                var destination = outcome.Work.Destination;
                _unrecorded.Add(new OffloadFileRecord
                {
                    Id = OffloadFileRecord.MakeId(run.CardId, destination.Root, file.File.Path),
                    CardId = run.CardId,
                    Destination = destination.Root,
                    Path = file.File.Path,
                    Size = file.File.Size,
                    LastModified = file.File.LastModified,
                    Hashes = hashes,
                    Status = outcome.Failed ? CardStatus.Failed : CardStatus.Verified,
                    Error = outcome.Error,
                    ReReadMode = destination.ReReadModes.Keys.FirstOrDefault(),
                    UpdatedAt = now,
                });
            }

            full = _unrecorded.Count >= RecordBatch * run.Destinations.Count || run.Time.GetElapsedTime(_recordedAt) >= RecordEvery;
        }

        if (full)
        {
            FlushFiles();
        }
    }

    public void FlushFiles()
    {
        if (catalog is null)
        {
            return;
        }

        List<OffloadFileRecord> batch;
        lock (_unrecorded)
        {
            if (_unrecorded.Count == 0)
            {
                return;
            }

            batch = [.. _unrecorded];
            _unrecorded.Clear();
            _recordedAt = run.Time.GetTimestamp();
        }

        var started = run.Clock.Start();
        catalog.Write(tx => OffloadStore.UpsertFileRecords(tx, batch));
        run.Clock.Stop(OffloadStage.Catalog, started, batch.Count);
    }

    /// <summary>
    /// A stopped run (Ctrl-C, service shutdown) leaves the card interrupted, not copying: what was verified is
    /// recorded, the rest is redone by the next run, and the dashboard and post see that it stopped.
    /// </summary>
    public void RecordInterrupted()
    {
        FlushFiles();
        catalog?.Write(tx =>
        {
            WriteCard(tx, CardStatus.Interrupted, null);
            FinishJob(tx, CardStatus.Interrupted, Stopped);
        });
    }

    /// <summary>Closes the run: card, job and the event post receives. Returns whether the card is safe to format.</summary>
    public bool RecordFinish(string status)
    {
        var safe = status == CardStatus.Verified && run.HistoryCheck is null or CardStatus.Verified;
        if (catalog is null)
        {
            return safe;
        }

        var recording = run.Clock.Start();
        catalog.Write(tx =>
        {
            var card = WriteCard(tx, status, status == CardStatus.Verified ? "offload-finished" : "verify-failed");
            safe = card.SafeToFormat;
            FinishJob(tx, status, run.FirstError);
        });
        run.Clock.Stop(OffloadStage.Catalog, recording);
        return safe;
    }

    private CardDocument WriteCard(CatalogTransaction tx, string status, string? eventKind)
    {
        var card = CardStore.Find(tx, run.CardId) ?? new CardDocument { Id = run.CardId, CreatedAt = tx.Now };
        card.Name = run.Name;
        card.SourcePath = run.Source;
        card.Status = status;
        card.FileCount = run.Scan.MediaFiles.Count();
        card.TotalBytes = run.Scan.MediaFiles.Sum(f => f.Size);
        card.HistoryCheck = run.HistoryCheck;
        card.HistoryError = run.HistoryError;
        card.MhlGeneration = run.MhlGeneration ?? card.MhlGeneration;
        card.Symlinks = [.. run.Scan.Symlinks.Select(l => new CardSymlink { Path = l.Path, Target = l.Target, InsideCard = l.InsideCard })];
        card.UpdatedAt = tx.Now;
        card.Destinations = [.. run.Destinations.Select(d => new CardDestination
        {
            Path = d.Root,
            Status = status is CardStatus.Copying or CardStatus.Interrupted ? (d.Broken ? CardStatus.Failed : status) : d.Status,
            FilesVerified = d.FilesVerified,
            BytesVerified = d.BytesVerified,
            MhlManifest = d.Mhl,
            Error = d.BrokenBy ?? (status == CardStatus.Interrupted ? Stopped : null),
            LinksLeftOut = [.. d.LinksLeftOut],
        })];
        CardStore.Upsert(tx, card);

        // The card record post receives is the contract's one (ShotRecords), written in this same transaction.
        ShotRecords.EnqueueCard(tx, run.CardId);
        if (eventKind is not null)
        {
            var destinations = card.Destinations.ConvertAll(d => new CardDestinationStatus(d.Path, d.Status, d.FilesVerified, d.BytesVerified, d.MhlManifest, d.Error));
            var failure = run.Failure;
            var body = new OffloadEvent(run.CardId, run.Name, status, card.SafeToFormat, card.FileCount, card.TotalBytes, run.Seconds, run.OverallReReadMode(), failure == OffloadFailureKind.None ? null : failure.ToString(), run.FirstError, destinations);
            ShotRecords.EnqueueEvent(tx, eventKind, JsonSerializer.Serialize(body, OffloadMessageJsonContext.Default.OffloadEvent));
        }

        return card;
    }

    /// <summary>Closes this run's job record with its outcome and counts (inside the caller's transaction).</summary>
    private void FinishJob(CatalogTransaction tx, string status, string? error) => OffloadStore.UpdateJob(tx, run.JobId, job =>
    {
        job.Status = status;
        job.FilesCopied = run.FilesCopied;
        job.FilesSkipped = run.FilesResumed;
        job.BytesRead = run.BytesRead;
        job.ReReadMode = run.OverallReReadMode();
        job.Error = error;
        job.FinishedAt = tx.Now;
    });
}
