using InterPositive.Catalog;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;
using InterPositive.Testing.Cards;

namespace InterPositive.Offload.Tests;

/// <summary>
/// Cards made by an attacker (or a confused tool): links whose target leaves the card only once resolved against the
/// real tree, a destination folder with a link planted in it, a history chain pointing out of the card, a second
/// card of the same name. Each probe ran through before; none may write outside a destination or read outside a card.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CraftedCardTests : IDisposable
{
    private readonly OffloadFixture _f = new();

    public void Dispose() => _f.Dispose();

    public static TheoryData<bool> FileSystems => new() { true, false };

    private IOffloadFileSystem FileSystem(bool kernel) => kernel ? LinuxFileSystem.Instance : _f.Fs;

    [Theory]
    [MemberData(nameof(FileSystems))]
    public async Task Links_are_judged_by_where_they_resolve_not_by_their_spelling(bool kernel)
    {
        // x -> . is the card itself; y -> x/.. is the card's parent; z -> y/.. its grandparent: spelled inside, all three.
        var card = new SyntheticCard(_f.CardRoot())
            .File("Clips/A.mov", 1000)
            .Link("x", ".")
            .Link("y", "x/..")
            .Link("z", "y/..")
            .Link("Clips/latest.mov", "../Clips/A.mov")
            .Link("Clips/loop", "loop");

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1], fs: FileSystem(kernel));

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.True(result.Symlinks.Single(l => l.Path == "x").InsideCard);
        Assert.False(result.Symlinks.Single(l => l.Path == "y").InsideCard);
        Assert.False(result.Symlinks.Single(l => l.Path == "z").InsideCard);
        Assert.True(result.Symlinks.Single(l => l.Path == "Clips/latest.mov").InsideCard);
        Assert.False(result.Symlinks.Single(l => l.Path == "Clips/loop").InsideCard);
        var copy = Path.Combine(_f.Drive1, "A002R2EC");
        Assert.Equal(".", new FileInfo(Path.Combine(copy, "x")).LinkTarget);
        Assert.False(Path.Exists(Path.Combine(copy, "y")));
        Assert.False(Path.Exists(Path.Combine(copy, "z")));

        // Recorded in the catalog with the card, whether recreated or not.
        var stored = _f.Catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(result.CardId));
        Assert.Equal(5, stored.Symlinks.Count);
        Assert.Contains(stored.Symlinks, l => l.Path == "z" && l.Target == "y/.." && !l.InsideCard);
    }

    [Theory]
    [MemberData(nameof(FileSystems))]
    public async Task A_second_card_of_the_same_name_gets_its_own_folder_and_never_writes_outside(bool kernel)
    {
        var first = new SyntheticCard(_f.Combine("one", "A002R2EC")).File("Clips/A.mov", 1000).Link("x", ".").Link("y", "x/..").Link("z", "y/..");
        var second = new SyntheticCard(_f.Combine("two", "A002R2EC")).File("z/victim/pwned.txt", 100);

        var one = await _f.OffloadAsync(first.Root, [_f.Drive1], fs: FileSystem(kernel));
        var two = await _f.OffloadAsync(second.Root, [_f.Drive1], fs: FileSystem(kernel));

        Assert.Equal(CardStatus.Verified, one.Status);
        Assert.Equal(CardStatus.Verified, two.Status);
        Assert.NotEqual(one.CardId, two.CardId);
        Assert.Equal(Path.Combine(_f.Drive1, "A002R2EC"), one.Destinations[0].Path);
        Assert.Equal(Path.Combine(_f.Drive1, two.CardId), two.Destinations[0].Path);
        Assert.True(File.Exists(Path.Combine(_f.Drive1, two.CardId, "z", "victim", "pwned.txt")));
        Assert.False(Path.Exists(_f.Combine("victim")));
        Assert.False(Path.Exists(Path.Combine(_f.Drive1, "victim")));
        Assert.Equal(["Clips/A.mov"], OffloadFixture.Contents(Path.Combine(_f.Drive1, "A002R2EC")).Keys);
        Assert.True((await _f.VerifyAsync(Path.Combine(_f.Drive1, "A002R2EC"))).Ok);
        Assert.True((await _f.VerifyAsync(Path.Combine(_f.Drive1, two.CardId))).Ok);

        // The same card again goes back to its own folder (a resume, not a third folder).
        var again = await _f.OffloadAsync(second.Root, [_f.Drive1], fs: FileSystem(kernel));
        Assert.Equal(two.Destinations[0].Path, again.Destinations[0].Path);
        Assert.Equal(1, again.FilesResumed);
    }

    [Theory]
    [MemberData(nameof(FileSystems))]
    public async Task A_link_planted_in_a_destination_folder_is_never_followed(bool kernel)
    {
        var outside = _f.Combine("outside");
        Directory.CreateDirectory(outside);
        var copy = Path.Combine(_f.Drive1, "A002R2EC");
        Directory.CreateDirectory(copy);
        File.CreateSymbolicLink(Path.Combine(copy, "z"), outside);
        var card = new SyntheticCard(_f.CardRoot()).File("z/victim/pwned.txt", 100).File("Clips/A.mov", 1000);

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2], fs: FileSystem(kernel));

        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Equal(OffloadFailureKind.Environment, result.Failure);
        Assert.False(result.SafeToFormat);
        Assert.Equal(CardStatus.Failed, result.Destinations[0].Status);
        Assert.Contains(copy, result.Destinations[0].Error, StringComparison.Ordinal);
        Assert.Equal(CardStatus.Verified, result.Destinations[1].Status);
    }

    [Fact]
    public async Task A_chain_entry_that_is_not_a_plain_file_name_is_a_bad_history_and_reveals_nothing()
    {
        var outside = _f.Combine("outside");
        Directory.CreateDirectory(outside);
        OffloadFixture.Write(Path.Combine(outside, "secret.mhl"), "not on the card");
        var messages = new List<string>();
        foreach (var target in new[] { "../../outside/secret.mhl", "../../outside/nothing.mhl", outside + "/secret.mhl" })
        {
            var root = _f.Combine("cards", messages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "A002R2EC");
            var card = new SyntheticCard(root)
                .File("Clips/A.mov", 1000)
                .File("ascmhl/ascmhl_chain.xml", MhlWriter.ChainToBytes([new MhlChainEntry(1, target, "")]));

            var drive = Directory.CreateDirectory(_f.Combine("drives", messages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;

            var result = await _f.OffloadAsync(card.Root, [drive], fs: LinuxFileSystem.Instance);

            Assert.Equal(CardStatus.Failed, result.HistoryCheck);
            Assert.NotNull(result.HistoryError);
            Assert.Contains("not a file name inside ascmhl/", result.HistoryError, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", result.HistoryError, StringComparison.Ordinal);
            Assert.DoesNotContain("nothing", result.HistoryError, StringComparison.Ordinal);
            Assert.Equal(CardStatus.Verified, result.Destinations[0].Status);
            messages.Add(result.HistoryError.Replace(card.Root, "CARD", StringComparison.Ordinal));
        }

        // Whether the target exists, and where, changes nothing in what is said (the card's own path aside).
        Assert.Single(messages.Distinct());
    }

    [Fact]
    public async Task A_generation_that_is_a_link_is_not_followed()
    {
        var outside = _f.Combine("outside");
        Directory.CreateDirectory(outside);
        var secret = Path.Combine(outside, "0001_A002R2EC_2026-11-24_141024Z.mhl");
        OffloadFixture.Write(secret, "<hashlist/>");
        var card = new SyntheticCard(_f.CardRoot())
            .File("Clips/A.mov", 1000)
            .File("ascmhl/ascmhl_chain.xml", MhlWriter.ChainToBytes([new MhlChainEntry(1, "0001_A002R2EC_2026-11-24_141024Z.mhl", "")]))
            .Link("ascmhl/0001_A002R2EC_2026-11-24_141024Z.mhl", secret);

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1]);

        Assert.Equal(CardStatus.Failed, result.HistoryCheck);
        Assert.Contains("not a plain file", result.HistoryError, StringComparison.Ordinal);
        Assert.DoesNotContain(_f.Fs.Reads.Keys, k => k.StartsWith(outside, StringComparison.Ordinal) || k.EndsWith(".mhl", StringComparison.Ordinal));
        Assert.Equal(CardStatus.Verified, result.Destinations[0].Status);
    }

    [Fact]
    public async Task A_card_folder_that_cannot_be_opened_beneath_no_link_breaks_that_destination_and_takes_nothing()
    {
        var card = new SyntheticCard(_f.CardRoot()).File("Clips/A.mov", 1000).File("Clips/B.mov", 2000);
        var fs = new RefusingRoots(root => root.StartsWith(_f.Drive2, StringComparison.Ordinal));

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2], fs: fs);

        Assert.Equal(CardStatus.Verified, result.Destinations[0].Status);
        Assert.Equal(CardStatus.Failed, result.Destinations[1].Status);
        Assert.Contains("a link in the way is never followed", result.Destinations[1].Error, StringComparison.Ordinal);
        Assert.False(result.SafeToFormat);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_f.Drive2, "A002R2EC")));
    }

    [Fact]
    public async Task A_drive_that_holds_no_links_keeps_a_verified_copy_and_says_which_links_it_left_out()
    {
        var card = new SyntheticCard(_f.CardRoot()).File("Clips/A.mov", 1000).Link("latest.mov", "Clips/A.mov");
        _f.Fs.LinkFault = path => path.StartsWith(_f.Drive2, StringComparison.Ordinal)
            ? new LinksUnsupportedException($"{path}: not made, the destination's file system holds no links (Function not implemented)")
            : null;

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(CardStatus.Verified, result.Status);
        Assert.True(result.SafeToFormat);
        Assert.Empty(result.Destinations[0].LinksLeftOut);
        Assert.Equal(["latest.mov"], result.Destinations[1].LinksLeftOut);
        var stored = _f.Catalog.Read(db => db.GetCollection<CardDocument>(CatalogCollections.Cards).FindById(result.CardId));
        Assert.Empty(stored.Destinations[0].LinksLeftOut);
        Assert.Equal(["latest.mov"], stored.Destinations[1].LinksLeftOut);
        Assert.Equal("Clips/A.mov", new FileInfo(Path.Combine(_f.Drive1, "A002R2EC", "latest.mov")).LinkTarget);
        Assert.False(Path.Exists(Path.Combine(_f.Drive2, "A002R2EC", "latest.mov")));
        Assert.NotNull(result.Destinations[1].MhlManifest);
        Assert.True((await _f.VerifyAsync(Path.Combine(_f.Drive2, "A002R2EC"))).Ok);

        // Each copy's generation names the card's link and what that copy did with it, and stays valid ASC MHL.
        string Comment(int destination)
        {
            var path = Path.Combine(result.Destinations[destination].Path, result.Destinations[destination].MhlManifest!);
            return MhlReader.Read(OffloadFixture.Bytes(path), path).Creator.Comment ?? "";
        }

        Assert.Contains("links on the card, not media and not hashed: latest.mov -> Clips/A.mov", Comment(0), StringComparison.Ordinal);
        Assert.DoesNotContain("not made", Comment(0), StringComparison.Ordinal);
        Assert.Contains("latest.mov -> Clips/A.mov (not made: this drive holds no links)", Comment(1), StringComparison.Ordinal);
        Assert.Empty(AscMhlSchema.ValidateAll(Path.Combine(_f.Drive2, "A002R2EC")));
    }

    [Fact]
    public async Task A_link_spelled_with_control_characters_is_named_escaped_in_a_valid_generation()
    {
        var card = new SyntheticCard(_f.CardRoot()).File("Clips/A.mov", 1000).Link("odd", "Clips/\u0001A.mov");

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1], fs: LinuxFileSystem.Instance);

        Assert.Equal(CardStatus.Verified, result.Status);
        var path = Path.Combine(result.Destinations[0].Path, result.Destinations[0].MhlManifest!);
        Assert.Contains("odd -> Clips/\\u0001A.mov", MhlReader.Read(OffloadFixture.Bytes(path), path).Creator.Comment, StringComparison.Ordinal);
        Assert.Empty(AscMhlSchema.ValidateAll(result.Destinations[0].Path));
    }

    /// <summary>The kernel file system, but the card's folder in some destinations cannot be opened as a tree.</summary>
    private sealed class RefusingRoots(Func<string, bool> refuses) : IOffloadFileSystem
    {
        private readonly LinuxFileSystem _inner = LinuxFileSystem.Instance;

        public FsEntry? Stat(string path) => _inner.Stat(path);

        public IReadOnlyList<FsEntry> List(string directory) => _inner.List(directory);

        public IOffloadReader OpenRead(string path) => _inner.OpenRead(path);

        public IOffloadReader OpenReadNoFollow(string path) => _inner.OpenReadNoFollow(path);

        public IOffloadWriter Create(string path) => _inner.Create(path);

        public IVerificationReader OpenForVerification(string path, out string reReadMode) => _inner.OpenForVerification(path, out reReadMode);

        public void SetLastModified(string path, DateTimeOffset time) => _inner.SetLastModified(path, time);

        public void Rename(string from, string to, bool replace = false) => _inner.Rename(from, to, replace);

        public void FlushDirectory(string directory) => _inner.FlushDirectory(directory);

        public void CreateDirectory(string path) => _inner.CreateDirectory(path);

        public void Delete(string path) => _inner.Delete(path);

        public void CreateSymlink(string path, string target) => _inner.CreateSymlink(path, target);

        public IDestinationTree OpenDestination(string root) =>
            refuses(root) ? throw new IOException($"{root}: cannot open the destination folder: a link in the way is never followed") : _inner.OpenDestination(root);
    }
}
