using System.Text;
using InterPositive.Offload.FileSystem;
using InterPositive.Testing;

namespace InterPositive.Offload.Tests;

/// <summary>
/// The kernel-kept destination tree on the real file system: links planted anywhere on the way are refused, a folder
/// swapped for a link after it was first used still takes nothing outside, and each call answers as the joined-path
/// tree does (the engine and the fault-injecting tests rely on the same contract).
/// </summary>
[Trait("Category", "Integration")]
public sealed class LinuxDestinationTreeTests : IDisposable
{
    private readonly TempFolder _temp = new("ip-tree");

    public LinuxDestinationTreeTests()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
    }

    private string Root => _temp.Combine("copy");

    private string Outside => _temp.Combine("outside");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_real_file_system_opens_a_kernel_kept_tree()
    {
        using var tree = LinuxFileSystem.Instance.OpenDestination(Root);
        Assert.IsType<LinuxDestinationTree>(tree);
    }

    [Fact]
    public void A_link_anywhere_on_the_way_is_refused_with_the_path_and_nothing_lands_outside()
    {
        File.CreateSymbolicLink(Path.Combine(Root, "up"), Outside);
        File.CreateSymbolicLink(Path.Combine(Root, "dangling"), Path.Combine(Outside, "made.txt"));
        File.CreateSymbolicLink(Path.Combine(Root, "file-link"), Path.Combine(Outside, "there.txt"));
        File.WriteAllText(Path.Combine(Outside, "there.txt"), "keep");
        using var tree = new LinuxDestinationTree(LinuxFileSystem.Instance, Root);

        var inFolder = Assert.Throws<IOException>(() => tree.Create("up/pwned.txt"));
        Assert.Contains(Path.Combine(Root, "up"), inFolder.Message, StringComparison.Ordinal);
        Assert.Contains("link", inFolder.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', inFolder.Message);
        Assert.Throws<IOException>(() => tree.CreateDirectory("up/deeper"));
        Assert.Throws<IOException>(() => tree.CreateCopy("up/clip.mov", 8L << 20, out _));
        Assert.Throws<IOException>(() => tree.CreateSymlink("up/l", "x"));
        Assert.Throws<IOException>(() => tree.Rename("dangling", "up/moved"));
        Assert.Throws<IOException>(() => tree.Stat("up/anything"));

        // The last component as a link: neither created through nor opened through.
        Assert.Throws<IOException>(() => tree.Create("dangling"));
        Assert.Throws<IOException>(() => tree.CreateCopy("file-link", 10, out _));
        Assert.Throws<IOException>(() => tree.OpenRead("file-link"));
        Assert.Throws<IOException>(() => tree.OpenForVerification("file-link", out _));

        Assert.Equal(["there.txt"], Directory.GetFileSystemEntries(Outside).Select(Path.GetFileName));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(Outside, "there.txt")));
        Assert.Equal(EntryKind.Symlink, tree.Stat("up")!.Kind);
        Assert.Equal(Outside, tree.Stat("up")!.LinkTarget);
    }

    [Fact]
    public void A_folder_swapped_for_a_link_after_its_first_use_still_takes_nothing_outside()
    {
        // The joined-path tree checks a folder once and then trusts its name; this tree holds the folder itself.
        using var tree = new LinuxDestinationTree(LinuxFileSystem.Instance, Root);
        tree.CreateDirectory("Clips");
        using (var first = tree.Create("Clips/A.mov"))
        {
            first.Write(Encoding.ASCII.GetBytes("a"), 0, CancellationToken.None);
        }

        Directory.Move(Path.Combine(Root, "Clips"), Path.Combine(Root, "Clips.moved"));
        File.CreateSymbolicLink(Path.Combine(Root, "Clips"), Outside);

        using (var second = tree.Create("Clips/B.mov"))
        {
            second.Write(Encoding.ASCII.GetBytes("b"), 0, CancellationToken.None);
        }

        Assert.Empty(Directory.GetFileSystemEntries(Outside));
        Assert.True(File.Exists(Path.Combine(Root, "Clips.moved", "B.mov")));

        // A tree opened afterwards sees the link and refuses it.
        using var fresh = new LinuxDestinationTree(LinuxFileSystem.Instance, Root);
        Assert.Throws<IOException>(() => fresh.Create("Clips/C.mov"));
    }

    [Fact]
    public void The_root_itself_may_not_be_a_link()
    {
        var alias = _temp.Combine("alias");
        File.CreateSymbolicLink(alias, Outside);
        var error = Assert.Throws<IOException>(() => new LinuxDestinationTree(LinuxFileSystem.Instance, alias));
        Assert.Contains(alias, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_call_answers_as_the_joined_path_tree_does()
    {
        using var tree = new LinuxDestinationTree(LinuxFileSystem.Instance, Root);
        using var joined = new PathDestinationTree(LinuxFileSystem.Instance, Root);

        tree.CreateDirectory("A/B/C");
        tree.CreateDirectory("A/B/C");
        await File.WriteAllTextAsync(Path.Combine(Root, "A", "plain.txt"), "x");
        File.CreateSymbolicLink(Path.Combine(Root, "A", "link"), "plain.txt");
        var error = Assert.Throws<IOException>(() => tree.CreateDirectory("A/plain.txt/D"));
        Assert.Contains("in the way of a folder", error.Message, StringComparison.Ordinal);

        foreach (var path in new[] { "", "A", "A/B/C", "A/plain.txt", "A/missing", "missing/deeper", "A/plain.txt/under-a-file" })
        {
            Assert.Equal(joined.Stat(path), tree.Stat(path));
        }

        // A link's own time (lstat) here, where .NET's FileInfo reports its target's: kind and target agree.
        Assert.Equal(joined.Stat("A/link")! with { LastModified = default }, tree.Stat("A/link")! with { LastModified = default });

        // Create, write, flush, re-read, date, rename without replacing, then replacing.
        var time = new DateTimeOffset(2026, 12, 3, 10, 11, 12, TimeSpan.Zero).AddTicks(1234567);
        using (var writer = tree.Create("A/B/C/.clip.tmp"))
        {
            await writer.WriteAsync(Encoding.ASCII.GetBytes("frames"), 0, CancellationToken.None);
            writer.FlushToDisk();
        }

        using (var reader = tree.OpenForVerification("A/B/C/.clip.tmp", out var mode))
        {
            Assert.Contains(mode, new[] { ReReadModes.Fadvise, ReReadModes.PageCache, ReReadModes.Direct });
            var back = new byte[16];
            Assert.Equal(6, await reader.ReadAsync(back, 0, CancellationToken.None));
        }

        tree.SetLastModified("A/B/C/.clip.tmp", time);
        tree.Rename("A/B/C/.clip.tmp", "A/B/C/clip.mov");
        Assert.Equal(time, tree.Stat("A/B/C/clip.mov")!.LastModified);
        Assert.Equal(time.UtcDateTime, File.GetLastWriteTimeUtc(Path.Combine(Root, "A", "B", "C", "clip.mov")));
        tree.FlushDirectory("A/B/C");
        tree.FlushDirectory("");

        using (tree.Create("A/B/C/other.tmp"))
        {
        }

        Assert.Throws<IOException>(() => tree.Rename("A/B/C/other.tmp", "A/B/C/clip.mov"));
        tree.Rename("A/B/C/other.tmp", "A/B/C/clip.mov", replace: true);
        Assert.Equal(0, tree.Stat("A/B/C/clip.mov")!.Size);

        // Delete takes files and links, never a folder, and nothing is nothing.
        tree.Delete("A/link");
        Assert.False(Path.Exists(Path.Combine(Root, "A", "link")));
        Assert.True(File.Exists(Path.Combine(Root, "A", "plain.txt")));
        tree.Delete("A/B");
        Assert.True(Directory.Exists(Path.Combine(Root, "A", "B")));
        tree.Delete("A/missing");
        tree.Delete("missing/deeper");

        tree.CreateSymlink("A/latest.mov", "B/C/clip.mov");
        Assert.Equal("B/C/clip.mov", tree.Stat("A/latest.mov")!.LinkTarget);

        Assert.Throws<IOException>(() => tree.Create("../escape"));
        Assert.Throws<IOException>(() => tree.Create("/etc/escape"));
        Assert.Throws<IOException>(() => tree.Create("A//B"));
    }

    [Fact]
    public void A_card_with_more_folders_than_are_kept_open_still_copies_into_each()
    {
        using var tree = new LinuxDestinationTree(LinuxFileSystem.Instance, Root);
        var count = LinuxDestinationTree.MaxOpenFolders + 20;
        for (var i = 0; i < count; i++)
        {
            var folder = $"DCIM/{i:D5}";
            tree.CreateDirectory(folder);
            using var writer = tree.Create(folder + "/f.bin");
            writer.Write(new byte[] { (byte)i }, 0, CancellationToken.None);
        }

        Assert.Equal(count, Directory.GetFiles(Path.Combine(Root, "DCIM"), "f.bin", SearchOption.AllDirectories).Length);
        Assert.Equal(EntryKind.File, tree.Stat($"DCIM/{count - 1:D5}/f.bin")!.Kind);
    }
}
