using System.Collections.Concurrent;
using System.Threading.Channels;
using InterPositive.Catalog;
using InterPositive.Catalog.Cards;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload;
using InterPositive.Takes;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace InterPositive.Host.Service.Ingest;

/// <summary>A card waiting to be offloaded.</summary>
public sealed record OffloadJob(string Id, string Source, string Name, DateTimeOffset QueuedAt);

/// <summary>Live state of one offload job, for the API and the dashboard.</summary>
public sealed record OffloadJobState(
    string Id,
    string Source,
    string Name,
    string State,
    long BytesDone,
    long BytesTotal,
    int FilesDone,
    int FilesTotal,
    string? CurrentFile,
    string? CardId,
    string? Error,
    DateTimeOffset QueuedAt,
    DateTimeOffset? FinishedAt);

/// <summary>
/// The service's offload queue: cards are offloaded one at a time (they share the destination drives' bandwidth), from
/// a bounded channel that makes the card watcher wait rather than drop. Stopping the service cancels the copy in flight:
/// nothing under a final name is partial, and the next run resumes where it stopped. At start, cards a stopped or killed
/// run left copying are marked interrupted (never shown as copying forever); a card still in its reader is offloaded
/// again by the card watcher, which resumes it.
/// </summary>
public sealed class OffloadQueue : BackgroundService
{
    private readonly Channel<OffloadJob> _jobs = Channel.CreateBounded<OffloadJob>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly ConcurrentDictionary<string, OffloadJobState> _states = new(StringComparer.Ordinal);
    private readonly CardIngest _ingest;
    private readonly CatalogDatabase _catalog;
    private readonly ApplianceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public OffloadQueue(CardIngest ingest, CatalogDatabase catalog, ApplianceOptions options, TimeProvider time, ILogger log)
    {
        _ingest = ingest;
        _catalog = catalog;
        _options = options;
        _time = time;
        _log = log.ForContext<OffloadQueue>();
    }

    public IReadOnlyList<OffloadJobState> Jobs => [.. _states.Values.OrderByDescending(j => j.QueuedAt)];

    /// <summary>Queues a card; waits while the queue is full.</summary>
    public async ValueTask<OffloadJob> EnqueueAsync(string source, string? name, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(source);
        var job = new OffloadJob(Guid.CreateVersion7(_time.GetUtcNow()).ToString("N"), full, name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(full)), _time.GetUtcNow());
        _states[job.Id] = new OffloadJobState(job.Id, job.Source, job.Name, "queued", 0, 0, 0, 0, null, null, null, job.QueuedAt, null);
        await _jobs.Writer.WriteAsync(job, cancellationToken);
        _log.Information("Queued card {Source} as {Name}", job.Source, job.Name);
        return job;
    }

    /// <summary>Marks cards and offload jobs left in flight by an earlier run as interrupted; returns the cards marked.</summary>
    public IReadOnlyList<string> MarkInterrupted() =>
        CardStore.MarkInterrupted(_catalog, "the service stopped during the copy; offload the card again to resume");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var card in MarkInterrupted())
        {
            _log.Warning("Card {CardId} was being copied when the service last stopped: marked interrupted; insert it again to resume", card);
        }

        await foreach (var job in _jobs.Reader.ReadAllAsync(stoppingToken))
        {
            await RunAsync(job, stoppingToken);
        }
    }

    private async Task RunAsync(OffloadJob job, CancellationToken stoppingToken)
    {
        if (_options.Cards.Destinations.Count == 0)
        {
            Finish(job, "failed", null, "no destinations configured (Cards:Destinations)");
            _log.Error("Card {Source} not offloaded: no destinations configured", job.Source);
            return;
        }

        var formats = _options.Cards.Hashes.Select(h => MhlHashFormats.TryParse(h, out var f) ? f : MhlHashFormat.Xxh64).Distinct().ToList();
        var request = new OffloadRequest(job.Source, _options.Cards.Destinations) { Name = job.Name, HashFormats = formats, Comment = "offloaded by the InterPositive Edge service" };
        var progress = new JobProgress(this, job.Id);
        try
        {
            var result = await _ingest.RunAsync(request, progress, stoppingToken);
            Finish(job, result.Offload.Status, result.Offload.CardId, result.Offload.Error);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Finish(job, "parked", null, "the service stopped; the offload resumes when the card is offloaded again");
            _log.Warning("Offload of {Source} parked at shutdown; it resumes on the next run", job.Source);
        }
        catch (Exception error)
        {
            Finish(job, "failed", null, error.Message);
            _log.Error(error, "Offload of {Source} failed", job.Source);
        }
    }

    private void Finish(OffloadJob job, string state, string? cardId, string? error) =>
        Update(job.Id, s => s with { State = state, CardId = cardId, Error = error, CurrentFile = null, FinishedAt = _time.GetUtcNow() });

    /// <summary>Changes a job's state atomically: the engine reports progress from several threads at once.</summary>
    private void Update(string id, Func<OffloadJobState, OffloadJobState> change)
    {
        while (_states.TryGetValue(id, out var state) && !_states.TryUpdate(id, change(state), state))
        {
        }
    }

    /// <summary>
    /// Progress reported on the engine's own threads, so none arrives once the offload returned (a
    /// <see cref="Progress{T}"/> posts to the thread pool, and a late report turned a parked or verified job back
    /// to copying); a finished job's state is final all the same.
    /// </summary>
    private sealed class JobProgress(OffloadQueue queue, string id) : IProgress<OffloadProgress>
    {
        public void Report(OffloadProgress value) => queue.Update(id, s => s.FinishedAt is not null ? s : s with
        {
            State = "copying",
            BytesDone = value.BytesDone,
            BytesTotal = value.BytesTotal,
            FilesDone = value.FilesDone,
            FilesTotal = value.FilesTotal,
            CurrentFile = value.CurrentFile,
        });
    }
}
