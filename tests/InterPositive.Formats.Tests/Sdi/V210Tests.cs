using CsCheck;
using InterPositive.Formats.Sdi;
using InterPositive.Formats.St2110;

namespace InterPositive.Formats.Tests.Sdi;

[Trait("Category", "Unit")]
public sealed class V210Tests
{
    [Theory]
    [InlineData(1920, 5120)]
    [InlineData(1280, 3456)]
    [InlineData(3840, 10240)]
    [InlineData(720, 1920)]
    public void Stride_is_128_bytes_per_48_pixels(int width, int stride) => Assert.Equal(stride, V210.Stride(width));

    [Fact]
    public void Words_hold_cb_y_cr_in_bits_0_10_20()
    {
        ushort[] samples = [0x101, 0x202, 0x303, 0x004, 0x3FF, 0x3FC];
        var line = new byte[128];
        V210.PackSamples(samples, line);
        Assert.Equal(0x101u | (0x202u << 10) | (0x303u << 20), BitConverter.ToUInt32(line, 0));
        Assert.Equal(0x004u | (0x3FFu << 10) | (0x3FCu << 20), BitConverter.ToUInt32(line, 4));
        Assert.All(line[8..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Planar_unpack_matches_the_sample_order_for_any_line() =>
        Gen.Select(Gen.Int[1, 200], Gen.UShort[0, 1023].Array[400]).Sample(
            t =>
            {
                var width = t.Item1;
                var samples = t.Item2.AsSpan(0, 2 * width).ToArray();
                var line = new byte[V210.Stride(width) + 16];
                V210.PackSamples(samples, line.AsSpan(0, V210.Stride(width)));
                var y = new ushort[width];
                var cb = new ushort[(width + 1) / 2];
                var cr = new ushort[(width + 1) / 2];
                var ys = new ushort[width];
                var cbs = new ushort[(width + 1) / 2];
                var crs = new ushort[(width + 1) / 2];
                V210.UnpackPlanar(line, y, cb, cr);
                V210.UnpackPlanarScalar(line, ys, cbs, crs);
                var luma = new ushort[width];
                V210.UnpackLuma(line, luma);
                for (var p = 0; p < width; p++)
                {
                    Assert.Equal(samples[(2 * p) + 1], y[p]);
                    Assert.Equal(samples[(2 * p) + 1], ys[p]);
                    Assert.Equal(samples[(2 * p) + 1], luma[p]);
                }

                for (var p = 0; p + 1 < width; p += 2)
                {
                    Assert.Equal(samples[2 * p], cb[p / 2]);
                    Assert.Equal(samples[(2 * p) + 2], cr[p / 2]);
                    Assert.Equal(cb[p / 2], cbs[p / 2]);
                    Assert.Equal(cr[p / 2], crs[p / 2]);
                }

                var back = new ushort[2 * width];
                V210.UnpackSamples(line, back);
                Assert.Equal(samples, back);
            },
            iter: 300);

    [Fact]
    public void Uyvy_is_cb_y_cr_y_bytes()
    {
        byte[] line = [0x80, 0x10, 0x90, 0xEB];
        var y = new ushort[2];
        var cb = new ushort[1];
        var cr = new ushort[1];
        Uyvy.UnpackPlanar(line, y, cb, cr);
        Assert.Equal([0x40, 0x3AC], y);
        Assert.Equal(0x200, cb[0]);
        Assert.Equal(0x240, cr[0]);
    }

    [Fact]
    public void Rfc4175_pixel_groups_round_trip_through_planar_unpack() =>
        Gen.UShort[0, 1023].Array[8].Sample(
            samples =>
            {
                var line = new byte[10];
                Rfc4175.PackSamples(samples, line);
                var y = new ushort[4];
                var cb = new ushort[2];
                var cr = new ushort[2];
                Rfc4175.UnpackPlanar(line, y, cb, cr);
                Assert.Equal([samples[1], samples[3], samples[5], samples[7]], y);
                Assert.Equal([samples[0], samples[4]], cb);
                Assert.Equal([samples[2], samples[6]], cr);
            },
            iter: 500);
}
