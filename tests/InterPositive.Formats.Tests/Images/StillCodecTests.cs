using System.Diagnostics;
using CsCheck;
using InterPositive.Formats;
using InterPositive.Formats.Images;
using InterPositive.Testing;

namespace InterPositive.Formats.Tests.Images;

[Trait("Category", "Unit")]
public sealed class StillCodecTests
{
    private static RasterImage Gradient(int width, int height, int channels, int depth, int seed = 1)
    {
        var image = new RasterImage(width, height, channels, depth);
        var random = new Random(seed);
        for (var i = 0; i < image.Samples.Length; i++)
        {
            image.Samples[i] = (ushort)random.Next(0, image.MaxCode + 1);
        }

        return image;
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(1, 16)]
    [InlineData(2, 16)]
    [InlineData(3, 8)]
    [InlineData(3, 16)]
    [InlineData(4, 16)]
    public void Png_round_trips_every_colour_type_and_depth(int channels, int depth)
    {
        var image = Gradient(37, 21, channels, depth);
        using var stream = new MemoryStream();
        PngCodec.Write(stream, image);
        var back = PngCodec.Read(stream.ToArray(), "test.png");
        Assert.Equal((image.Width, image.Height, image.Channels, image.BitDepth), (back.Width, back.Height, back.Channels, back.BitDepth));
        Assert.Equal(image.Samples, back.Samples);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void Dpx_10_bit_round_trips_with_timecode_and_rate(int channels)
    {
        var image = Gradient(31, 9, channels, 10);
        using var stream = new MemoryStream();
        DpxCodec.Write(stream, image, transfer: 2, colorimetric: 6, timecode: DpxCodec.TimecodeToBcd(1, 2, 3, 4), frameRate: 23.976);
        var back = DpxCodec.Read(stream.ToArray(), "test.dpx");
        Assert.Equal(image.Samples, back.Image.Samples);
        Assert.Equal("01:02:03:04", back.Info.TimecodeText);
        Assert.Equal(23.976, back.Info.FrameRate!.Value, 3);
        Assert.Equal(2, back.Info.Transfer);
        Assert.True(back.Info.BigEndian);
    }

    [Fact]
    public void Dpx_16_bit_round_trips()
    {
        var image = Gradient(17, 5, 3, 16);
        using var stream = new MemoryStream();
        DpxCodec.Write(stream, image, bitSize: 16);
        Assert.Equal(image.Samples, DpxCodec.Read(stream.ToArray(), "t.dpx").Image.Samples);
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(3, 16)]
    [InlineData(4, 8)]
    public void Tiff_round_trips(int channels, int depth)
    {
        var image = Gradient(23, 11, channels, depth);
        using var stream = new MemoryStream();
        TiffCodec.Write(stream, image);
        var back = TiffCodec.Read(stream.ToArray(), "t.tif");
        Assert.Equal(image.Samples, back.Samples);
        Assert.Equal(StillFormat.Tiff, StillImage.Detect(stream.ToArray()));
    }

    [Fact]
    public void Malformed_files_name_the_source_and_field()
    {
        var image = Gradient(8, 8, 3, 16);
        using var png = new MemoryStream();
        PngCodec.Write(png, image);
        var bytes = png.ToArray();
        bytes[20] ^= 0xFF; // inside IHDR: the CRC no longer matches
        var error = Assert.Throws<MalformedInputException>(() => PngCodec.Read(bytes, "A001.png"));
        Assert.Contains("A001.png", error.Message, StringComparison.Ordinal);
        Assert.Equal("IHDR", error.Field);

        var truncated = png.ToArray()[..40];
        Assert.Throws<MalformedInputException>(() => PngCodec.Read(truncated, "cut.png"));

        using var dpx = new MemoryStream();
        DpxCodec.Write(dpx, image.WithBitDepth(10));
        var shortDpx = dpx.ToArray()[..2100];
        var dpxError = Assert.Throws<MalformedInputException>(() => DpxCodec.Read(shortDpx, "A001.dpx"));
        Assert.Equal("image data", dpxError.Field);

        Assert.Throws<MalformedInputException>(() => StillImage.Read(new byte[64], "zeros.bin"));
        var tiff = new byte[16];
        "II"u8.CopyTo(tiff);
        tiff[2] = 42;
        tiff[4] = 200;
        Assert.Throws<MalformedInputException>(() => TiffCodec.Read(tiff, "bad.tif"));
    }

    [Fact]
    public void Fuzzed_bytes_only_ever_raise_malformed_input()
    {
        var seeds = new List<byte[]>();
        var image = Gradient(6, 4, 3, 16);
        foreach (var write in new Action<Stream>[] { s => PngCodec.Write(s, image), s => DpxCodec.Write(s, image.WithBitDepth(10)), s => TiffCodec.Write(s, image) })
        {
            using var m = new MemoryStream();
            write(m);
            seeds.Add(m.ToArray());
        }

        var gen = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 4000], Gen.Byte, Gen.Int[1, 6000]);
        gen.Sample((which, at, value, cut) =>
        {
            var bytes = (byte[])seeds[which].Clone();
            bytes[at % bytes.Length] = value;
            var data = bytes.AsSpan(0, Math.Min(cut, bytes.Length)).ToArray();
            try
            {
                StillImage.Read(data, "fuzz");
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 400);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Reads_what_ffmpeg_writes_bit_for_bit()
    {
        if (!File.Exists("/usr/bin/ffmpeg"))
        {
            return;
        }

        using var folder = new TempFolder("stills");
        string Run(string args)
        {
            using var process = Process.Start(new ProcessStartInfo("/usr/bin/ffmpeg", "-v error -y -f lavfi -i testsrc2=size=64x36:rate=1 -frames:v 1 " + args) { RedirectStandardError = true, WorkingDirectory = folder.Path })!;
            var err = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, err);
            return err;
        }

        Run("-pix_fmt rgb48le -f rawvideo ref.rgb48");
        Run("-pix_fmt rgb48be png16.png");
        Run("-pix_fmt gbrp10le dpx10.dpx");
        Run("-pix_fmt rgb48le -compression_algo raw tiff16.tif");
        var reference = File.ReadAllBytes(folder.Combine("ref.rgb48"));
        var expected = new ushort[reference.Length / 2];
        Buffer.BlockCopy(reference, 0, expected, 0, reference.Length);

        var png = StillImage.Read(File.ReadAllBytes(folder.Combine("png16.png")), "png16.png");
        Assert.Equal(expected, png.Samples);
        var tiff = StillImage.Read(File.ReadAllBytes(folder.Combine("tiff16.tif")), "tiff16.tif");
        Assert.Equal(expected, tiff.Samples);
        var dpx = StillImage.Read(File.ReadAllBytes(folder.Combine("dpx10.dpx")), "dpx10.dpx");
        Assert.Equal(10, dpx.BitDepth);
        using (var decode = Process.Start(new ProcessStartInfo("/usr/bin/ffmpeg", "-v error -y -i dpx10.dpx -pix_fmt gbrp10le -f rawvideo dpx10.gbrp") { RedirectStandardError = true, WorkingDirectory = folder.Path })!)
        {
            decode.StandardError.ReadToEnd();
            decode.WaitForExit();
        }

        // ffmpeg's planar G, B, R planes against our interleaved R, G, B.
        var planes = File.ReadAllBytes(folder.Combine("dpx10.gbrp"));
        var plane = 64 * 36;
        var maxError = 0;
        for (var p = 0; p < plane; p++)
        {
            var g = BitConverter.ToUInt16(planes, p * 2);
            var b = BitConverter.ToUInt16(planes, (plane + p) * 2);
            var r = BitConverter.ToUInt16(planes, (2 * plane + p) * 2);
            maxError = Math.Max(maxError, Math.Abs(dpx.Samples[p * 3] - r) + Math.Abs(dpx.Samples[p * 3 + 1] - g) + Math.Abs(dpx.Samples[p * 3 + 2] - b));
        }

        Assert.True(maxError == 0, $"DPX differs from ffmpeg's decoding by {maxError} codes");

        // And ffmpeg reads what we write.
        using (var file = File.Create(folder.Combine("ours.dpx")))
        {
            DpxCodec.Write(file, png.WithBitDepth(10));
        }

        using (var file = File.Create(folder.Combine("ours.png")))
        {
            PngCodec.Write(file, png);
        }

        using var check = Process.Start(new ProcessStartInfo("/usr/bin/ffmpeg", "-v error -y -i ours.png -pix_fmt rgb48le -f rawvideo back.rgb48") { RedirectStandardError = true, WorkingDirectory = folder.Path })!;
        check.StandardError.ReadToEnd();
        check.WaitForExit();
        Assert.Equal(reference, File.ReadAllBytes(folder.Combine("back.rgb48")));
        using var check2 = Process.Start(new ProcessStartInfo("/usr/bin/ffmpeg", "-v error -y -i ours.dpx -pix_fmt gbrp10le -f rawvideo back.g10") { RedirectStandardError = true, WorkingDirectory = folder.Path })!;
        var err2 = check2.StandardError.ReadToEnd();
        check2.WaitForExit();
        Assert.True(check2.ExitCode == 0, err2);
        Assert.Equal(64 * 36 * 3 * 2, new FileInfo(folder.Combine("back.g10")).Length);
    }
}
