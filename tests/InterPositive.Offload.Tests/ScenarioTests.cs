using InterPositive.Formats.AscMhl;
using InterPositive.Testing;
using InterPositive.Testing.Cards;

namespace InterPositive.Offload.Tests;

/// <summary>The real histories the reference implementation wrote (tests/data/ascmhl/scenarios): read, verify, carry forward.</summary>
[Trait("Category", "Integration")]
public sealed class ScenarioTests : IDisposable
{
    private readonly OffloadFixture _f = new();

    public void Dispose() => _f.Dispose();

    public static TheoryData<string, bool> ScenarioFolders() => new()
    {
        { "scenario_01/travel_01/A002R2EC", true },
        { "scenario_02/travel_01/A002R2EC", true },
        { "scenario_02/file_server/A002R2EC", true },
        { "scenario_03/travel_01/A002R2EC", true },
        { "scenario_03/file_server/A002R2EC", true },
        { "scenario_04/travel_01/A002R2EC", true },
        { "scenario_04/file_server/A002R2EC", false },
        { "scenario_05/travel_01/Reels/A002R2EC", true },
        { "scenario_05/travel_01/Reels/A003R2EC", true },
        { "scenario_05/file_server/Reels", true },
        { "scenario_05/file_server/Reels/A003R2EC", true },
    };

    private static string Scenario(string relative) => ReferenceData.Path(["ascmhl", "scenarios", .. relative.Split('/')]);

    [Theory]
    [MemberData(nameof(ScenarioFolders))]
    public async Task Every_scenario_verifies_as_the_reference_tool_said(string relative, bool ok)
    {
        var report = await _f.VerifyAsync(Scenario(relative));

        Assert.Equal(ok, report.Ok);
        Assert.Empty(report.ChainMismatches);
        Assert.Empty(report.Missing);
        Assert.Empty(report.New);
        if (!ok)
        {
            var altered = Assert.Single(report.Altered);
            Assert.Equal("Sidecar.txt", altered.Path);
            Assert.Equal("3ab5a4166b9bde44", altered.Recorded);
            Assert.Equal("70d2cf31aaa3eac4", altered.Actual);
        }
    }

    [Theory]
    [MemberData(nameof(ScenarioFolders))]
    public async Task Offloading_a_scenario_card_verifies_it_and_carries_its_history_forward(string relative, bool ok)
    {
        var source = Scenario(relative);
        var name = Path.GetFileName(source);
        var before = (await HistoryStore.LoadAsync(InterPositive.Offload.FileSystem.LinuxFileSystem.Instance, source, [""], null, CancellationToken.None))!;

        var result = await _f.OffloadAsync(source, [_f.Drive1], [MhlHashFormat.Xxh64, MhlHashFormat.Md5]);

        var copy = Path.Combine(_f.Drive1, name);
        Assert.Equal(ok ? "verified" : "failed", result.HistoryCheck);
        Assert.Equal(ok ? OffloadFailureKind.None : OffloadFailureKind.CheckFailed, result.Failure);
        Assert.Equal("verified", result.Destinations[0].Status);
        Assert.Equal(before.LatestGeneration + 1, result.MhlGeneration);
        Assert.Empty(AscMhlSchema.ValidateAll(copy));
        foreach (var (entry, _) in before.Generations)
        {
            Assert.Equal(OffloadFixture.Bytes(Path.Combine(source, "ascmhl", entry.Path)), OffloadFixture.Bytes(Path.Combine(copy, "ascmhl", entry.Path)));
        }

        var after = (await HistoryStore.LoadAsync(InterPositive.Offload.FileSystem.LinuxFileSystem.Instance, copy, [""], null, CancellationToken.None))!;
        Assert.Equal(before.Chain.Select(c => c.C4), after.Chain.Take(before.Chain.Count).Select(c => c.C4));
        var latest = after.Generations[^1].Manifest;
        Assert.Equal(MhlProcesses.Transfer, latest.Process.Process);
        var root = latest.Process.RootHash.Single(h => h.Format == MhlHashFormat.Xxh64);
        var lastReference = before.Generations.Select(g => g.Manifest.Process.RootHash.SingleOrDefault(h => h.Format == MhlHashFormat.Xxh64)).Last(h => h is not null)!;
        Assert.Equal(lastReference.Content, root.Content);
        Assert.Equal(lastReference.Structure, root.Structure);
        if (ok)
        {
            Assert.All(latest.Files.SelectMany(f => f.Hashes), h => Assert.Equal(MhlActions.Verified, h.Action));
            Assert.True((await _f.VerifyAsync(copy)).Ok);
        }
        else
        {
            Assert.Equal(MhlActions.Failed, latest.Files.Single(f => f.Path == "Sidecar.txt").Hashes.Single(h => h.Format == MhlHashFormat.Xxh64).Action);
            Assert.False(result.SafeToFormat);
        }
    }

    [Fact]
    public async Task A_fresh_card_gets_the_root_hash_the_reference_tool_computed()
    {
        // scenario_01's card content, without its history: our first generation must hash it as ascmhl.py did.
        var card = new SyntheticCard(_f.CardRoot())
            .File("Clips/A002C006_141024_R2EC.mov", OffloadFixture.Bytes(Scenario("scenario_01/travel_01/A002R2EC/Clips/A002C006_141024_R2EC.mov")))
            .File("Clips/A002C007_141024_R2EC.mov", OffloadFixture.Bytes(Scenario("scenario_01/travel_01/A002R2EC/Clips/A002C007_141024_R2EC.mov")))
            .File("Sidecar.txt", OffloadFixture.Bytes(Scenario("scenario_01/travel_01/A002R2EC/Sidecar.txt")));

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1], [MhlHashFormat.Md5, MhlHashFormat.Xxh64]);

        var path = Path.Combine(_f.Drive1, "A002R2EC", result.Destinations[0].MhlManifest!);
        var manifest = MhlReader.Read(OffloadFixture.Bytes(path), path);
        Assert.Equal(
            [new MhlDirectoryHashValue(MhlHashFormat.Md5, "6fae2da9bc6dca45486cb91bfea6db70", "be1f2eaed208efbed061845a64cacdfa", _f.Time.GetUtcNow()), new MhlDirectoryHashValue(MhlHashFormat.Xxh64, "8d02114c32e28cbe", "f557f8ca8e5a88ef", _f.Time.GetUtcNow())],
            manifest.Process.RootHash);
        var clips = manifest.Directories.Single();
        Assert.Equal("4c226b42e27d7af3", clips.Hashes.Single(h => h.Format == MhlHashFormat.Xxh64).Content);
        Assert.Equal("906faa843d591a9f", clips.Hashes.Single(h => h.Format == MhlHashFormat.Xxh64).Structure);
    }

    [Fact]
    public async Task Nested_reel_histories_each_get_a_generation_referenced_from_the_reels_folder()
    {
        var source = Scenario("scenario_05/file_server/Reels");

        var result = await _f.OffloadAsync(source, [_f.Drive1]);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        var copy = Path.Combine(_f.Drive1, "Reels");
        Assert.Empty(AscMhlSchema.ValidateAll(copy));
        Assert.Equal(2, result.MhlGeneration);
        var reels = (await HistoryStore.LoadAsync(InterPositive.Offload.FileSystem.LinuxFileSystem.Instance, copy, ["", "A002R2EC", "A003R2EC"], null, CancellationToken.None))!;
        Assert.Equal([2, 3, 3], reels.All().Select(h => h.LatestGeneration));
        var top = reels.Generations[^1].Manifest;
        Assert.Equal(2, top.References.Count);
        foreach (var reference in top.References)
        {
            Assert.Equal(reference.C4, C4Id.Of(OffloadFixture.Bytes(Path.Combine(copy, reference.Path))));
        }

        Assert.Equal("92950bc8fda076ec", top.Process.RootHash.Single().Content);
        Assert.Equal("2c2ce52605558158", top.Process.RootHash.Single().Structure);
        Assert.Equal(["A002R2EC", "A003R2EC"], top.Directories.Select(d => d.Path));
        Assert.Equal("Summary.txt", Assert.Single(top.Files).Path);
        var card = reels.Children[0].Generations[^1].Manifest;
        Assert.Equal("8d02114c32e28cbe", card.Process.RootHash.Single().Content);
        Assert.Equal(["Clips/A002C006_141024_R2EC.mov", "Clips/A002C007_141024_R2EC.mov", "Sidecar.txt"], card.Files.Select(f => f.Path));
        Assert.True((await _f.VerifyAsync(copy)).Ok);
    }

    [Fact]
    public async Task A_generation_altered_after_the_fact_is_caught_by_its_chain_c4()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 1, smallFiles: 0);
        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);
        var manifest = Path.Combine(result.Destinations[0].Path, result.Destinations[0].MhlManifest!);
        OffloadFixture.Write(manifest, OffloadFixture.Text(manifest).Replace("dit-cart", "elsewhere", StringComparison.Ordinal));

        var report = await _f.VerifyAsync(result.Destinations[0].Path);

        Assert.False(report.Ok);
        Assert.Single(report.ChainMismatches);
    }

    [Fact]
    public async Task Verify_lists_missing_altered_and_new_files()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 3, smallFiles: 1);
        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);
        var copy = result.Destinations[0].Path;
        File.Delete(Path.Combine(copy, "Clips", "A002C006_141024_R2EC.mov"));
        OffloadFixture.Write(Path.Combine(copy, "Sidecar.txt"), "changed\n");
        OffloadFixture.Write(Path.Combine(copy, "Clips", "extra.mov"), "new\n");

        var report = await _f.VerifyAsync(copy);

        Assert.False(report.Ok);
        Assert.Equal(["Clips/A002C006_141024_R2EC.mov"], report.Missing);
        Assert.Equal("Sidecar.txt", Assert.Single(report.Altered).Path);
        Assert.Equal(["Clips/extra.mov"], report.New);
    }

    [Fact]
    public async Task Verify_of_a_folder_without_history_is_bad_input()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 1, smallFiles: 0);

        var error = await Assert.ThrowsAsync<OffloadException>(() => _f.VerifyAsync(card.Root));

        Assert.Equal(OffloadFailureKind.BadInput, error.Kind);
    }
}

[Trait("Category", "Integration")]
public sealed class MalformedHistoryTests : IDisposable
{
    private readonly OffloadFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task A_card_whose_history_is_not_ASC_MHL_is_still_copied_and_verified_but_flagged()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 1, smallFiles: 0)
            .File("ascmhl/0001_A002R2EC_2026-11-24_141024Z.mhl", "<hashlist version=\"2.0\" xmlns=\"urn:ASC:MHL:v2.0\"><creatorinfo>"u8.ToArray());

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);

        Assert.Equal(OffloadFailureKind.CheckFailed, result.Failure);
        Assert.False(result.SafeToFormat);
        Assert.Equal("failed", result.HistoryCheck);
        Assert.Contains("0001_A002R2EC_2026-11-24_141024Z.mhl", result.HistoryError, StringComparison.Ordinal);
        Assert.Equal(result.HistoryError, result.Error);
        Assert.Equal("verified", result.Destinations[0].Status);
        var copy = Path.Combine(_f.Drive1, "A002R2EC");
        Assert.Equal(OffloadFixture.Bytes(Path.Combine(card.Root, "Sidecar.txt")), OffloadFixture.Bytes(Path.Combine(copy, "Sidecar.txt")));

        // The new generation stands alone and says why the card's history was not carried forward.
        Assert.True((await _f.VerifyAsync(copy)).Ok);
        var manifest = OffloadFixture.Text(Path.Combine(copy, result.Destinations[0].MhlManifest!));
        Assert.Contains("could not be read and was not carried forward", manifest, StringComparison.Ordinal);
        var stored = _f.Catalog.Read(db => db.GetCollection<InterPositive.Catalog.CardDocument>(InterPositive.Catalog.CatalogCollections.Cards).FindById(result.CardId));
        Assert.False(stored.SafeToFormat);
        Assert.Contains("0001_A002R2EC_2026-11-24_141024Z.mhl", stored.HistoryError, StringComparison.Ordinal);
    }
}
