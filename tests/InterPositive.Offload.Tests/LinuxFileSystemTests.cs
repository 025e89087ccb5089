using InterPositive.Offload.FileSystem;
using InterPositive.Testing;

namespace InterPositive.Offload.Tests;

[Trait("Category", "Integration")]
public sealed class LinuxFileSystemTests
{
    [Fact]
    public void A_disk_file_is_re_read_after_fadvise_or_with_o_direct_and_a_tmpfs_file_says_page_cache()
    {
        using var disk = new TempFolder("ip-fs");
        var onDisk = disk.Combine("a.bin");
        File.WriteAllBytes(onDisk, new byte[4096]);
        using (LinuxFileSystem.Instance.OpenForVerification(onDisk, out var mode))
        {
            Assert.Equal(LinuxFileSystem.IsMemoryBacked(disk.Path) ? ReReadModes.PageCache : ReReadModes.Fadvise, mode);
        }

        using (LinuxFileSystem.Direct.OpenForVerification(onDisk, out var mode))
        {
            Assert.Equal(LinuxFileSystem.IsMemoryBacked(disk.Path) ? ReReadModes.PageCache : ReReadModes.Direct, mode);
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
    public async Task Without_o_direct_the_re_read_takes_the_fadvise_path_and_reads_the_same_bytes()
    {
        using var disk = new TempFolder("ip-fs");
        var path = disk.Combine("odd.bin");
        var bytes = Pattern(3 * AlignedBuffer.Alignment + 123);
        await File.WriteAllBytesAsync(path, bytes);
        var fs = new LinuxFileSystem { DirectReReads = false };
        using var reader = fs.OpenForVerification(path, out var mode);
        Assert.Equal(LinuxFileSystem.IsMemoryBacked(disk.Path) ? ReReadModes.PageCache : ReReadModes.Fadvise, mode);
        var back = new byte[bytes.Length + 10];
        Assert.Equal(bytes.Length, await reader.ReadAsync(back, 0, CancellationToken.None));
        Assert.Equal(bytes, back[..bytes.Length]);
    }

    [Fact]
    public async Task An_o_direct_re_read_serves_aligned_and_unaligned_reads_and_a_short_last_block()
    {
        using var disk = new TempFolder("ip-fs");
        var path = disk.Combine("odd.bin");
        var bytes = Pattern((5 * AlignedBuffer.Alignment) + 321);
        await File.WriteAllBytesAsync(path, bytes);
        Assert.True(LinuxFileSystem.TryOpenDirect(path, out var reader));
        using (reader)
        {
            // Aligned memory and offset: read in place; the file's short last block comes back whole.
            using var aligned = new AlignedBuffer(8 * AlignedBuffer.Alignment);
            Assert.Equal(bytes.Length - AlignedBuffer.Alignment, await reader.ReadAsync(aligned.Memory, AlignedBuffer.Alignment, CancellationToken.None));
            Assert.Equal(bytes[AlignedBuffer.Alignment..], aligned.Memory[..(bytes.Length - AlignedBuffer.Alignment)].ToArray());

            // An ordinary array at an odd offset goes through the bounce buffer.
            var some = new byte[1000];
            Assert.Equal(1000, await reader.ReadAsync(some, 4000, CancellationToken.None));
            Assert.Equal(bytes[4000..5000], some);
            Assert.Equal(21, await reader.ReadAsync(some, bytes.Length - 21, CancellationToken.None));
            Assert.Equal(0, await reader.ReadAsync(aligned.Memory, 8 * AlignedBuffer.Alignment, CancellationToken.None));
        }
    }

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
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
