using InterPositive.Formats;
using InterPositive.Formats.Images;
using SkiaSharp;

namespace InterPositive.Relight.Media;

/// <summary>A frame as planar RGB code values 0–1 (channel-major, one NCHW image).</summary>
public sealed record PlanarFrame(int Width, int Height, float[] Values, int BitDepth)
{
    public int Pixels => Width * Height;
}

/// <summary>What a still is written as.</summary>
public enum StillKind
{
    Jpeg,
    Png8,
    Png16,
    Dpx10,
    Dpx16,
}

/// <summary>
/// Stills in and out: PNG (8/16-bit), DPX and TIFF through InterPositive.Formats' codecs, JPEG through SkiaSharp.
/// Code values are normalised to 0–1 on the way in and quantised (rounded, clipped) on the way out.
/// </summary>
public static class StillFrames
{
    public static PlanarFrame Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        {
            return ReadJpeg(bytes, path);
        }

        var image = StillImage.Read(bytes, path);
        return FromRaster(image, path);
    }

    public static PlanarFrame FromRaster(RasterImage image, string source)
    {
        if (image.Channels is 2 or 1)
        {
            throw new MalformedInputException("relight needs a colour (RGB) image, this one is grey", source, field: "channels");
        }

        var pixels = image.Width * image.Height;
        var values = new float[3 * pixels];
        var scale = 1f / image.MaxCode;
        var samples = image.Samples;
        for (var p = 0; p < pixels; p++)
        {
            var s = p * image.Channels;
            values[p] = samples[s] * scale;
            values[pixels + p] = samples[s + 1] * scale;
            values[(2 * pixels) + p] = samples[s + 2] * scale;
        }

        return new PlanarFrame(image.Width, image.Height, values, image.BitDepth);
    }

    public static RasterImage ToRaster(ReadOnlySpan<float> planar, int width, int height, int bitDepth)
    {
        var image = new RasterImage(width, height, 3, bitDepth);
        var pixels = width * height;
        var max = image.MaxCode;
        var samples = image.Samples;
        for (var p = 0; p < pixels; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                var v = planar[(c * pixels) + p];
                samples[(p * 3) + c] = (ushort)Math.Clamp(MathF.Round(float.IsNaN(v) ? 0 : v * max), 0, max);
            }
        }

        return image;
    }

    /// <summary>The kind implied by a file name (and, for PNG and DPX, the depth asked for).</summary>
    public static StillKind KindFor(string path, int? depth, bool displayReferred)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".jpg" or ".jpeg" => StillKind.Jpeg,
            ".png" => (depth ?? (displayReferred ? 8 : 16)) == 8 ? StillKind.Png8 : StillKind.Png16,
            ".dpx" => (depth ?? 10) == 16 ? StillKind.Dpx16 : StillKind.Dpx10,
            _ => throw new ArgumentException($"{path}: write stills as .jpg, .png or .dpx"),
        };
    }

    public static void Write(string path, ReadOnlySpan<float> planar, int width, int height, StillKind kind)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var temporary = path + ".partial";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            switch (kind)
            {
                case StillKind.Jpeg:
                    WriteJpeg(stream, planar, width, height);
                    break;
                case StillKind.Png8:
                    PngCodec.Write(stream, ToRaster(planar, width, height, 8));
                    break;
                case StillKind.Png16:
                    PngCodec.Write(stream, ToRaster(planar, width, height, 16));
                    break;
                case StillKind.Dpx10:
                    DpxCodec.Write(stream, ToRaster(planar, width, height, 10), 10);
                    break;
                default:
                    DpxCodec.Write(stream, ToRaster(planar, width, height, 16), 16);
                    break;
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Before and after, side by side (left: before).</summary>
    public static float[] SideBySide(ReadOnlySpan<float> before, ReadOnlySpan<float> after, int width, int height)
    {
        var pixels = width * height;
        var result = new float[3 * pixels * 2];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < height; y++)
            {
                var source = (c * pixels) + (y * width);
                var target = (c * pixels * 2) + (y * width * 2);
                before.Slice(source, width).CopyTo(result.AsSpan(target, width));
                after.Slice(source, width).CopyTo(result.AsSpan(target + width, width));
            }
        }

        return result;
    }

    private static PlanarFrame ReadJpeg(byte[] bytes, string source)
    {
        using var bitmap = SKBitmap.Decode(bytes) ?? throw new MalformedInputException("JPEG could not be decoded", source);
        using var rgba = bitmap.ColorType == SKColorType.Rgba8888 ? null : bitmap.Copy(SKColorType.Rgba8888);
        var pixelsBitmap = rgba ?? bitmap;
        int width = pixelsBitmap.Width, height = pixelsBitmap.Height, pixels = width * height;
        var data = pixelsBitmap.GetPixelSpan();
        var values = new float[3 * pixels];
        for (var p = 0; p < pixels; p++)
        {
            values[p] = data[p * 4] / 255f;
            values[pixels + p] = data[(p * 4) + 1] / 255f;
            values[(2 * pixels) + p] = data[(p * 4) + 2] / 255f;
        }

        return new PlanarFrame(width, height, values, 8);
    }

    private static void WriteJpeg(Stream stream, ReadOnlySpan<float> planar, int width, int height)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var data = bitmap.GetPixelSpan();
        var pixels = width * height;
        for (var p = 0; p < pixels; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                data[(p * 4) + c] = (byte)Math.Clamp(MathF.Round(planar[(c * pixels) + p] * 255), 0, 255);
            }

            data[(p * 4) + 3] = 255;
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(SKEncodedImageFormat.Jpeg, 92) ?? throw new IOException("JPEG encode failed");
        encoded.SaveTo(stream);
    }
}
