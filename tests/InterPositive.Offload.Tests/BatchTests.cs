using System.Text.Json;
using InterPositive.Catalog;
using InterPositive.Catalog.Offload;
using InterPositive.Offload.Engine;
using InterPositive.Offload.FileSystem;
using InterPositive.Testing.Cards;

namespace InterPositive.Offload.Tests;

/// <summary>
/// Small files copied in batches: each copy still fdatasync'd once, read back from the drive once and verified only
/// when it matched; a fault in the middle of a batch is that file's (or, for a write, breaks that drive for the files
/// after it) and the files before it stay verified. Also the buffered fallback where a file system refuses O_DIRECT.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BatchTests : IDisposable
{
    private const int Frames = 40;
    private const int Faulty = 20;
    private readonly OffloadFixture _f = new();

    public void Dispose() => _f.Dispose();

    private string Copy1 => Path.Combine(_f.Drive1, "A002R2EC");

    private string Copy2 => Path.Combine(_f.Drive2, "A002R2EC");

    private static string Frame(int i) => FormattableString.Invariant($"Frames/A002.{i:D7}.dpx");

    /// <summary>Frames of 1-5 KB (one batch with the fixture's 64 KiB chunks) and a clip that streams.</summary>
    private SyntheticCard FramesCard()
    {
        var card = new SyntheticCard(_f.CardRoot());
        for (var i = 0; i < Frames; i++)
        {
            card.File(Frame(i), 1000 + (i * 97), seed: i + 1);
        }

        return card.File("Clips/A002C001.mov", 300_000, seed: 99);
    }

    [Fact]
    public async Task Small_files_go_in_batches_and_each_copy_is_flushed_and_read_back_once()
    {
        var card = FramesCard();
        var engine = new OffloadEngine(_f.Fs, _f.Catalog, _f.Time);

        // Batches of 8 files: several batches, each written, flushed and re-read as one.
        var result = await engine.RunAsync(new OffloadRequest(card.Root, [_f.Drive1, _f.Drive2]) { ChunkSize = 64 * 1024, BatchFiles = 8 }, null, CancellationToken.None);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.True(result.SafeToFormat);
        Assert.Empty(_f.Fs.OrderViolations);
        Assert.Equal(Frames + 1, result.FilesCopied);
        foreach (var copy in new[] { Copy1, Copy2 })
        {
            Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, copy));
            Assert.Equal(OffloadFixture.Contents(card.Root).Keys, OffloadFixture.Contents(copy).Keys);
            Assert.True((await _f.VerifyAsync(copy)).Ok);
            for (var i = 0; i < Frames; i++)
            {
                var temp = Temp(copy, Frame(i));
                Assert.Equal(1, _f.Fs.Flushes[temp]);
                Assert.Equal(1, _f.Fs.Verifications[temp]);
            }
        }

        // Each frame read from the card once; only the clip's chunks were handed between threads (5 of 64 KiB).
        Assert.All(Enumerable.Range(0, Frames), i => Assert.Equal(1, _f.Fs.Reads[card.PathOf(Frame(i))]));
        Assert.Equal(5, result.Stages.Single(s => s.Stage == "hand-off").Count);
    }

    [Fact]
    public async Task A_write_fault_in_the_middle_of_a_batch_keeps_the_files_before_it_verified_and_names_the_file()
    {
        var card = FramesCard();
        var bad = Path.GetFileName(Frame(Faulty));
        _f.Fs.WriteFault = (path, _) => path.StartsWith(Copy2, StringComparison.Ordinal) && path.Contains(bad, StringComparison.Ordinal) ? new IOException("No space left on device") : null;

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(OffloadFailureKind.Environment, result.Failure);
        Assert.Contains(bad, result.Error, StringComparison.Ordinal);
        Assert.Contains("No space left", result.Error, StringComparison.Ordinal);
        Assert.Equal("verified", result.Destinations[0].Status);
        Assert.Equal("failed", result.Destinations[1].Status);
        Assert.Contains(bad, result.Destinations[1].Error, StringComparison.Ordinal);
        var failing = result.FileResults.Single(f => f.Path == Frame(Faulty));
        Assert.Equal("failed", failing.Status);
        Assert.Contains(bad, failing.Error, StringComparison.Ordinal);
        for (var i = 0; i < Frames; i++)
        {
            var file = result.FileResults.Single(f => f.Path == Frame(i));
            Assert.Equal("verified", file.Destinations[Copy1]);
            Assert.Equal(i < Faulty ? "verified" : "failed", file.Destinations[Copy2]);
        }

        AssertNothingVerifiedUnlessReadBack(card, result);
    }

    [Fact]
    public async Task A_read_error_in_the_middle_of_a_batch_fails_that_file_only()
    {
        var card = FramesCard();
        var bad = card.PathOf(Frame(Faulty));
        _f.Fs.ReadFault = (path, _) => path == bad ? new IOException("Input/output error") : null;

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(OffloadFailureKind.BadInput, result.Failure);
        Assert.Contains(bad, result.Error, StringComparison.Ordinal);
        Assert.Contains("Input/output error", result.Error, StringComparison.Ordinal);
        Assert.All(result.FileResults.Where(f => f.Path != Frame(Faulty)), f => Assert.Equal("verified", f.Status));
        Assert.Equal("failed", result.FileResults.Single(f => f.Path == Frame(Faulty)).Status);
        var records = _f.Catalog.Read(db => db.GetCollection<OffloadFileRecord>(CatalogCollections.Files).Find(r => r.CardId == result.CardId).ToList());
        Assert.Equal(2, records.Count(r => r.Status == CardStatus.Failed));
        Assert.Equal(2 * Frames, records.Count(r => r.Status == CardStatus.Verified));
        AssertNothingVerifiedUnlessReadBack(card, result);
    }

    [Fact]
    public async Task A_corrupted_write_in_the_middle_of_a_batch_is_caught_by_its_read_back()
    {
        var card = FramesCard();
        var bad = Path.GetFileName(Frame(Faulty));
        _f.Fs.CorruptWrites = path => path.StartsWith(Copy2, StringComparison.Ordinal) && path.Contains(bad, StringComparison.Ordinal);

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(OffloadFailureKind.CheckFailed, result.Failure);
        Assert.Contains("read back from the drive does not match", result.Error, StringComparison.Ordinal);
        Assert.Contains(bad, result.Error, StringComparison.Ordinal);
        var failing = result.FileResults.Single(f => f.Path == Frame(Faulty));
        Assert.Equal("verified", failing.Destinations[Copy1]);
        Assert.Equal("failed", failing.Destinations[Copy2]);
        Assert.All(result.FileResults.Where(f => f.Path != Frame(Faulty)), f => Assert.Equal("verified", f.Status));
        AssertNothingVerifiedUnlessReadBack(card, result);
    }

    [Fact]
    public async Task A_stop_in_the_middle_of_a_batch_reports_nothing_verified_that_was_not_read_back()
    {
        var card = FramesCard();
        using var stop = new CancellationTokenSource();
        var renamed = 0;
        _f.Fs.AfterRename = path =>
        {
            if (path.StartsWith(Copy1, StringComparison.Ordinal) && Interlocked.Increment(ref renamed) == 5)
            {
                stop.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2], cancellationToken: stop.Token));

        Assert.Empty(_f.Fs.OrderViolations);
        var records = _f.Catalog.Read(db => db.GetCollection<OffloadFileRecord>(CatalogCollections.Files).FindAll().ToList());
        Assert.NotEmpty(records);
        foreach (var record in records)
        {
            var final = Path.Combine(record.Destination, record.Path);
            if (record.Status == CardStatus.Verified)
            {
                Assert.Equal(1, _f.Fs.Verifications[Temp(record.Destination, record.Path)]);
                Assert.Equal(OffloadFixture.Bytes(card.PathOf(record.Path)), OffloadFixture.Bytes(final));
            }
            else
            {
                Assert.False(File.Exists(final), $"{final} has a final name but is not verified");
            }
        }

        foreach (var copy in new[] { Copy1, Copy2 })
        {
            Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, copy));
            Assert.Empty(Directory.GetFiles(copy, "*" + CardScan.PartialSuffix, SearchOption.AllDirectories));
        }
    }

    [Fact]
    public async Task Where_a_drive_refuses_o_direct_its_large_copies_fall_back_to_buffered_and_still_verify()
    {
        // A clip over the O_DIRECT threshold; the second drive answers EINVAL to O_DIRECT, as some file systems do.
        var card = new SyntheticCard(_f.CardRoot()).File("Clips/A002C001.mov", (int)LinuxFileSystem.DirectWriteMinSize + 12_345, seed: 3).File("Metadata/a.xml", 2_000);
        var memoryBacked = LinuxFileSystem.IsMemoryBacked(_f.Drive1);
        var fs = new FaultInjectingFileSystem(new LinuxFileSystem { RefusesDirect = path => path.StartsWith(Copy2, StringComparison.Ordinal) });

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2], fs: fs);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.True(result.SafeToFormat);
        Assert.Empty(fs.OrderViolations);
        Assert.Equal(memoryBacked ? WriteModes.Buffered : WriteModes.Direct, result.Destinations[0].WriteMode);
        Assert.Equal(memoryBacked ? WriteModes.Buffered : WriteModes.BufferedFallback, result.Destinations[1].WriteMode);
        Assert.Equal(memoryBacked ? ReReadModes.PageCache : ReReadModes.Fadvise, result.Destinations[1].ReReadMode);
        foreach (var copy in new[] { Copy1, Copy2 })
        {
            Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, copy));
            Assert.True((await _f.VerifyAsync(copy)).Ok);
        }

        // The fallback copy was flushed before its rename and its re-read only reached flushed bytes (checked above).
        Assert.Equal(1, fs.Flushes[Temp(Copy2, "Clips/A002C001.mov")]);

        // The JSON the CLI prints says so for that destination only.
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(result, OffloadJsonContext.Default.OffloadResult));
        var modes = json.RootElement.GetProperty("destinations").EnumerateArray().Select(d => d.GetProperty("writeMode").GetString()).ToList();
        Assert.Equal([result.Destinations[0].WriteMode, result.Destinations[1].WriteMode], modes);
    }

    private static string Temp(string copy, string relative) => Path.Combine(copy, OffloadPlanner.TempName(relative));

    /// <summary>Every copy reported verified was flushed, read back once and holds the card's bytes; no other has a final name.</summary>
    private void AssertNothingVerifiedUnlessReadBack(SyntheticCard card, OffloadResult result)
    {
        Assert.Empty(_f.Fs.OrderViolations);
        foreach (var file in result.FileResults)
        {
            foreach (var (root, status) in file.Destinations)
            {
                var final = Path.Combine(root, file.Path);
                if (status == "verified")
                {
                    Assert.Equal(1, _f.Fs.Flushes[Temp(root, file.Path)]);
                    Assert.Equal(1, _f.Fs.Verifications[Temp(root, file.Path)]);
                    Assert.Equal(OffloadFixture.Bytes(card.PathOf(file.Path)), OffloadFixture.Bytes(final));
                }
                else
                {
                    Assert.False(File.Exists(final), $"{final} has a final name but is not verified");
                }
            }
        }

        foreach (var copy in new[] { Copy1, Copy2 })
        {
            Assert.Empty(OffloadFixture.PartialOrWrong(card.Root, copy));
            Assert.Empty(Directory.GetFiles(copy, "*" + CardScan.PartialSuffix, SearchOption.AllDirectories));
        }
    }
}
