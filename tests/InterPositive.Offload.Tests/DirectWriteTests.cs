using InterPositive.Offload.FileSystem;
using InterPositive.Testing;
using InterPositive.Testing.Cards;

namespace InterPositive.Offload.Tests;

/// <summary>
/// The O_DIRECT write path: a large copy goes to the drive with O_DIRECT from aligned memory, its unaligned last
/// bytes through the page cache, and reads back the card's bytes; small files and memory file systems take the page
/// cache by choice; the engine reports the write mode per destination and re-reads an O_DIRECT copy with O_DIRECT.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DirectWriteTests : IDisposable
{
    private readonly OffloadFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task A_large_copy_goes_with_o_direct_and_its_unaligned_tail_through_the_page_cache()
    {
        using var disk = new TempFolder("ip-direct");
        var path = disk.Combine("clip.mov");
        var length = (int)LinuxFileSystem.DirectWriteMinSize + (3 * AlignedBuffer.Alignment) + 123;
        var bytes = new byte[length];
        new Random(5).NextBytes(bytes);
        const int Chunk = 1 << 20;
        using var buffer = new AlignedBuffer(Chunk);
        using (var writer = LinuxFileSystem.Instance.CreateCopy(path, length, out var mode))
        {
            var memoryBacked = LinuxFileSystem.IsMemoryBacked(disk.Path);
            Assert.Equal(memoryBacked ? WriteModes.Buffered : WriteModes.Direct, mode);
            for (var offset = 0; offset < length; offset += Chunk)
            {
                var n = Math.Min(Chunk, length - offset);
                bytes.AsSpan(offset, n).CopyTo(buffer.Memory.Span);
                await writer.WriteAsync(buffer.Memory[..n], offset, CancellationToken.None);
            }

            if (writer is LinuxFileSystem.DirectWriter direct)
            {
                // Everything up to the last whole block went with O_DIRECT; the last 123 bytes did not.
                Assert.Equal(length & ~(AlignedBuffer.Alignment - 1), direct.DirectBytes);
            }

            writer.WriteOut(0, length);
            writer.FlushToDisk();
        }

        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        using (var reader = LinuxFileSystem.Instance.OpenForVerification(path, direct: true, out var reReadMode))
        {
            Assert.Equal(LinuxFileSystem.IsMemoryBacked(disk.Path) ? ReReadModes.PageCache : ReReadModes.Direct, reReadMode);
            Assert.Equal(length, reader.Length);
        }
    }

    [Fact]
    public void The_direct_writer_and_reader_work_on_the_caller_s_thread_as_they_do_async()
    {
        // Small files in a batch are written and read back on the batch's own thread, never by blocking on async calls.
        using var disk = new TempFolder("ip-direct");
        var path = disk.Combine("clip.mov");
        var length = (int)LinuxFileSystem.DirectWriteMinSize + (2 * AlignedBuffer.Alignment) + 77;
        var bytes = new byte[length];
        new Random(9).NextBytes(bytes);
        const int Chunk = 1 << 20;
        using var buffer = new AlignedBuffer(Chunk);
        using (var writer = LinuxFileSystem.Instance.CreateCopy(path, length, out _))
        {
            for (var offset = 0; offset < length; offset += Chunk)
            {
                var n = Math.Min(Chunk, length - offset);
                bytes.AsSpan(offset, n).CopyTo(buffer.Memory.Span);
                writer.Write(buffer.Memory[..n], offset, CancellationToken.None);
            }

            if (writer is LinuxFileSystem.DirectWriter direct)
            {
                Assert.Equal(length & ~(AlignedBuffer.Alignment - 1), direct.DirectBytes);
            }

            writer.WriteOut(0, length);
            writer.FlushToDisk();
        }

        Assert.Equal(bytes, File.ReadAllBytes(path));
        using var reader = LinuxFileSystem.Instance.OpenForVerification(path, direct: true, out _);

        // In place (aligned memory at an aligned offset), then through the bounce buffer: an unaligned offset into a
        // plain array, and the file's unaligned end.
        Assert.Equal(Chunk, reader.Read(buffer.Memory, 0, CancellationToken.None));
        Assert.True(buffer.Memory.Span.SequenceEqual(bytes.AsSpan(0, Chunk)));
        var plain = new byte[1000];
        Assert.Equal(1000, reader.Read(plain, 4097, CancellationToken.None));
        Assert.Equal(bytes.AsSpan(4097, 1000).ToArray(), plain);
        var tail = new byte[200];
        Assert.Equal(100, reader.Read(tail, length - 100, CancellationToken.None));
        Assert.Equal(bytes.AsSpan(length - 100).ToArray(), tail.AsSpan(0, 100).ToArray());
        Assert.Throws<OperationCanceledException>(() => reader.Read(plain, 0, new CancellationToken(canceled: true)));
    }

    [Fact]
    public void Small_files_and_memory_file_systems_are_written_through_the_page_cache()
    {
        using var disk = new TempFolder("ip-direct");
        using (LinuxFileSystem.Instance.CreateCopy(disk.Combine("small.xml"), 64 * 1024, out var small))
        {
            Assert.Equal(WriteModes.Buffered, small);
        }

        using (LinuxFileSystem.Buffered.CreateCopy(disk.Combine("large.mov"), 1L << 30, out var off))
        {
            Assert.Equal(WriteModes.Buffered, off);
        }

        if (Directory.Exists("/dev/shm"))
        {
            using var ram = new TempFolder("/dev/shm/ip-direct");
            using var writer = LinuxFileSystem.Instance.CreateCopy(ram.Combine("large.mov"), 1L << 30, out var mode);
            Assert.Equal(WriteModes.Buffered, mode);
        }
    }

    [Fact]
    public async Task The_engine_writes_a_large_clip_with_o_direct_re_reads_it_so_and_says_so_per_destination()
    {
        var size = (int)LinuxFileSystem.DirectWriteMinSize + 777;
        var card = new SyntheticCard(_f.CardRoot()).File("Clips/A002C006_141024_R2EC.mov", size);

        var result = await _f.OffloadAsync(card.Root, [_f.Drive1, _f.Drive2]);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.Empty(_f.Fs.OrderViolations);
        var memoryBacked = LinuxFileSystem.IsMemoryBacked(_f.Drive1);
        Assert.All(result.Destinations, d => Assert.Equal(memoryBacked ? WriteModes.Buffered : WriteModes.Direct, d.WriteMode));
        Assert.All(result.Destinations, d => Assert.Equal(memoryBacked ? ReReadModes.PageCache : ReReadModes.Direct, d.ReReadMode));
        foreach (var drive in new[] { _f.Drive1, _f.Drive2 })
        {
            Assert.Equal(OffloadFixture.Bytes(Path.Combine(card.Root, "Clips", "A002C006_141024_R2EC.mov")), OffloadFixture.Bytes(Path.Combine(drive, "A002R2EC", "Clips", "A002C006_141024_R2EC.mov")));
        }

        Assert.True((await _f.VerifyAsync(Path.Combine(_f.Drive1, "A002R2EC"))).Ok);
    }
}
