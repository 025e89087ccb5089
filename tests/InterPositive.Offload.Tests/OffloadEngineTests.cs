using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Offload;
using InterPositive.Formats.AscMhl;
using InterPositive.Testing.Cards;

namespace InterPositive.Offload.Tests;

[Trait("Category", "Integration")]
public sealed class OffloadEngineTests : IDisposable
{
    private readonly OffloadFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Two_destinations_get_identical_verified_copies_with_times_and_a_valid_history()
    {
        var card = SyntheticCard.Typical(_f.CardRoot()).SealFolderTimes();

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.Equal("verified", result.Status);
        Assert.True(result.SafeToFormat);
        Assert.Equal(12, result.Files);
        Assert.Equal(result.Bytes, result.BytesRead);
        Assert.Equal(InterPositive.Offload.FileSystem.LinuxFileSystem.IsMemoryBacked(_f.Drive1) ? InterPositive.Offload.FileSystem.ReReadModes.PageCache : InterPositive.Offload.FileSystem.ReReadModes.Fadvise, result.ReReadMode);
        Assert.Equal(1, result.MhlGeneration);
        var source = OffloadFixture.Contents(card.Root);
        foreach (var drive in new[] { _f.Drive1, _f.Drive2 })
        {
            var copy = Path.Combine(drive, "A002R2EC");
            Assert.Equal(source.Keys, OffloadFixture.Contents(copy).Keys);
            Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, copy));
            Assert.All(Directory.EnumerateFiles(copy, "*", SearchOption.AllDirectories).Where(p => !p.Contains("/ascmhl/", StringComparison.Ordinal)), p =>
                Assert.Equal(SyntheticCard.ShootingDay.UtcDateTime, File.GetLastWriteTimeUtc(p)));
            Assert.Equal(SyntheticCard.ShootingDay.UtcDateTime, Directory.GetLastWriteTimeUtc(Path.Combine(copy, "Clips")));
            Assert.Empty(AscMhlSchema.ValidateAll(copy));
            var report = await _f.VerifyAsync(copy);
            Assert.True(report.Ok, string.Join(", ", report.Missing.Concat(report.New)));
            Assert.Equal(12, report.FilesVerified);
        }

        var destination = result.Destinations[0];
        Assert.Equal("verified", destination.Status);
        Assert.Equal(12, destination.FilesVerified);
        Assert.StartsWith("ascmhl/0001_A002R2EC_2026-11-25_093000Z.mhl", destination.MhlManifest, StringComparison.Ordinal);
        var manifestPath = Path.Combine(destination.Path, destination.MhlManifest!);
        var manifest = MhlReader.Read(OffloadFixture.Bytes(manifestPath), manifestPath);
        Assert.Equal(MhlProcesses.Transfer, manifest.Process.Process);
        Assert.Equal("dit-cart", manifest.Creator.HostName);
        Assert.Equal(12, manifest.Files.Count());
        Assert.All(manifest.Files, f => Assert.Equal(MhlActions.Original, Assert.Single(f.Hashes).Action));
        Assert.Equal(["Clips", "Metadata"], manifest.Directories.Select(d => d.Path));
        var chain = OffloadFixture.Text(Path.Combine(destination.Path, "ascmhl", "ascmhl_chain.xml"));
        Assert.Contains(C4Id.Of(OffloadFixture.Bytes(manifestPath)), chain, StringComparison.Ordinal);

        // Every copied file was re-read from the drive before it got its final name, and only what was flushed first.
        Assert.Equal(24 + 0, _f.Fs.Verifications.Keys.Count(k => k.EndsWith(CardScan.PartialSuffix, StringComparison.Ordinal)));
        Assert.Empty(_f.Fs.OrderViolations);
    }

    [Fact]
    public async Task A_large_clip_is_re_read_step_by_step_behind_its_copy_and_nothing_is_read_back_before_it_reached_the_drive()
    {
        // 2 MiB in 64 KiB chunks, verified in 256 KiB steps: each step written out to the drive, then read back;
        // the whole copy flushed (fdatasync) once before its rename (the fault layer checks both orders).
        var card = new SyntheticCard(_f.CardRoot()).File("Clips/A002C001.mov", (2 << 20) + 777).File("Clips/A002C002.mov", 10_000).File("Metadata/a.xml", 0);
        var engine = new OffloadEngine(_f.Fs, _f.Catalog, _f.Time);

        var result = await engine.RunAsync(new OffloadRequest(card.Root, [_f.Drive1, _f.Drive2]) { ChunkSize = 64 * 1024, VerifyStep = 256 * 1024 }, null, CancellationToken.None);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.Empty(_f.Fs.OrderViolations);
        foreach (var drive in new[] { _f.Drive1, _f.Drive2 })
        {
            var copy = Path.Combine(drive, "A002R2EC");
            Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, copy));
            var temp = Path.Combine(copy, "Clips", ".A002C001.mov" + CardScan.PartialSuffix);
            Assert.Equal(8, _f.Fs.WriteOuts[temp]);
            Assert.Equal(1, _f.Fs.Flushes[temp]);
            Assert.Equal(1, _f.Fs.Flushes[Path.Combine(copy, "Metadata", ".a.xml" + CardScan.PartialSuffix)]);
        }

        Assert.Contains(result.Stages, s => s.Stage == "re-read" && s.Count > 0);
        Assert.Contains(result.Stages, s => s.Stage == "write-out" && s.Count == 16);
    }

    [Fact]
    public async Task The_catalog_records_card_files_job_and_outbox_messages_in_step()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 1, smallFiles: 1);

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        var stored = _f.Catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(result.CardId));
        Assert.NotNull(stored);
        Assert.Equal(CardStatus.Verified, stored.Status);
        Assert.True(stored.SafeToFormat);
        Assert.Equal(3, stored.FileCount);
        Assert.All(stored.Destinations, d => Assert.Equal(CardStatus.Verified, d.Status));
        var files = _f.Catalog.Read(db => db.GetCollection<OffloadFileRecord>(CatalogCollections.Files).Find(r => r.CardId == result.CardId).ToList());
        Assert.Equal(6, files.Count);
        Assert.All(files, r => Assert.Equal(CardStatus.Verified, r.Status));
        Assert.All(files, r => Assert.Equal(16, r.Hashes["xxh64"].Length));
        var job = Assert.Single(_f.Catalog.Read(db => db.GetCollection<OffloadJobDocument>(CatalogCollections.OffloadJobs).FindAll().ToList()));
        Assert.Equal(CardStatus.Verified, job.Status);
        Assert.Equal(3, job.FilesCopied);

        var outbox = _f.Catalog.Outbox.ReadAfter(0, 100);
        Assert.All(outbox.Where(e => e.Kind == "cards"), e => Assert.True(e.Retained));
        var last = outbox.Last(e => e.Kind == "cards");
        using var body = JsonDocument.Parse(last.Body);
        Assert.Equal(result.CardId, body.RootElement.GetProperty("cardId").GetString());
        Assert.Equal("verified", body.RootElement.GetProperty("status").GetString());
        Assert.True(body.RootElement.GetProperty("safeToFormat").GetBoolean());
        Assert.Equal(2, body.RootElement.GetProperty("destinations").GetArrayLength());
        Assert.Equal(1, body.RootElement.GetProperty("mhlGeneration").GetInt32());
        var finished = Assert.Single(outbox, e => e.Kind == "events");
        Assert.Equal("offload-finished", finished.Key);
        Assert.False(finished.Retained);
    }

    [Fact]
    public async Task Several_hash_formats_are_computed_in_the_one_read()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 2, smallFiles: 2);
        MhlHashFormat[] formats = [MhlHashFormat.Xxh64, MhlHashFormat.Xxh3, MhlHashFormat.Xxh128, MhlHashFormat.Md5, MhlHashFormat.Sha1, MhlHashFormat.C4];

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1], formats);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.All(_f.Fs.Reads.Where(r => r.Key.StartsWith(card.Root, StringComparison.Ordinal)), r => Assert.Equal(1, r.Value));
        foreach (var file in result.FileResults)
        {
            var bytes = OffloadFixture.Bytes(Path.Combine(card.Root, file.Path));
            foreach (var format in formats)
            {
                Assert.Equal(MhlHasher.HashData(format, bytes), file.Hashes[format.ElementName()]);
            }
        }

        Assert.Empty(AscMhlSchema.ValidateAll(Path.Combine(_f.Drive1, "A002R2EC")));
    }

    [Fact]
    public async Task Unicode_spaces_deep_paths_empty_files_and_empty_folders_are_copied_and_listed()
    {
        var deep = string.Join('/', Enumerable.Range(1, 20).Select(i => $"level {i:D2}"));
        var card = new SyntheticCard(_f.CardRoot("Card été 日本"))
            .File("Clips/Scène 1 – prise 2.mov", 70_000, seed: 3)
            .File("Clips/日本語 クリップ.mov", 1234, seed: 4)
            .File(deep + "/deep clip.mxf", 5000, seed: 5)
            .File("empty.txt", [])
            .Folder("Empty Folder")
            .Folder("Empty Folder/Nested Empty")
            .SealFolderTimes();

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        var copy = Path.Combine(_f.Drive1, "Card été 日本");
        Assert.Equal(OffloadFixture.Contents(card.Root).Keys, OffloadFixture.Contents(copy).Keys);
        Assert.True(Directory.Exists(Path.Combine(copy, "Empty Folder", "Nested Empty")));
        Assert.Empty(OffloadFixture.Bytes(Path.Combine(copy, "empty.txt")));
        Assert.Empty(AscMhlSchema.ValidateAll(copy));
        var manifestPath = Path.Combine(copy, result.Destinations[0].MhlManifest!);
        var manifest = MhlReader.Read(OffloadFixture.Bytes(manifestPath), manifestPath);
        Assert.Contains(manifest.Files, f => f.Path == "empty.txt" && f.Size == 0 && f.Hashes[0].Value == MhlHasher.HashData(MhlHashFormat.Xxh64, []));
        Assert.Contains(manifest.Directories, d => d.Path == "Empty Folder/Nested Empty");
        Assert.Contains(manifest.Files, f => f.Path == "Clips/日本語 クリップ.mov");
        Assert.StartsWith("0001_Card été 日本_", Path.GetFileName(manifestPath), StringComparison.Ordinal);
        Assert.True((await _f.VerifyAsync(copy)).Ok);
    }

    [Fact]
    public async Task Links_are_recorded_and_never_followed_out_of_the_card()
    {
        var outside = _f.Combine("outside");
        Directory.CreateDirectory(outside);
        OffloadFixture.Write(Path.Combine(outside, "secret.txt"), "not on the card");
        var card = new SyntheticCard(_f.CardRoot())
            .File("Clips/A.mov", 1000)
            .Link("Clips/latest.mov", "A.mov")
            .Link("escape", outside);

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.Equal(2, result.Symlinks.Count);
        Assert.Contains(result.Symlinks, l => l.Path == "Clips/latest.mov" && l.InsideCard);
        Assert.Contains(result.Symlinks, l => l.Path == "escape" && !l.InsideCard);
        var copy = Path.Combine(_f.Drive1, "A002R2EC");
        Assert.Equal("A.mov", new FileInfo(Path.Combine(copy, "Clips", "latest.mov")).LinkTarget);
        Assert.False(Path.Exists(Path.Combine(copy, "escape")));
        Assert.DoesNotContain(_f.Fs.Reads.Keys, k => k.StartsWith(outside, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_name_present_with_other_content_is_left_alone_and_fails_the_check()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 2, smallFiles: 1);
        var clash = Path.Combine(_f.Drive1, "A002R2EC", "Sidecar.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(clash)!);
        OffloadFixture.Write(clash, "someone else's sidecar\n");

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(OffloadFailureKind.CheckFailed, result.Failure);
        Assert.Contains("Sidecar.txt", result.Error, StringComparison.Ordinal);
        Assert.Contains("already in the destination with other content", result.Error, StringComparison.Ordinal);
        Assert.Equal("someone else's sidecar\n", OffloadFixture.Text(clash));
        Assert.False(result.SafeToFormat);
        Assert.Equal("failed", result.Destinations[0].Status);
        Assert.Null(result.Destinations[0].MhlManifest);
        Assert.Equal("verified", result.Destinations[1].Status);
        Assert.NotNull(result.Destinations[1].MhlManifest);
        var record = _f.Catalog.Read(db => db.GetCollection<OffloadFileRecord>(CatalogCollections.Files)
            .FindById(OffloadFileRecord.MakeId(result.CardId, Path.Combine(_f.Drive1, "A002R2EC"), "Sidecar.txt")));
        Assert.Equal(CardStatus.Failed, record.Status);
    }

    [Fact]
    public async Task A_name_present_with_the_same_content_is_verified_without_writing()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 1, smallFiles: 0);
        var existing = Path.Combine(_f.Drive1, "A002R2EC", "Sidecar.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(existing)!);
        File.Copy(Path.Combine(card.Root, "Sidecar.txt"), existing);

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.Equal("matched-existing", result.FileResults.Single(f => f.Path == "Sidecar.txt").Destinations.Values.Single());
        Assert.DoesNotContain(_f.Fs.Creates.Keys, k => k.Contains("Sidecar.txt", StringComparison.Ordinal));
        Assert.Equal(1, _f.Fs.Verifications[existing]);
    }

    [Fact]
    public async Task A_second_run_reads_nothing_again_and_adds_a_generation()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 2, smallFiles: 2);
        var first = await _f.OffloadAsync(card.Root, [_f.Drive1]);
        _f.Fs.Reads.Clear();
        _f.Time.Advance(TimeSpan.FromMinutes(5));

        var second = await _f.OffloadAsync(card.Root, [_f.Drive1]);

        Assert.Equal(OffloadFailureKind.None, second.Failure);
        Assert.Equal(first.CardId, second.CardId);
        Assert.Equal(5, second.FilesResumed);
        Assert.Equal(0, second.BytesRead);
        Assert.DoesNotContain(_f.Fs.Reads.Keys, k => k.StartsWith(card.Root + "/", StringComparison.Ordinal));
        Assert.Equal(2, second.MhlGeneration);
        var copy = Path.Combine(_f.Drive1, "A002R2EC");
        Assert.Equal(2, Directory.GetFiles(Path.Combine(copy, "ascmhl"), "*.mhl").Length);
        Assert.Empty(AscMhlSchema.ValidateAll(copy));
        Assert.True((await _f.VerifyAsync(copy)).Ok);
        Assert.Equal(first.FileResults.Select(f => f.Hashes["xxh64"]), second.FileResults.Select(f => f.Hashes["xxh64"]));
    }

    [Fact]
    public async Task A_missing_destination_drive_stops_before_anything_is_written()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 1, smallFiles: 0);

        var error = await Assert.ThrowsAsync<OffloadException>(() => _f.OffloadAsync(card.Root, [_f.Drive1, _f.Combine("not-mounted")]));

        Assert.Equal(OffloadFailureKind.Environment, error.Kind);
        Assert.Contains("not-mounted", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_f.Drive1, "A002R2EC")));
    }

    [Fact]
    public async Task A_destination_inside_the_card_is_refused()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 1, smallFiles: 0);

        var error = await Assert.ThrowsAsync<OffloadException>(() => _f.OffloadAsync(card.Root, [Path.Combine(card.Root, "Clips")]));

        Assert.Equal(OffloadFailureKind.BadInput, error.Kind);
    }
}
