using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Cards;
using InterPositive.Catalog.Clips;
using InterPositive.Catalog.Looks;
using InterPositive.Catalog.Takes;
using InterPositive.Offload;
using InterPositive.Formats.Cdl;
using InterPositive.Relight.Models;
using InterPositive.Testing;
using InterPositive.Testing.Media;
using Serilog;

namespace InterPositive.Takes.Tests;

/// <summary>Card ingest and the take worker on a real catalog file, real copies and Debian's ffmpeg.</summary>
[Trait("Category", "Integration")]
public sealed class TakeWorkerTests : IDisposable
{
    private readonly TempFolder _folder = new("ip-takes");
    private readonly Serilog.Core.Logger _log = new LoggerConfiguration().CreateLogger();
    private readonly CatalogDatabase _catalog;

    public TakeWorkerTests() => _catalog = CatalogDatabase.Open(_folder.Combine("data", "interpositive.db"), TimeProvider.System);

    public void Dispose()
    {
        _catalog.Dispose();
        _log.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Decodable_takes_get_lighting_and_previews_each_with_a_shot_update()
    {
        var cardId = await IngestProResCardAsync("A001", clips: 2);
        var before = _catalog.Outbox.LastSequence();

        using var worker = Worker([new RelightPreset("warmer", LampKelvin: 3200)]);
        Assert.Equal(2, worker.Pending().Count);
        Assert.Equal(2, await worker.RunPendingAsync(CancellationToken.None));

        Assert.Empty(worker.Pending());
        Assert.Equal(0, worker.Failed);
        var views = ClipStore.Views(_catalog, cardId);
        Assert.All(views, v => Assert.NotNull(v.Lighting));
        Assert.All(views, v => Assert.Contains("warmer", v.Look!.PreviewsJson, StringComparison.Ordinal));

        // Lighting and previews each went to post as a shot update; the last one carries both.
        var updates = _catalog.Outbox.ReadAfter(before, 100).Where(e => e.Kind == "shots").ToList();
        Assert.Equal(4, updates.Count);
        using var last = JsonDocument.Parse(updates.Last(e => e.Key == views[0].Clip.Id).Body);
        Assert.Equal(JsonValueKind.Object, last.RootElement.GetProperty("lighting").ValueKind);
        Assert.Contains("warmer", last.RootElement.GetProperty("previews").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_look_set_or_cleared_after_the_previews_has_them_remade_with_it()
    {
        var cardId = await IngestProResCardAsync("A004", clips: 1);
        using var worker = Worker([new RelightPreset("warmer", LampKelvin: 3200)]);
        Assert.Equal(1, await worker.RunPendingAsync(CancellationToken.None));
        var clipId = Assert.Single(ClipStore.Documents(_catalog, cardId)).Id;
        Assert.Empty(worker.Pending());

        // The DIT grades the clip: the previews now owe the look, and the old ones stay until the new ones exist.
        var look = new Cdl("day1", new CdlTriple(1.2, 1.0, 0.8), new CdlTriple(0.02, 0, -0.02), CdlTriple.One, 0.8);
        Assert.True(LookStore.Set(_catalog, clipId, look, "api"));
        var owed = Assert.Single(worker.Pending());
        Assert.Equal((false, true), (owed.NeedsLighting, owed.NeedsPreviews));
        Assert.Contains("warmer", ClipStore.View(_catalog, clipId)!.Look!.PreviewsJson, StringComparison.Ordinal);

        var before = _catalog.Outbox.LastSequence();
        Assert.Equal(1, await worker.RunPendingAsync(CancellationToken.None));
        Assert.Empty(worker.Pending());
        var stored = ClipStore.View(_catalog, clipId)!.Look!;
        Assert.Equal(stored.CdlJson, stored.PreviewsCdlJson);
        Assert.Single(_catalog.Outbox.ReadAfter(before, 10), e => e.Kind == "shots" && e.Key == clipId);

        // Cleared: remade without it.
        Assert.True(LookStore.Set(_catalog, clipId, null, null));
        Assert.True(Assert.Single(worker.Pending()).NeedsPreviews);
        Assert.Equal(1, await worker.RunPendingAsync(CancellationToken.None));
        Assert.Null(ClipStore.View(_catalog, clipId)!.Look!.PreviewsCdlJson);
        Assert.Empty(worker.Pending());
    }

    [Fact]
    public async Task Takes_no_decoder_reads_are_recorded_as_failed_once_and_tried_again_when_the_card_is_ingested_again()
    {
        var card = _folder.Combine("A002R2EC");
        CardBuilder.ArriMov(card, clips: 3);
        var cardId = await IngestAsync(card);

        using var worker = Worker([new RelightPreset("warmer", LampKelvin: 3200)]);
        Assert.Equal(3, await worker.RunPendingAsync(CancellationToken.None));
        Assert.Equal(3, worker.Failed);
        Assert.Empty(worker.Pending());
        Assert.All(ClipStore.Documents(_catalog, cardId), c => Assert.NotNull(TakeStore.Failure(_catalog, c.Id)?.Lighting));

        // Nothing owed: a second pass does nothing (no retry loop on a file no decoder reads).
        Assert.Equal(0, await worker.RunPendingAsync(CancellationToken.None));

        // Offloaded again (a decoder may have been installed since): the takes are owed again.
        new CardIngest(_catalog, TimeProvider.System, _log).Index(cardId, CardStore.VerifiedRoot(CardStore.Find(_catalog, cardId)!)!, CancellationToken.None);
        Assert.Equal(3, worker.Pending().Count);
    }

    [Fact]
    public async Task Only_clips_of_a_card_with_a_verified_copy_are_owed_work()
    {
        var card = _folder.Combine("A003R3EC");
        CardBuilder.ArriMov(card, clips: 2);
        var cardId = await IngestAsync(card);
        Assert.Equal(2, TakeStore.Pending(_catalog, previewsWanted: false).Count);

        _catalog.Write(tx =>
        {
            var record = CardStore.Find(tx, cardId)!;
            record.Destinations.ForEach(d => d.Status = CardStatus.Failed);
            CardStore.Upsert(tx, record);
        });
        Assert.Empty(TakeStore.Pending(_catalog, previewsWanted: true));
    }

    [Fact]
    public async Task A_file_of_a_copy_or_of_the_card_is_found_as_its_clip_and_nothing_outside_is()
    {
        var card = _folder.Combine("A004R4EC");
        var clips = CardBuilder.ArriMov(card, clips: 2, reel: "A004R4EC");
        var cardId = await IngestAsync(card);
        var relative = Path.GetRelativePath(card, clips[1]);

        var inCopy = ClipStore.FindByFile(_catalog, Path.Combine(_folder.Combine("raid"), "A004R4EC", relative));
        Assert.Equal(cardId + "/" + Path.GetFileNameWithoutExtension(clips[1]), inCopy?.Clip.Id);
        Assert.Equal(inCopy?.Clip.Id, ClipStore.FindByFile(_catalog, clips[1])?.Clip.Id);
        Assert.Null(ClipStore.FindByFile(_catalog, Path.Combine(_folder.Combine("raid"), "A004R4EC", "..", relative)));
        Assert.Null(ClipStore.FindByFile(_catalog, Path.Combine(_folder.Combine("raid"), "A004R4EC", "ascmhl", "x.mov")));
    }

    [Fact]
    public async Task A_cdl_beside_a_clip_is_its_look_at_ingest_a_bad_one_is_a_warning_and_a_dits_look_is_kept()
    {
        var card = _folder.Combine("A005R5EC");
        var clips = CardBuilder.ArriMov(card, clips: 3, reel: "A005R5EC");
        using (var beside = File.Create(Path.ChangeExtension(clips[0], ".cdl")))
        {
            CdlXml.Write(CdlXml.ToDecisionList([new Cdl("set-grade", new CdlTriple(0.000012, 1, 1.1), CdlTriple.Zero, CdlTriple.One, 0.9)]), beside);
        }

        await File.WriteAllTextAsync(Path.ChangeExtension(clips[1], ".cdl"), "<ColorDecisionList><ColorDecision>");
        File.CreateSymbolicLink(Path.ChangeExtension(clips[2], ".cdl"), Path.GetFileName(Path.ChangeExtension(clips[0], ".cdl")));

        var cardId = await IngestAsync(card);
        var ids = ClipStore.Documents(_catalog, cardId).Select(c => c.Id).Order(StringComparer.Ordinal).ToList();
        var graded = LookStore.Find(_catalog, ids[0]);
        Assert.Equal((Path.GetFileNameWithoutExtension(clips[0]), 0.000012), (graded?.Id, graded?.Slope.R));
        Assert.Null(LookStore.Find(_catalog, ids[1]));
        Assert.Null(LookStore.Find(_catalog, ids[2]));

        // The shot record the ingest queued for post already carries the look.
        var shot = _catalog.Outbox.ReadAfter(0, 100).Last(e => e.Kind == "shots" && e.Key == ids[0]);
        Assert.Contains("\"source\":\"beside the clip\"", shot.Body, StringComparison.Ordinal);

        // Ingested again after the DIT graded it through the API: the DIT's look stays.
        var dit = new Cdl("dit", new CdlTriple(1.3, 1, 1), CdlTriple.Zero, CdlTriple.One, 1);
        Assert.True(LookStore.Set(_catalog, ids[0], dit, "api"));
        new CardIngest(_catalog, TimeProvider.System, _log).Index(cardId, CardStore.VerifiedRoot(CardStore.Find(_catalog, cardId)!)!, CancellationToken.None);
        Assert.Equal(1.3, LookStore.Find(_catalog, ids[0])!.Slope.R);
    }

    [Fact]
    public void Card_looks_name_the_file_of_every_problem_and_a_named_file_wins_over_one_beside_the_clip()
    {
        var card = _folder.Combine("A006R6EC");
        var paths = CardBuilder.ArriMov(card, clips: 2, reel: "A006R6EC");
        var root = Path.GetDirectoryName(paths[0])!;
        var records = Offload.Recognition.CardReader.ReadDirectory(root).Clips;
        var names = records.Select(ClipStore.ClipName).ToList();
        using (var beside = File.Create(Path.ChangeExtension(paths[0], ".cdl")))
        {
            CdlXml.Write(CdlXml.ToDecisionList([new Cdl("beside", new CdlTriple(0.5, 0.5, 0.5), CdlTriple.Zero, CdlTriple.One, 1)]), beside);
        }

        var bad = Path.ChangeExtension(paths[1], ".cdl");
        File.WriteAllText(bad, "<NotACdl/>");
        var ccc = _folder.Combine("day.ccc");
        using (var file = File.Create(ccc))
        {
            CdlXml.Write(CdlXml.ToCollection([new Cdl(names[0], new CdlTriple(2, 2, 2), CdlTriple.Zero, CdlTriple.One, 1), new Cdl("NOBODY", CdlTriple.One, CdlTriple.Zero, CdlTriple.One, 1)]), file);
        }

        var found = Takes.CardLooks.Read(root, records, ccc);
        Assert.Equal(2, found.ByClip[names[0]].Slope.R);
        Assert.False(found.ByClip.ContainsKey(names[1]));
        Assert.Contains(found.Warnings, w => w.Contains(ccc, StringComparison.Ordinal) && w.Contains("NOBODY", StringComparison.Ordinal));
        Assert.Contains(found.Warnings, w => w.Contains(bad, StringComparison.Ordinal));

        // A malformed file the user named is an error naming it, not a warning.
        File.WriteAllText(ccc, "<ColorCorrectionCollection><ColorCorrection id=\"x\"><SOPNode><Slope>1 1</Slope>");
        var error = Assert.Throws<Formats.MalformedInputException>(() => Takes.CardLooks.Read(root, records, ccc));
        Assert.Contains(ccc, error.Message, StringComparison.Ordinal);
    }

    private TakeWorker Worker(IReadOnlyList<RelightPreset> presets) =>
        new(_catalog, new TakeWorkOptions(presets, _folder.Combine("data"), 0), TimeProvider.System, _log);

    /// <summary>An ARRI-style card <c>{reel}R1AB</c> of decodable ProRes clips <c>{reel}C00n_261125_R1AB.mov</c>, offloaded and indexed.</summary>
    private async Task<string> IngestProResCardAsync(string reel, int clips)
    {
        Assert.True(Ffmpeg.Available, "ffmpeg is needed to make decodable clips");
        var roll = reel + "R1AB";
        var card = _folder.Combine(roll);
        Directory.CreateDirectory(Path.Combine(card, roll));
        for (var i = 1; i <= clips; i++)
        {
            Ffmpeg.ProResMov(Path.Combine(card, roll, FormattableString.Invariant($"{reel}C{i:000}_261125_R1AB.mov")));
        }

        return await IngestAsync(card);
    }

    private async Task<string> IngestAsync(string card)
    {
        Directory.CreateDirectory(_folder.Combine("raid"));
        var result = await new CardIngest(_catalog, TimeProvider.System, _log).RunAsync(new OffloadRequest(card, [_folder.Combine("raid")]), null, CancellationToken.None);
        Assert.Equal(OffloadFailureKind.None, result.Offload.Failure);
        return result.Offload.CardId;
    }
}
