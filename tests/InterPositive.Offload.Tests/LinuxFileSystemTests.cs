using InterPositive.Offload.FileSystem;
using InterPositive.Testing;

namespace InterPositive.Offload.Tests;

[Trait("Category", "Integration")]
public sealed class LinuxFileSystemTests
{
    [Fact]
    public void A_disk_file_is_re_read_after_fadvise_and_a_tmpfs_file_says_page_cache()
    {
        using var disk = new TempFolder("ip-fs");
        var onDisk = disk.Combine("a.bin");
        File.WriteAllBytes(onDisk, new byte[4096]);
        using (LinuxFileSystem.Instance.OpenForVerification(onDisk, out var mode))
        {
            Assert.Equal(LinuxFileSystem.IsMemoryBacked(disk.Path) ? ReReadModes.PageCache : ReReadModes.Fadvise, mode);
        }

        if (Directory.Exists("/dev/shm"))
        {
            Assert.True(LinuxFileSystem.IsMemoryBacked("/dev/shm"));
            using var ram = new TempFolder("/dev/shm/ip-fs");
            var inRam = ram.Combine("b.bin");
            File.WriteAllBytes(inRam, new byte[4096]);
            using var reader = LinuxFileSystem.Instance.OpenForVerification(inRam, out var ramMode);
            Assert.Equal(ReReadModes.PageCache, ramMode);
        }
    }

    [Fact]
    public void Rename_never_replaces_a_final_name_unless_asked()
    {
        using var folder = new TempFolder("ip-fs");
        File.WriteAllText(folder.Combine("a"), "a");
        File.WriteAllText(folder.Combine("b"), "b");
        Assert.Throws<IOException>(() => LinuxFileSystem.Instance.Rename(folder.Combine("a"), folder.Combine("b")));
        Assert.Equal("b", File.ReadAllText(folder.Combine("b")));
        LinuxFileSystem.Instance.Rename(folder.Combine("a"), folder.Combine("b"), replace: true);
        Assert.Equal("a", File.ReadAllText(folder.Combine("b")));
        LinuxFileSystem.Instance.FlushDirectory(folder.Path);
    }

    [Fact]
    public void Listing_does_not_follow_links_and_sorts_ordinally()
    {
        using var folder = new TempFolder("ip-fs");
        File.WriteAllText(folder.Combine("b"), "b");
        File.WriteAllText(folder.Combine("B"), "B");
        Directory.CreateDirectory(folder.Combine("a"));
        File.CreateSymbolicLink(folder.Combine("link"), "/etc");
        var entries = LinuxFileSystem.Instance.List(folder.Path);
        Assert.Equal(["B", "a", "b", "link"], entries.Select(e => e.Name));
        Assert.Equal(EntryKind.Symlink, entries[3].Kind);
        Assert.Equal("/etc", entries[3].LinkTarget);
        Assert.Equal(EntryKind.Directory, entries[1].Kind);
    }
}
