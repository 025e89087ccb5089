using InterPositive.Formats.AscMhl;
using InterPositive.Testing.Cards;

namespace InterPositive.Offload.Tests;

/// <summary>A clip over 2 GiB (sizes and offsets past Int32), from a sparse source so it is quick to make.</summary>
[Trait("Category", "Integration")]
public sealed class LargeFileTests : IDisposable
{
    private readonly OffloadFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task A_clip_over_2_GiB_is_copied_verified_and_listed_with_its_64_bit_size()
    {
        const long length = (2L << 30) + 12_345;
        var card = new SyntheticCard(_f.CardRoot()).SparseFile("Clips/A002C006_141024_R2EC.mxf", length).File("Sidecar.txt", 100);

        // The copy goes to RAM (tmpfs) when there is room: the test is about 64-bit sizes, not this VM's disk speed.
        using var ram = Directory.Exists("/dev/shm") && new DriveInfo("/dev/shm").AvailableFreeSpace > 3 * length
            ? new InterPositive.Testing.TempFolder(Path.Combine("/dev/shm", "ip-large"))
            : null;
        var drive = ram?.Path ?? _f.Drive1;
        var result = await new OffloadEngine(_f.Fs, _f.Catalog, _f.Time).RunAsync(
            new OffloadRequest(card.Root, [drive]) { HostName = "dit-cart" }, null, CancellationToken.None);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        var copied = Path.Combine(drive, "A002R2EC", "Clips", "A002C006_141024_R2EC.mxf");
        Assert.Equal(length, new FileInfo(copied).Length);
        await using (var stream = File.OpenRead(copied))
        {
            stream.Position = length - 8;
            var tail = new byte[8];
            await stream.ReadExactlyAsync(tail);
            Assert.Equal("ENDCLIP\n"u8.ToArray(), tail);
        }

        var manifestPath = Path.Combine(result.Destinations[0].Path, result.Destinations[0].MhlManifest!);
        var manifest = MhlReader.Read(OffloadFixture.Bytes(manifestPath), manifestPath);
        Assert.Equal(length, manifest.Files.Single(f => f.Path.EndsWith(".mxf", StringComparison.Ordinal)).Size);
        Assert.Empty(AscMhlSchema.ValidateAll(result.Destinations[0].Path));
    }
}
