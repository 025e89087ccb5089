using System.Buffers.Binary;
using System.Diagnostics;
using CsCheck;
using InterPositive.Formats;
using InterPositive.Formats.Images;
using InterPositive.Testing;

namespace InterPositive.Formats.Tests.Images;

[Trait("Category", "Unit")]
public sealed class ExrCodecTests
{
    private static ExrImage Ramp(int width, int height, ExrPixelType type, ExrCompression compression)
    {
        var pixels = width * height;
        float[] r = new float[pixels], g = new float[pixels], b = new float[pixels];
        for (var p = 0; p < pixels; p++)
        {
            // Values HALF holds exactly: multiples of 1/256 below 8, and negatives (normals run −1 to 1).
            r[p] = (p % 97) / 64f;
            g[p] = -((p % 31) / 32f);
            b[p] = (p / width) / 256f;
        }

        return new ExrImage(width, height, [new("R", type, r), new("G", type, g), new("B", type, b)]) { Compression = compression };
    }

    private static byte[] Bytes(ExrImage image)
    {
        using var stream = new MemoryStream();
        ExrCodec.Write(stream, image);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(ExrPixelType.Half, ExrCompression.None)]
    [InlineData(ExrPixelType.Half, ExrCompression.Zip)]
    [InlineData(ExrPixelType.Float, ExrCompression.None)]
    [InlineData(ExrPixelType.Float, ExrCompression.Zip)]
    public void Round_trips_exactly(ExrPixelType type, ExrCompression compression)
    {
        // 37 lines: two full ZIP blocks of 16 and a short one.
        var image = Ramp(53, 37, type, compression) with { Chromaticities = new(0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329) };
        image = image with { Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["interpositive.pass"] = "albedo" } };
        var back = ExrCodec.Read(Bytes(image), "t.exr");
        Assert.Equal(53, back.Width);
        Assert.Equal(37, back.Height);
        Assert.Equal(["B", "G", "R"], back.Channels.Select(c => c.Name));
        foreach (var name in new[] { "R", "G", "B" })
        {
            Assert.Equal(image.Channel(name).Values, back.Channel(name).Values);
            Assert.Equal(type, back.Channel(name).Type);
        }

        Assert.Equal(compression, back.Compression);
        Assert.Equal("albedo", back.Attributes["interpositive.pass"]);
        Assert.Equal(0.3127, back.Chromaticities!.WhiteX, 6);
    }

    [Fact]
    public void Zip_shrinks_smooth_pictures()
    {
        var plain = Bytes(Ramp(256, 64, ExrPixelType.Half, ExrCompression.None));
        var zip = Bytes(Ramp(256, 64, ExrPixelType.Half, ExrCompression.Zip));
        Assert.True(zip.Length < plain.Length / 2, $"ZIP {zip.Length} bytes, uncompressed {plain.Length}");
    }

    [Fact]
    public void Half_keeps_three_significant_digits()
    {
        var values = new[] { 0.18f, 1e-3f, 7.5f, -0.7071f, 1000f };
        var image = new ExrImage(values.Length, 1, [new("Y", ExrPixelType.Half, values)]) { Compression = ExrCompression.None };
        var back = ExrCodec.Read(Bytes(image), "h.exr").Channel("Y").Values;
        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(Math.Abs(back[i] - values[i]) <= Math.Abs(values[i]) / 1024, $"{values[i]} came back as {back[i]}");
        }
    }

    [Fact]
    public void Refuses_what_it_does_not_read_with_the_field_named()
    {
        var good = Bytes(Ramp(8, 4, ExrPixelType.Half, ExrCompression.Zip));
        var tiled = (byte[])good.Clone();
        tiled[5] |= 0x02;
        var error = Assert.Throws<MalformedInputException>(() => ExrCodec.Read(tiled, "tiled.exr"));
        Assert.Contains("tiled", error.Message, StringComparison.Ordinal);
        Assert.Equal("version", error.Field);

        var magic = (byte[])good.Clone();
        magic[0] = 0;
        Assert.Equal("magic", Assert.Throws<MalformedInputException>(() => ExrCodec.Read(magic, "m.exr")).Field);

        var truncated = good.AsSpan(0, good.Length - 5).ToArray();
        var cut = Assert.Throws<MalformedInputException>(() => ExrCodec.Read(truncated, "cut.exr"));
        Assert.StartsWith("cut.exr", cut.Message, StringComparison.Ordinal);

        // A block offset pointing past the end of the file.
        var offsets = (byte[])good.Clone();
        var header = HeaderEnd(good);
        BinaryPrimitives.WriteInt64LittleEndian(offsets.AsSpan(header), 1L << 40);
        Assert.Equal("offsets", Assert.Throws<MalformedInputException>(() => ExrCodec.Read(offsets, "o.exr")).Field);
    }

    [Fact]
    public void Writer_refuses_bad_images()
    {
        Assert.Throws<ArgumentException>(() => Bytes(new ExrImage(2, 2, [new("R", ExrPixelType.Half, new float[3])])));
        Assert.Throws<ArgumentException>(() => Bytes(new ExrImage(2, 2, [])));
        Assert.Throws<ArgumentException>(() => Bytes(new ExrImage(1, 1, [new("R", ExrPixelType.Half, [1f]), new("R", ExrPixelType.Float, [1f])])));
    }

    [Fact]
    public void Fuzzed_bytes_only_ever_raise_malformed_input()
    {
        var seeds = new[] { Bytes(Ramp(9, 20, ExrPixelType.Half, ExrCompression.Zip)), Bytes(Ramp(5, 3, ExrPixelType.Float, ExrCompression.None)) };
        Gen.Select(Gen.Int[0, 1], Gen.Int[0, 4000], Gen.Byte, Gen.Int[1, 6000]).Sample((which, at, value, cut) =>
        {
            var bytes = (byte[])seeds[which].Clone();
            bytes[at % bytes.Length] = value;
            var data = bytes.AsSpan(0, Math.Min(cut, bytes.Length)).ToArray();
            try
            {
                ExrCodec.Read(data, "fuzz");
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 600);
    }

    [Fact]
    public void Any_picture_round_trips_as_float()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 40], Gen.Bool).Sample((w, h, zip) =>
        {
            var values = Enumerable.Range(0, w * h).Select(i => MathF.Sin(i * 0.37f) * 3).ToArray();
            var image = new ExrImage(w, h, [new("Z", ExrPixelType.Float, values)]) { Compression = zip ? ExrCompression.Zip : ExrCompression.None };
            Assert.Equal(values, ExrCodec.Read(Bytes(image), "p.exr").Channel("Z").Values);
        }, iter: 60);
    }

    /// <summary>Where the offset table starts: after the header's terminating null (found by re-reading the attribute list).</summary>
    private static int HeaderEnd(byte[] file)
    {
        var pos = 8;
        while (file[pos] != 0)
        {
            pos = Array.IndexOf(file, (byte)0, pos) + 1;
            pos = Array.IndexOf(file, (byte)0, pos) + 1;
            pos += 4 + BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(pos));
        }

        return pos + 1;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Ffmpeg_and_oiiotool_read_what_we_write()
    {
        if (!File.Exists("/usr/bin/ffmpeg"))
        {
            return;
        }

        using var folder = new TempFolder("exr");
        foreach (var (type, compression, name) in new[] { (ExrPixelType.Half, ExrCompression.Zip, "half-zip.exr"), (ExrPixelType.Float, ExrCompression.None, "float-none.exr"), (ExrPixelType.Half, ExrCompression.None, "half-none.exr"), (ExrPixelType.Float, ExrCompression.Zip, "float-zip.exr") })
        {
            var image = Ramp(40, 21, type, compression);
            await File.WriteAllBytesAsync(folder.Combine(name), Bytes(image));
            var raw = folder.Combine(name + ".gbrpf32");
            var (code, err) = await RunAsync("/usr/bin/ffmpeg", $"-v error -y -i {name} -f rawvideo -pix_fmt gbrpf32le {name}.gbrpf32", folder.Path);
            Assert.True(code == 0, $"ffmpeg could not decode {name}: {err}");
            var planes = await File.ReadAllBytesAsync(raw);
            var plane = 40 * 21;
            Assert.Equal(3 * plane * 4, planes.Length);
            var r = image.Channel("R").Values;
            var g = image.Channel("G").Values;
            var b = image.Channel("B").Values;
            for (var p = 0; p < plane; p++)
            {
                // ffmpeg's planes are G, B, R. It clips negatives on the way to its float RGB formats in some
                // versions, so negative samples are compared only where it kept them.
                var fg = BitConverter.ToSingle(planes, p * 4);
                var fb = BitConverter.ToSingle(planes, (plane + p) * 4);
                var fr = BitConverter.ToSingle(planes, ((2 * plane) + p) * 4);
                Assert.Equal(r[p], fr, 1e-6f);
                Assert.Equal(b[p], fb, 1e-6f);
                Assert.True(Math.Abs(g[p] - fg) < 1e-6 || (g[p] < 0 && fg == 0), $"{name} pixel {p}: G {g[p]} read as {fg}");
            }
        }

        if (File.Exists("/usr/bin/oiiotool"))
        {
            var (code, info) = await RunAsync("/usr/bin/oiiotool", "--info -v half-zip.exr", folder.Path);
            Assert.True(code == 0, info);
            Assert.Contains("40 x   21", info, StringComparison.Ordinal);
            Assert.Contains("zip", info, StringComparison.OrdinalIgnoreCase);
            var (statsCode, stats) = await RunAsync("/usr/bin/oiiotool", "--stats float-zip.exr", folder.Path);
            Assert.True(statsCode == 0, stats);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string arguments, string folder)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = folder })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
