using System.Threading.Channels;
using InterPositive.Catalog;
using InterPositive.Host.Service.Ingest;
using InterPositive.Relight.Models;
using Microsoft.Extensions.Hosting;

namespace InterPositive.Host.Service.Stages;

/// <summary>
/// After a card is verified: the lighting of every take, then its relight preview set. One clip at a time from a
/// bounded queue fed by the offload queue; a clip that cannot be decoded is logged and skipped, never stopping the rest.
/// </summary>
public sealed class TakeStages : BackgroundService
{
    private readonly Channel<(ClipDocument Clip, string CardRoot)> _clips = Channel.CreateBounded<(ClipDocument, string)>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly CatalogDatabase _catalog;
    private readonly ApplianceOptions _options;
    private readonly ClipLighting _lighting;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public TakeStages(CatalogDatabase catalog, ApplianceOptions options, OffloadQueue offloads, LightSensorStage sensors, TimeProvider time, ILogger log)
    {
        _catalog = catalog;
        _options = options;
        _time = time;
        _log = log.ForContext<TakeStages>();
        _lighting = new ClipLighting(catalog, _log, sensors.During, new InterPositive.Media.MediaTools(options.Media));
        offloads.Ingested += (_, result) =>
        {
            if (result.Clips is null || result.Offload.VerifiedRoots.FirstOrDefault() is not { } root)
            {
                return;
            }

            foreach (var clip in _catalog.Read(db => db.GetCollection<ClipDocument>(CatalogCollections.Clips).Find(c => c.CardId == result.Offload.CardId).ToList()))
            {
                if (!_clips.Writer.TryWrite((clip, root)))
                {
                    _log.Warning("Take queue full; {Clip} will not be analysed now", clip.Id);
                }
            }
        };
    }

    /// <summary>Clips analysed and previewed since start.</summary>
    public int Processed { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var model = new BuiltInModel();
        var previews = new ClipPreviews(_catalog, model, _time, _log, new InterPositive.Media.MediaTools(_options.Media));
        var presets = ClipPreviews.Presets(_options.Relight.Presets);
        await foreach (var (clip, root) in _clips.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await _lighting.AnalyseAndStoreAsync(clip, root, int.MaxValue, stoppingToken);
                if (presets.Count > 0)
                {
                    await previews.MakeAsync(clip, root, presets, _options.Data.Folder!, _options.Relight.PreviewFrames, stoppingToken);
                }

                Processed++;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception error)
            {
                _log.Error("Take {Clip} not analysed: {Error}", clip.Id, error.Message);
            }
        }
    }
}
