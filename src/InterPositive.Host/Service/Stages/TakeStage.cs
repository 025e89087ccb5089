using InterPositive.Catalog;
using InterPositive.Takes;
using Microsoft.Extensions.Hosting;

namespace InterPositive.Host.Service.Stages;

/// <summary>
/// The service's take stage: wraps the takes library's <see cref="TakeWorker"/>, which reads its work list from the
/// catalog. It works at start (takes a crash or a stop left undone) and again whenever a catalog change committed (a card
/// ingested, by this service or the demo); wake-ups while it works coalesce into one more pass, so nothing is dropped
/// when it is busy.
/// </summary>
public sealed class TakeStage : BackgroundService
{
    private readonly CatalogDatabase _catalog;
    private readonly TakeWorker _worker;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _wake = new(0, 1);

    public TakeStage(CatalogDatabase catalog, ApplianceOptions options, LightSensorStage sensors, TimeProvider time, ILogger log)
    {
        _catalog = catalog;
        _log = log.ForContext<TakeStage>();
        _worker = new TakeWorker(catalog, new TakeWorkOptions(options.Relight.ToPresets(), options.Data.Folder!, options.Relight.PreviewFrames, new InterPositive.Media.MediaTools(options.Media)), time, log, sensors.During);
    }

    /// <summary>Takes worked since start.</summary>
    public int Processed => _worker.Processed;

    /// <summary>True while the stage is between passes with nothing owed.</summary>
    public bool Idle { get; private set; }

    /// <summary>What the catalog still owes the take stage.</summary>
    public int PendingCount => _worker.Pending().Count;

    public override void Dispose()
    {
        _worker.Dispose();
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _catalog.Outbox.Appended += OnCatalogChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Idle = false;
                var worked = await _worker.RunPendingAsync(stoppingToken);
                if (worked > 0)
                {
                    _log.Information("Take stage: {Takes} takes worked, {Failed} failed since start", _worker.Processed, _worker.Failed);
                }

                Idle = true;
                await _wake.WaitAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _catalog.Outbox.Appended -= OnCatalogChanged;
        }
    }

    private void OnCatalogChanged(object? sender, EventArgs e)
    {
        // One pending wake-up is enough: the next pass reads the whole work list from the catalog.
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
