using System.Buffers.Binary;
using InterPositive.Testing;

namespace InterPositive.Host.Tests;

/// <summary>The parser probe through the real CLI: bad input is exit 3 with one line naming the file and field.</summary>
[Trait("Category", "Integration")]
public sealed class MalformedStillCliTests
{
    [Fact]
    public async Task Analyze_of_a_69_byte_png_declaring_16384_square_rgba16_exits_3_naming_the_file_and_IHDR()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("probe.png");
        await File.WriteAllBytesAsync(path, Probe());

        // Before: exit 4 with an OverflowException and no file name.
        var (code, _, stderr) = await SyncCli.RunAsync(folder.Combine("data"), TimeSpan.FromSeconds(60), "analyze", path, "--json");
        Assert.True(code == 3, $"exit {code}: {stderr}");
        Assert.Contains(stderr.Split('\n'), l => l.Contains("probe.png", StringComparison.Ordinal) && l.Contains("IHDR", StringComparison.Ordinal) && l.Contains("decode budget", StringComparison.Ordinal));
    }

    /// <summary>PNG signature, IHDR 16384x16384 RGBA 16-bit, a 12-byte IDAT, IEND: 69 bytes.</summary>
    private static byte[] Probe()
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, 16384);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), 16384);
        ihdr[8] = 16;
        ihdr[9] = 6;
        Chunk(stream, "IHDR", ihdr);
        Chunk(stream, "IDAT", new byte[12]);
        Chunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void Chunk(Stream stream, string type, byte[] body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)body.Length);
        stream.Write(word);
        byte[] typed = [.. System.Text.Encoding.ASCII.GetBytes(type), .. body];
        stream.Write(typed);
        var crc = 0xFFFF_FFFFu;
        foreach (var b in typed)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB8_8320u ^ (crc >> 1) : crc >> 1;
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(word, crc ^ 0xFFFF_FFFFu);
        stream.Write(word);
    }
}
