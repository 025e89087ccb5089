using InterPositive.Catalog;
using InterPositive.Catalog.Takes;
using InterPositive.Formats.Clips;
using InterPositive.Lighting;
using InterPositive.Media;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;

namespace InterPositive.Takes;

/// <summary>How the take work is done: the relight presets previewed for every clip (none: no previews), where previews go.</summary>
/// <param name="Presets">Preview presets; empty makes no previews.</param>
/// <param name="DataFolder">The data folder; previews go under <c>previews/</c>.</param>
/// <param name="PreviewFrames">Frames in each preview clip (0: a poster still only).</param>
/// <param name="Media">Where ffmpeg and ffprobe are (null: on the PATH).</param>
public sealed record TakeWorkOptions(IReadOnlyList<RelightPreset> Presets, string DataFolder, long PreviewFrames, MediaTools? Media = null);

/// <summary>
/// Works through the takes the catalog is owed (<see cref="TakeStore.Pending"/>): the lighting of each clip, then its
/// relight preview set, each stored with its shot update in one transaction. The work list is read from the catalog every
/// pass, so a take stage that restarts after a crash, or a burst of cards larger than any queue, loses nothing. A clip
/// whose file cannot be decoded is recorded as failed and never stops the rest.
/// </summary>
public sealed class TakeWorker : IDisposable
{
    private readonly CatalogDatabase _catalog;
    private readonly TakeWorkOptions _options;
    private readonly ILogger _log;
    private readonly ClipLighting _lighting;
    private readonly Lazy<BuiltInModel> _model = new(() => new BuiltInModel());
    private readonly Lazy<ClipPreviews> _previews;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public TakeWorker(CatalogDatabase catalog, TakeWorkOptions options, TimeProvider time, ILogger log, Func<ClipRecord, LightingRecord, IReadOnlyList<SensorSample>>? sensorsDuring = null)
    {
        _catalog = catalog;
        _options = options;
        _log = log.ForContext<TakeWorker>();
        _lighting = new ClipLighting(catalog, _log, sensorsDuring, options.Media);
        _previews = new(() => new ClipPreviews(catalog, _model.Value, time, _log, options.Media));
    }

    /// <summary>Takes worked (successfully or not) since this worker was made.</summary>
    public int Processed { get; private set; }

    /// <summary>Takes that failed since this worker was made.</summary>
    public int Failed { get; private set; }

    /// <summary>What the catalog is still owed.</summary>
    public IReadOnlyList<PendingTake> Pending() => TakeStore.Pending(_catalog, _options.Presets.Count > 0);

    /// <summary>
    /// Works until the catalog owes nothing (every take done or recorded as failed); returns the takes worked. One pass at
    /// a time: a second caller waits for the first.
    /// </summary>
    public async Task<int> RunPendingAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var worked = 0;
            for (var pending = Pending(); pending.Count > 0; pending = Pending())
            {
                foreach (var take in pending)
                {
                    await WorkAsync(take, cancellationToken);
                    worked++;
                }
            }

            return worked;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One take: lighting then previews, as needed; failures are recorded in the catalog, cancellation is not.</summary>
    public async Task WorkAsync(PendingTake take, CancellationToken cancellationToken)
    {
        var ok = true;
        if (take.NeedsLighting)
        {
            ok &= await TryAsync(take, TakeWork.Lighting, () => _lighting.AnalyseAndStoreAsync(take.Clip, take.CardRoot, int.MaxValue, cancellationToken), cancellationToken);
        }

        if (take.NeedsPreviews)
        {
            ok &= await TryAsync(take, TakeWork.Previews, () => _previews.Value.MakeAsync(take.Clip, take.CardRoot, _options.Presets, _options.DataFolder, _options.PreviewFrames, cancellationToken), cancellationToken);
        }

        Processed++;
        if (!ok)
        {
            Failed++;
        }
    }

    public void Dispose()
    {
        if (_model.IsValueCreated)
        {
            _model.Value.Dispose();
        }

        _gate.Dispose();
    }

    private async Task<bool> TryAsync(PendingTake take, TakeWork work, Func<Task> run, CancellationToken cancellationToken)
    {
        try
        {
            await run();
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception error) when (error is not ObjectDisposedException)
        {
            _log.Error("Take {Clip}: {Work} failed: {Error}", take.Clip.Id, work, error.Message);
            TakeStore.RecordFailure(_catalog, take.Clip.Id, work, error.Message);
            return false;
        }
    }
}
