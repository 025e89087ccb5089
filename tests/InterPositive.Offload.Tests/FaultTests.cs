using InterPositive.Catalog;
using InterPositive.Catalog.Offload;
using InterPositive.Testing.Cards;

namespace InterPositive.Offload.Tests;

/// <summary>Failures on the cart: read errors, full and read-only drives, bad writes, files that change, interruptions.</summary>
[Trait("Category", "Integration")]
public sealed class FaultTests : IDisposable
{
    private readonly OffloadFixture _f = new();

    public void Dispose() => _f.Dispose();

    private string Copy1 => Path.Combine(_f.Drive1, "A002R2EC");

    private string Copy2 => Path.Combine(_f.Drive2, "A002R2EC");

    [Fact]
    public async Task A_source_read_error_fails_that_file_everywhere_and_the_rest_still_copies()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 3, clipSize: 200_000, smallFiles: 2);
        var bad = card.PathOf("Clips/A002C007_141024_R2EC.mov");
        _f.Fs.ReadFault = (path, offset) => path == bad && offset >= 65536 ? new IOException("Input/output error") : null;

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(OffloadFailureKind.BadInput, result.Failure);
        Assert.Contains(bad, result.Error, StringComparison.Ordinal);
        Assert.Contains("offset 65536", result.Error, StringComparison.Ordinal);
        Assert.Equal("failed", result.Status);
        Assert.False(result.SafeToFormat);
        foreach (var copy in new[] { Copy1, Copy2 })
        {
            Assert.False(File.Exists(Path.Combine(copy, "Clips/A002C007_141024_R2EC.mov")));
            Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, copy));
            Assert.Empty(Directory.GetFiles(copy, "*" + CardScan.PartialSuffix, SearchOption.AllDirectories));
            Assert.True(File.Exists(Path.Combine(copy, "Clips/A002C008_141024_R2EC.mov")));
            Assert.False(Directory.Exists(Path.Combine(copy, "ascmhl")) && Directory.GetFiles(Path.Combine(copy, "ascmhl"), "*.mhl").Length > 0);
        }

        Assert.Equal(5, result.FileResults.Count(f => f.Status == "verified"));
        var records = _f.Catalog.Read(db => db.GetCollection<OffloadFileRecord>(CatalogCollections.Files).Find(r => r.CardId == result.CardId).ToList());
        Assert.Equal(2, records.Count(r => r.Status == CardStatus.Failed));
        Assert.Equal(10, records.Count(r => r.Status == CardStatus.Verified));
        var card2 = _f.Catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(result.CardId));
        Assert.Equal(CardStatus.Failed, card2.Status);
        Assert.False(card2.SafeToFormat);
        Assert.Equal("verify-failed", _f.Catalog.Outbox.ReadAfter(0, 100).Single(e => e.Kind == "events").Key);
    }

    [Fact]
    public async Task A_corrupted_write_is_caught_by_the_re_read_and_never_gets_a_final_name()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 2, smallFiles: 1);
        _f.Fs.CorruptWrites = path => path.StartsWith(Copy2, StringComparison.Ordinal) && path.Contains("A002C006", StringComparison.Ordinal);

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(OffloadFailureKind.CheckFailed, result.Failure);
        Assert.Contains("read back from the drive does not match", result.Error, StringComparison.Ordinal);
        Assert.Equal("verified", result.Destinations[0].Status);
        Assert.Equal("failed", result.Destinations[1].Status);
        Assert.False(File.Exists(Path.Combine(Copy2, "Clips/A002C006_141024_R2EC.mov")));
        Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, Copy2));
        Assert.Empty(Directory.GetFiles(Copy2, "*" + CardScan.PartialSuffix, SearchOption.AllDirectories));
        Assert.Null(result.Destinations[1].MhlManifest);
        Assert.False(result.SafeToFormat);
    }

    [Fact]
    public async Task A_full_drive_fails_that_destination_only()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 3, clipSize: 300_000, smallFiles: 3);
        _f.Fs.WriteFault = (path, offset) => path.StartsWith(Copy2, StringComparison.Ordinal) && path.Contains("A002C007", StringComparison.Ordinal) && offset > 100_000
            ? new IOException("No space left on device")
            : null;

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(OffloadFailureKind.Environment, result.Failure);
        Assert.Contains("No space left on device", result.Error, StringComparison.Ordinal);
        Assert.Contains("A002C007", result.Error, StringComparison.Ordinal);
        Assert.Equal("verified", result.Destinations[0].Status);
        Assert.NotNull(result.Destinations[0].MhlManifest);
        Assert.Empty(AscMhlSchema.ValidateAll(Copy1));
        Assert.Equal("failed", result.Destinations[1].Status);
        Assert.Contains("No space left", result.Destinations[1].Error, StringComparison.Ordinal);
        Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, Copy2));
        Assert.False(File.Exists(Path.Combine(Copy2, "Clips/A002C007_141024_R2EC.mov")));
        Assert.True(File.Exists(Path.Combine(Copy2, "Clips/A002C006_141024_R2EC.mov")));
        var stored = _f.Catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(result.CardId));
        Assert.Equal(CardStatus.Failed, stored.Destinations[1].Status);
        Assert.Equal(CardStatus.Verified, stored.Destinations[0].Status);
        Assert.False(stored.SafeToFormat);
    }

    [Fact]
    public async Task A_read_only_drive_fails_loudly()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 1, smallFiles: 1);
        _f.Fs.CreateFault = path => path.StartsWith(Copy1, StringComparison.Ordinal) ? new UnauthorizedAccessException($"Access to the path '{path}' is denied (read-only file system).") : null;

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);

        Assert.Equal(OffloadFailureKind.Environment, result.Failure);
        Assert.Contains("read-only", result.Error, StringComparison.Ordinal);
        Assert.Equal("failed", result.Destinations[0].Status);
        Assert.Equal(0, result.Destinations[0].FilesVerified);
    }

    [Fact]
    public async Task A_file_that_changes_during_the_copy_is_reported_and_not_verified()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 2, clipSize: 300_000, smallFiles: 1);
        var growing = card.PathOf("Clips/A002C006_141024_R2EC.mov");
        var appended = false;
        _f.Fs.AfterRead = (path, offset, read) =>
        {
            if (path == growing && offset == 0 && !appended)
            {
                appended = true;
                using var stream = new FileStream(path, FileMode.Append);
                stream.Write(new byte[1000]);
            }
        };

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);

        Assert.Equal(OffloadFailureKind.BadInput, result.Failure);
        Assert.Contains("changed during the copy", result.Error, StringComparison.Ordinal);
        Assert.Contains(growing, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Copy1, "Clips/A002C006_141024_R2EC.mov")));
        Assert.Equal("failed", result.FileResults.Single(f => f.Path == "Clips/A002C006_141024_R2EC.mov").Status);
        Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, Copy1));
    }

    [Fact]
    public async Task An_interrupted_offload_resumes_without_copying_verified_files_again()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 4, clipSize: 300_000, smallFiles: 6);
        using var stop = new CancellationTokenSource();
        var finals = 0;
        _f.Fs.AfterRename = path =>
        {
            if (path.StartsWith(Copy1, StringComparison.Ordinal) && Interlocked.Increment(ref finals) == 3)
            {
                stop.Cancel();
            }
        };

        // Stopped mid-card (the killed-process test in Host.Tests does the same with kill -9).
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2], cancellationToken: stop.Token));
        Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, Copy1));
        Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, Copy2));
        Assert.Empty(_f.Fs.OrderViolations);

        // The catalog says the card was stopped, not that it is still copying; the job too.
        var stopped = _f.Catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindAll().Single());
        Assert.Equal(CardStatus.Interrupted, stopped.Status);
        Assert.False(stopped.SafeToFormat);
        Assert.All(stopped.Destinations, d => Assert.Equal(CardStatus.Interrupted, d.Status));
        Assert.All(stopped.Destinations, d => Assert.Contains("resume", d.Error, StringComparison.Ordinal));
        var job = _f.Catalog.Read(db => db.GetCollection<OffloadJobDocument>(CatalogCollections.OffloadJobs).FindAll().Single());
        Assert.Equal(CardStatus.Interrupted, job.Status);
        Assert.NotNull(job.FinishedAt);
        Assert.Contains("resume", job.Error, StringComparison.Ordinal);
        // Files verified in both destinations before the stop are the ones a resume may skip.
        var verifiedBefore = _f.Catalog.Read(db => db.GetCollection<OffloadFileRecord>(CatalogCollections.Files).Find(r => r.Status == CardStatus.Verified).ToList())
            .GroupBy(r => r.Path).Where(g => g.Count() == 2).Select(g => g.Key).ToList();

        _f.Fs.AfterRename = null;
        _f.Fs.Reads.Clear();
        _f.Fs.Creates.Clear();
        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.True(result.SafeToFormat);
        Assert.Equal(CardStatus.Verified, _f.Catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindAll().Single()).Status);
        Assert.True(result.FilesResumed >= verifiedBefore.Count, $"resumed {result.FilesResumed}, verified before {verifiedBefore.Count}");
        Assert.Equal(result.Files, result.FilesResumed + result.FilesCopied + result.FileResults.Count(f => f.Destinations.Values.Contains("matched-existing") && !f.Destinations.Values.Contains("verified")));
        foreach (var path in verifiedBefore.Where(p => result.FileResults.Single(f => f.Path == p).Destinations.Values.All(s => s == "resumed")))
        {
            Assert.False(_f.Fs.Reads.ContainsKey(card.PathOf(path)), $"{path} was read again");
            Assert.DoesNotContain(_f.Fs.Creates.Keys, k => k.Contains(Path.GetFileName(path), StringComparison.Ordinal));
        }

        foreach (var copy in new[] { Copy1, Copy2 })
        {
            Assert.Equal(OffloadFixture.Contents(card.Root).Keys, OffloadFixture.Contents(copy).Keys);
            Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, copy));
            Assert.Empty(Directory.GetFiles(copy, "*" + CardScan.PartialSuffix, SearchOption.AllDirectories));
            Assert.Empty(AscMhlSchema.ValidateAll(copy));
            Assert.True((await _f.VerifyAsync(copy)).Ok);
        }
    }

    [Fact]
    public async Task A_stop_that_lands_inside_a_write_leaves_every_destination_interrupted_not_failed()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 2, clipSize: 300_000, smallFiles: 1);
        using var stop = new CancellationTokenSource();

        // The drive's write is the one the stop cancels (on a loaded machine this is where a stop usually lands).
        _f.Fs.WriteFault = (path, _) =>
        {
            if (!path.StartsWith(Copy2, StringComparison.Ordinal) || !path.Contains(".mov", StringComparison.Ordinal))
            {
                return null;
            }

            stop.Cancel();
            return new OperationCanceledException(stop.Token);
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2], cancellationToken: stop.Token));

        var stopped = _f.Catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindAll().Single());
        Assert.Equal(CardStatus.Interrupted, stopped.Status);
        Assert.All(stopped.Destinations, d => Assert.Equal((CardStatus.Interrupted, true), (d.Status, d.Error?.Contains("resume", StringComparison.Ordinal))));
        Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, Copy1));
        Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, Copy2));

        _f.Fs.WriteFault = null;
        var resumed = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);
        Assert.Equal(OffloadFailureKind.None, resumed.Failure);
        Assert.True(resumed.SafeToFormat);
    }

    [Fact]
    public async Task A_partial_file_left_by_a_crash_is_redone_not_trusted()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 1, smallFiles: 0);
        var final = Path.Combine(Copy1, "Clips", "A002C006_141024_R2EC.mov");
        var partial = Path.Combine(Copy1, "Clips", ".A002C006_141024_R2EC.mov" + CardScan.PartialSuffix);
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        OffloadFixture.Write(partial, "half a clip");

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.False(File.Exists(partial));
        Assert.Equal(OffloadFixture.Bytes(card.PathOf("Clips/A002C006_141024_R2EC.mov")), OffloadFixture.Bytes(final));
    }

    [Fact]
    public async Task A_verified_file_altered_in_the_destination_since_is_not_resumed_blindly()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 1, smallFiles: 0);
        await _f.OffloadAsync(card.Root, [_f.Drive1]);
        var copied = Path.Combine(Copy1, "Sidecar.txt");
        OffloadFixture.Write(copied, "tampered\n");

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);

        Assert.Equal(OffloadFailureKind.CheckFailed, result.Failure);
        Assert.Contains("Sidecar.txt", result.Error, StringComparison.Ordinal);
    }
}
