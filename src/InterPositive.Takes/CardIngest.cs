using InterPositive.Catalog;
using InterPositive.Catalog.Cards;
using InterPositive.Catalog.Clips;
using InterPositive.Catalog.Looks;
using InterPositive.Catalog.Shots;
using InterPositive.Catalog.Takes;
using InterPositive.Offload;
using InterPositive.Offload.FileSystem;
using InterPositive.Offload.Recognition;

namespace InterPositive.Takes;

/// <summary>What an ingest produced: the offload outcome and the clips read from the verified copy.</summary>
public sealed record CardIngestResult(OffloadResult Offload, CardClips? Clips);

/// <summary>
/// One card from the reader to the catalog: the verified offload, then the camera and every clip's metadata read from
/// a verified copy (never from the card, which may already be back in the camera), stored with the card's record, the
/// looks found beside the clips (<see cref="CardLooks"/>) and a shot message per clip in one catalog transaction. The
/// one ingest path: the CLI's offload verb, the service's offload queue and the demo all call it. Lighting and previews
/// follow from the catalog (<see cref="TakeWorker"/>).
/// </summary>
public sealed class CardIngest(CatalogDatabase catalog, TimeProvider time, ILogger log)
{
    public async Task<CardIngestResult> RunAsync(OffloadRequest request, IProgress<OffloadProgress>? progress, CancellationToken cancellationToken)
    {
        var engine = new OffloadEngine(LinuxFileSystem.Instance, catalog, time);
        var result = await engine.RunAsync(request, progress, cancellationToken);
        foreach (var destination in result.Destinations.Where(d => d.LinksLeftOut.Count > 0))
        {
            log.Warning("Card {CardId}: {Destination} holds no links: {Count} of the card's links not made there ({Links}); their targets are copied and verified", result.CardId, destination.Path, destination.LinksLeftOut.Count, destination.LinksLeftOut);
        }

        var clips = result.VerifiedRoots.FirstOrDefault() is { } copy ? Index(result.CardId, copy, cancellationToken) : null;
        return new CardIngestResult(result, clips);
    }

    /// <summary>Reads the camera and clip metadata of a card folder and stores it; returns what was read.</summary>
    public CardClips Index(string cardId, string root, CancellationToken cancellationToken)
    {
        var clips = CardReader.ReadDirectory(root, cancellationToken);
        var looks = CardLooks.Read(root, clips.Clips, cdlFile: null);
        var looksAttached = 0;
        catalog.Write(tx =>
        {
            CardStore.SetCameraFamily(tx, cardId, clips.Family);
            ClipStore.UpsertAll(tx, cardId, clips.Clips);
            looksAttached = LookStore.AttachWhereNone(tx, looks.ByClip.Select(l => (cardId + "/" + l.Key, l.Value)), CardLooks.BesideTheClip);

            // A card ingested again gets its take work tried again (a decoder may have been installed since).
            TakeStore.ForgetFailures(tx, cardId);
            ShotRecords.EnqueueCardAndShots(tx, cardId);
        });
        log.Information("Card {CardId}: {Family} camera, {Clips} clips, {Looks} looks beside them, {Errors} unreadable files", cardId, clips.Family, clips.Clips.Count, looksAttached, clips.Errors.Count);
        foreach (var error in clips.Errors.Concat(looks.Warnings))
        {
            log.Warning("Card {CardId}: {Error}", cardId, error);
        }

        return clips;
    }
}
